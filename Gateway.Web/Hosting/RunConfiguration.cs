using System.Net;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Gateway.Core.Actors;
using Gateway.Core.Config;
using Gateway.Core.Hosting;
using Gateway.Core.Transport;
using Gateway.Emulation.Traffic;
using Gateway.Web.Cli;
using Gateway.Web.Cluster;

namespace Gateway.Web.Hosting;

/// <summary>A FreeBSD ppp configuration that <c>gateway run</c> cannot start from; the message lists every reason.</summary>
public sealed class GatewayConfigurationException(string message) : Exception(message);

/// <summary>
/// <c>gateway run --config PPP.CONF [--secret PPP.SECRET] [--linkup F] [--linkdown F] --label LABEL [--listen ADDRESS:PORT]
/// [--tun NAME|auto|none] [--tun-netns NS]</c>: the label names a receiver (<c>vpn-in</c>: the receiver role on
/// <c>--listen</c>, default <c>0.0.0.0:6671</c>) or a bundle (the gateway role: the seed's <c>vpn</c>, whose sublinks
/// ride the ISP labels' modem links that ppp.linkup starts them on, or <c>vpn-nic</c>, whose sublinks are UDP sockets).
/// The data plane is a tun device per bundle, with the label's <c>add</c>/<c>add!</c> routes and <c>nat enable yes</c>,
/// where the process may create one (<c>--tun auto</c>, the default) or where <c>--tun NAME</c> asks for it; otherwise,
/// and with <c>--tun none</c>, the in-process probe traffic (docs/DESIGN.md).
/// </summary>
public static class RunConfiguration
{
    public const string DefaultListen = "0.0.0.0:6671";

    /// <summary>Interface names have at most 15 characters (IFNAMSIZ - 1).</summary>
    private const int InterfaceNameMax = 15;

    /// <summary>True when the command line names a configuration to run.</summary>
    public static bool IsConfigured(IConfiguration configuration) => configuration["config"] is not null;

    public static AkkaConfigurationBuilder WithConfiguredActors(this AkkaConfigurationBuilder builder, GatewayRole role, IConfiguration configuration)
    {
        var conf = configuration["config"] ?? throw new GatewayConfigurationException("gateway run: --config PPP.CONF is required");
        var label = configuration["label"] ?? (role == GatewayRole.Receiver ? "vpn-in" : "vpn-nic");
        var source = new DiskConfigSource(Environment.GetEnvironmentVariable("PWD"));
        var unreadable = new List<ConfigFileText>();
        var files = CheckCommand.LoadFiles(conf, configuration["secret"], configuration["linkup"], configuration["linkdown"],
            source, new ConfReadOptions { Environment = Environment.GetEnvironmentVariable }, CheckCommand.LoadServices(source), unreadable);
        if (files is null)
            throw new GatewayConfigurationException(string.Join(Environment.NewLine,
                unreadable.Select(f => $"{f.Path}: {(f.Status == ConfigFileStatus.NotFound ? "no such file" : f.Error)}")));
        var result = GatewayModelBuilder.Build(files);
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();

        if (result.Model.Receivers.FirstOrDefault(r => r.Label == label) is { } receiverModel)
        {
            var listenText = configuration["listen"] ?? DefaultListen;
            if (!IPEndPoint.TryParse(listenText, out var listen))
                errors.Add($"--listen: '{listenText}' is not ADDRESS:PORT");
            var receiver = listen is null ? null : ConfigMapping.ToReceiver(receiverModel, listen, errors);
            CheckKeyFileMode(receiverModel.Encryption, errors);
            var encryption = ConfigMapping.ToReceiverEncryption(receiverModel, source, errors);
            // One device per gateway's bundle, as each `ppp -direct vpn-in` of FreeBSD takes its own tunN.
            var tun = TunFor(configuration, "ppp", numbered: true, receiverModel.Mrru, nat: false, routes: [], errors);
            var cluster = ReceiverClusterSettings.IsConfigured(configuration) ? ReceiverClusterSettings.Read(configuration, errors) : null;
            var limits = ReceiverLimits.Read(configuration, errors);
            Fail(errors);
            if (cluster is not null)
                builder = cluster.Apply(builder);
            var receiverOptions = limits.Apply(receiver!) with { DataPlane = tun ?? (IDataPlaneFactory)TrafficDataPlaneFactory.Reflector(), Encryption = encryption };
            builder = builder.WithReceiverActors(receiverOptions);
            if (cluster is null)
                return builder;
            // The cluster's peer addresses: unique across the nodes, and a gateway's back wherever its bundle forms again.
            builder = builder.WithActors((system, registry) => system.ActorOf(ClusterAddressBook.Props(registry.Get<ActorKeys.Receiver>()), "address-book"));
            if (!cluster.ShardBundles)
                return builder;
            // Bundles as the cluster's entities: a gateway's sublinks may land on any node (docs/CONFIG.md).
            return builder
                .WithShardRegion<BundleRegion>("bundles", (_, registry) => identity => BundleEntity.Props(receiverOptions, identity, registry.Get<ActorKeys.Receiver>()),
                    new BundleMessageExtractor(),
                    new ShardOptions { Role = ReceiverClusterSettings.Role, RememberEntities = false, HandOffStopMessage = BundleEntity.HandOff.Instance })
                .WithActors((_, registry) => registry.Get<ActorKeys.Receiver>().Tell(new ReceiverActor.UseBundleRegion(registry.Get<BundleRegion>())));
        }
        if (result.Model.Bundles.FirstOrDefault(b => b.Label == label) is { } bundleModel)
        {
            if (ReceiverClusterSettings.IsConfigured(configuration))
                errors.Add($"{ReceiverClusterSettings.Section}: only a receiver label runs as a cluster node; '{label}' is a bundle (a gateway)");
            var gateway = ConfigMapping.ToGateway(result.Model, bundleModel, errors);
            CheckKeyFileMode(bundleModel.Encryption, errors);
            var encryption = ConfigMapping.ToGatewayEncryption(bundleModel, source, errors);
            foreach (var route in bundleModel.Routes)
            {
                if (RouteResolver.Check(route) is { } error)
                    errors.Add($"{label}: {error}");
            }
            var tun = TunFor(configuration, "ppp-" + label, numbered: false, bundleModel.Mrru, bundleModel.Nat, bundleModel.Routes, errors);
            Fail(errors);
            var bundle = gateway!.Bundles[0] with
            {
                DataPlane = tun ?? (IDataPlaneFactory)new TrafficDataPlaneFactory(new TrafficOptions { ProbesPerSecond = 10 }),
                Encryption = encryption,
            };
            return builder.WithGatewayActors(gateway with { Bundles = [bundle] });
        }
        errors.Add($"{conf}: no bundle or receiver label '{label}' (labels: {string.Join(", ", result.Model.Bundles.Select(b => b.Label).Concat(result.Model.Receivers.Select(r => r.Label)))})");
        Fail(errors);
        return builder;
    }

    /// <summary>
    /// The tun data plane <c>--tun</c> asks for: <c>none</c>, none; <c>auto</c> (the default), one named after
    /// <paramref name="defaultName"/> when this process may create tun devices; a name, that one or an error.
    /// </summary>
    private static TunDataPlaneFactory? TunFor(IConfiguration configuration, string defaultName, bool numbered, int mrru, bool nat,
        IReadOnlyList<RouteSpec> routes, List<string> errors)
    {
        string choice = configuration["tun"] ?? "auto";
        string? why = TunDevice.WhyUnavailable();
        if (choice == "none")
            return Announce(null, "--tun none");
        if (choice == "auto")
        {
            if (why is not null)
                return Announce(null, why);
            choice = defaultName[..Math.Min(defaultName.Length, InterfaceNameMax - (numbered ? 3 : 0))];
        }
        if (why is not null)
        {
            errors.Add($"--tun {choice}: {why}");
            return null;
        }
        if (choice.Length is 0 || choice.Length > InterfaceNameMax - (numbered ? 3 : 0) || choice.Contains('/') || choice.Any(char.IsWhiteSpace))
        {
            errors.Add($"--tun '{choice}': not a usable interface name (1 to {InterfaceNameMax - (numbered ? 3 : 0)} characters, no '/' or spaces)");
            return null;
        }
        var factory = new TunDataPlaneFactory(new TunDataPlaneOptions
        {
            Tun = new TunOptions { Name = choice, Mtu = mrru > 0 ? mrru : 1500, Nat = nat, NetworkNamespace = configuration["tun-netns"] },
            NumberDevices = numbered,
            ConfiguredRoutes = routes,
        });
        return Announce(factory, null);
    }

    private static TunDataPlaneFactory? Announce(TunDataPlaneFactory? bridge, string? why)
    {
        var tun = bridge?.Options.Tun;
        Console.WriteLine(bridge is null
            ? $"gateway run: no tun device ({why}): the bundle carries the in-process probe traffic"
            : $"gateway run: data plane: tun device {tun!.Name}{(bridge.Options.NumberDevices ? "N" : "")}" +
              $"{(tun.NetworkNamespace is { } ns ? $" in namespace {ns}" : "")}, MTU {tun.Mtu}" +
              $"{(bridge.Options.ConfiguredRoutes.Count > 0 ? ", routes " + string.Join(", ", bridge.Options.ConfiguredRoutes) : "")}" +
              $"{(tun.Nat ? ", NAT" : "")}, opened when the bundle's IPCP is up and kept through an outage of up to 30 s");
        return bridge;
    }

    /// <summary>The private-key file must be its owner's alone (as ssh insists of its keys): anything else is an error.</summary>
    private static void CheckKeyFileMode(EncryptionSettings? encryption, List<string> errors)
    {
        if (encryption is not { Enabled: true, KeyFile: { } path } || OperatingSystem.IsWindows() || !File.Exists(path))
            return;
        var mode = File.GetUnixFileMode(path);
        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            errors.Add($"{path}: a private-key file must be readable by its owner only (chmod 600)");
    }

    private static void Fail(List<string> errors)
    {
        if (errors.Count > 0)
            throw new GatewayConfigurationException("gateway run: the configuration cannot be started:" + Environment.NewLine + string.Join(Environment.NewLine, errors));
    }
}
