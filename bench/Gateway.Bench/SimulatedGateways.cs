using System.Net;
using Akka.Hosting;
using Gateway.Core.Config;
using Gateway.Core.Hosting;
using Gateway.Core.Actors;
using Gateway.Core.Ppp.Multilink;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Bench;

/// <summary>
/// Many minimal gateways in this one process: one actor system wired by the product's own <c>WithGatewayActors</c>,
/// with N bundles of one NIC-mode sublink each, every one built by <c>ConfigMapping.ToGateway</c> from a ppp.conf
/// <c>vpn-nic</c> label and given its own endpoint discriminator (so the receiver keeps N bundles, as for N gateways).
/// With several receivers, gateway i dials receiver i mod their number (a cluster's nodes, each its share).
/// No traffic: idle bundles with their LCP echo.
/// </summary>
public sealed class SimulatedGateways : IAsyncDisposable
{
    private readonly IHost host;

    private SimulatedGateways(IHost host) => this.host = host;

    public static Task<SimulatedGateways> StartAsync(string directory, IPEndPoint receiver, int count) =>
        StartAsync(directory, [receiver], count);

    public static async Task<SimulatedGateways> StartAsync(string directory, IReadOnlyList<IPEndPoint> receivers, int count)
    {
        var templates = receivers.Select((receiver, n) =>
        {
            var (conf, _) = PppFiles.Write(directory, $"sim{n}", [receiver]);
            var files = new GatewayConfigFiles(PppConfReader.Read(conf, new InMemoryConfigSource().Add(conf, File.ReadAllText(conf))));
            var model = GatewayModelBuilder.Build(files).Model;
            var errors = new List<string>();
            return ConfigMapping.ToGateway(model, model.Bundles.Single(b => b.Label == "vpn-nic"), errors)
                ?? throw new InvalidOperationException(string.Join("; ", errors));
        }).ToList();
        var template = templates[0];
        var bundles = Enumerable.Range(1, count).Select(i =>
        {
            string name = $"sim{i:D4}";
            EndpointDiscriminator.TryCreateLabel(name, out var discriminator, out _);
            var bundle = templates[(i - 1) % templates.Count].Bundles[0];
            return bundle with
            {
                Settings = bundle.Settings with { Name = name },
                MemberSession = bundle.MemberSession with { Lcp = bundle.MemberSession.Lcp with { EndpointDiscriminator = discriminator } },
                DataPlane = null,
            };
        }).ToList();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddAkka("simulated-gateways", akka =>
        {
            akka.ConfigureLoggers(l =>
            {
                l.LogLevel = Akka.Event.LogLevel.ErrorLevel;
                l.ClearLoggers();
            });
            akka.AddHocon("akka.stdout-loglevel = OFF", HoconAddMode.Prepend);
            akka.WithGatewayActors(template with { Bundles = bundles });
        });
        var host = builder.Build();
        await host.StartAsync();
        return new SimulatedGateways(host);
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
