using Akka.Hosting;
using Gateway.Web.Demo;

namespace Gateway.Web.Hosting;

/// <summary>Each role's actors, wired with ONE call per role. Production and the tests both come through here.</summary>
public static class RoleActors
{
    public static AkkaConfigurationBuilder WithRoleActors(this AkkaConfigurationBuilder builder, GatewayRole role, IConfiguration configuration) =>
        role switch
        {
            // SWAP POINT: replace with builder.WithDemoTopology(new DemoOptions(...from configuration...)) once
            // Gateway.Core/Hosting has it, and delete Gateway.Web/Demo/PlaceholderTopology.cs.
            GatewayRole.Demo => builder.WithPlaceholderTopology(),
            // SWAP POINT: builder.WithGatewayActors(...) (ppp.conf, ppp.secret, labels from configuration).
            GatewayRole.Gateway => builder,
            // SWAP POINT: builder.WithReceiverActors(...).
            GatewayRole.Receiver => builder,
            _ => throw new ArgumentOutOfRangeException(nameof(role)),
        };
}
