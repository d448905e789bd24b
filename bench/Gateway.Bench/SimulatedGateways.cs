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
/// With several receivers, gateway i dials receiver i mod their number (a cluster's nodes, each its share); they may
/// start all at once or at a given rate (an actor system for each tenth of a second's batch).
/// No traffic: idle bundles with their LCP echo.
/// </summary>
public sealed class SimulatedGateways : IAsyncDisposable
{
    private readonly List<IHost> hosts;

    private SimulatedGateways(List<IHost> hosts) => this.hosts = hosts;

    public static Task<SimulatedGateways> StartAsync(string directory, IPEndPoint receiver, int count) =>
        StartAsync(directory, [receiver], count);

    /// <param name="perSecond">Gateways started a second, in batches of a tenth of that (an actor system each); 0: all at once.</param>
    /// <param name="bundleLines">Extra lines for the gateways' <c>vpn</c> label (their echo period).</param>
    public static async Task<SimulatedGateways> StartAsync(string directory, IReadOnlyList<IPEndPoint> receivers, int count, int perSecond = 0,
        IEnumerable<string>? bundleLines = null)
    {
        var templates = receivers.Select((receiver, n) =>
        {
            var (conf, _) = PppFiles.Write(directory, $"sim{n}", [receiver], bundleLines);
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
        int batch = perSecond <= 0 ? count : Math.Max(1, perSecond / 10);
        var hosts = new List<IHost>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int first = 0; first < count; first += batch)
        {
            if (perSecond > 0)
            {
                var due = TimeSpan.FromSeconds((double)first / perSecond);
                if (due > clock.Elapsed)
                    await Task.Delay(due - clock.Elapsed);
            }
            hosts.Add(await StartHostAsync($"simulated-gateways-{hosts.Count}", template with { Bundles = bundles.Skip(first).Take(batch).ToList() }));
        }
        return new SimulatedGateways(hosts);
    }

    private static async Task<IHost> StartHostAsync(string name, GatewayOptions options)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddAkka(name, akka =>
        {
            akka.ConfigureLoggers(l =>
            {
                l.LogLevel = Akka.Event.LogLevel.ErrorLevel;
                l.ClearLoggers();
            });
            akka.AddHocon("akka.stdout-loglevel = OFF", HoconAddMode.Prepend);
            akka.WithGatewayActors(options);
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in hosts)
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}
