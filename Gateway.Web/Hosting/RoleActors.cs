using Akka.Hosting;
using Gateway.Emulation.Hosting;

namespace Gateway.Web.Hosting;

/// <summary>Each role's actors, wired with ONE call per role. Production and the tests both come through here.</summary>
public static class RoleActors
{
    public static AkkaConfigurationBuilder WithRoleActors(this AkkaConfigurationBuilder builder, GatewayRole role, IConfiguration configuration) =>
        role switch
        {
            GatewayRole.Demo => builder.WithDemoTopology(DemoOptionsFrom(configuration)),
            // gateway run --config PPP.CONF --label vpn-nic | vpn-in --listen ADDRESS:PORT (RunConfiguration);
            // without a configuration these roles serve status only and refuse control.
            GatewayRole.Gateway or GatewayRole.Receiver when RunConfiguration.IsConfigured(configuration) =>
                builder.WithConfiguredActors(role, configuration),
            GatewayRole.Gateway or GatewayRole.Receiver => builder,
            _ => throw new ArgumentOutOfRangeException(nameof(role)),
        };

    /// <summary>Demo settings from configuration (<c>Gateway:Demo:LineSpeed</c>, ... ), defaults otherwise.</summary>
    private static DemoOptions DemoOptionsFrom(IConfiguration configuration)
    {
        var section = configuration.GetSection("Gateway:Demo");
        var defaults = new DemoOptions();
        return defaults with
        {
            Links = section.GetValue("Links", defaults.Links),
            LineSpeed = section.GetValue("LineSpeed", defaults.LineSpeed),
            SlowLineSpeed = section.GetValue("SlowLineSpeed", defaults.SlowLineSpeed),
            ReceiverPort = section.GetValue("ReceiverPort", defaults.ReceiverPort),
            ProbesPerSecond = section.GetValue("ProbesPerSecond", defaults.ProbesPerSecond),
            BulkShare = section.GetValue("BulkShare", defaults.BulkShare),
            Encrypt = section.GetValue("Encrypt", defaults.Encrypt),
        };
    }
}
