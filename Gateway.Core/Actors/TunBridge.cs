using System.Collections.Concurrent;
using System.Net;
using Akka.Actor;
using Akka.Event;
using Gateway.Core.Config;
using Gateway.Core.Status;
using Gateway.Core.Transport;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Core.Actors;

/// <summary>What a tun bridge is built from.</summary>
public sealed record TunBridgeOptions
{
    /// <summary>
    /// The device to open once the bundle's IPCP is up: name, MTU, routes, NAT, namespace. Its addresses are
    /// ignored: MYADDR and HISADDR come from IPCP, as ppp(8) sets its tun.
    /// </summary>
    public required TunOptions Tun { get; init; }

    /// <summary>
    /// The bundle served; null serves the first bundle that comes up (a receiver with one gateway), or every
    /// bundle when <see cref="NumberDevices"/> is set.
    /// </summary>
    public string? Bundle { get; init; }

    /// <summary>
    /// With no <see cref="Bundle"/>: each bundle gets a device of its own, named <see cref="TunOptions.Name"/>
    /// followed by the lowest number free among this bridge's devices (<c>ppp0</c>, <c>ppp1</c>, ...), as each
    /// <c>ppp -direct vpn-in</c> of FreeBSD takes the first free <c>tunN</c>.
    /// </summary>
    public bool NumberDevices { get; init; }

    /// <summary>
    /// ppp.conf's <c>add</c> and <c>add!</c> lines of the bundle's label, resolved with MYADDR and HISADDR when the
    /// device opens (<see cref="RouteResolver"/>), added to <see cref="TunOptions.Routes"/> and
    /// <see cref="TunOptions.RoutesIfAbsent"/>.
    /// </summary>
    public IReadOnlyList<RouteSpec> ConfiguredRoutes { get; init; } = [];
}

/// <summary>
/// The data plane of bundles: a tun device per bundle, opened with the bundle's MYADDR and HISADDR once IPCP is up
/// and closed when the bundle goes down (ppp(8)'s tun). What a bundle delivers is written to its device (this
/// object is the bundles' <see cref="BundleOptions.IpSink"/>); what the kernel routes into a device is sent
/// into its bundle (<see cref="SendIp"/>). The devices' lives are run by <see cref="TunBridgeActor"/>.
/// </summary>
public sealed class TunBridge : IIpPacketSink
{
    private readonly ConcurrentDictionary<string, TunDevice> attached = new(StringComparer.Ordinal);

    public TunBridge(TunBridgeOptions options) => Options = options;

    public TunBridgeOptions Options { get; }

    /// <summary>An open device (the only one, for a bridge of one bundle), while its bundle is up.</summary>
    public TunDevice? Device => attached.Values.FirstOrDefault();

    /// <summary>The open devices by bundle name.</summary>
    public IReadOnlyDictionary<string, TunDevice> Devices => attached;

    /// <summary>Bounds the packets read from the devices and not yet taken by their bundles (drops counted there).</summary>
    public PacketGate IngressGate { get; } = new();

    /// <summary>Packets out of a bundle dropped because it had no device open (before IPCP, after it went down).</summary>
    public long DroppedWithoutDevice => Interlocked.Read(ref droppedWithoutDevice);

    private long droppedWithoutDevice;

    /// <summary>Called on the bundle's thread with each IP packet it delivers.</summary>
    public void OnPacket(string bundle, ReadOnlySpan<byte> packet)
    {
        if (!attached.TryGetValue(bundle, out var device))
        {
            Interlocked.Increment(ref droppedWithoutDevice);
            return;
        }
        // The device counts what the kernel refuses or has no room for.
        device.Write(packet);
    }

    internal void Attach(string bundle, TunDevice device) => attached[bundle] = device;

    internal TunDevice? Detach(string bundle) => attached.TryRemove(bundle, out var device) ? device : null;
}

/// <summary>
/// Opens and closes a <see cref="TunBridge"/>'s device as its bundle goes up and down (it watches
/// <see cref="BundleChanged"/> on the event stream), and feeds what the device reads into the bundle actor,
/// which it asks its owner for by name (<see cref="GatewayActor.GetBundle"/>, <see cref="ReceiverActor.GetBundle"/>).
/// A device that fails escapes to the supervisor (STYLE.md rule 6); a restart opens it again.
/// </summary>
public sealed class TunBridgeActor : ReceiveActor
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);
    private readonly TunBridge bridge;
    private readonly IActorRef owner;
    private readonly Func<string, object> getBundle;
    private readonly ILoggingAdapter log = Context.GetLogger();

    // The bundles served: opening (asked for the bundle actor) or open; the value is the device name given.
    private readonly Dictionary<string, string> served = new(StringComparer.Ordinal);

    public TunBridgeActor(TunBridge bridge, IActorRef owner, Func<string, object> getBundle)
    {
        this.bridge = bridge;
        this.owner = owner;
        this.getBundle = getBundle;
        Receive<BundleChanged>(c => OnBundleChanged(c.Bundle));
        Receive<Opened>(o => OnOpened(o));
        Receive<DeviceFailed>(f => throw f.Error);
        Receive<Akka.Actor.Status.Failure>(f => throw new InvalidOperationException($"tun bridge: no bundle actor: {f.Cause.Message}", f.Cause));
    }

    /// <summary>A bridge for a gateway's bundle (owner: <c>/user/gateway</c>).</summary>
    public static Props ForGateway(TunBridge bridge, IActorRef gateway) =>
        Props.Create(() => new TunBridgeActor(bridge, gateway, name => new GatewayActor.GetBundle(name)));

    /// <summary>A bridge for a receiver's bundles (owner: <c>/user/receiver</c>).</summary>
    public static Props ForReceiver(TunBridge bridge, IActorRef receiver) =>
        Props.Create(() => new TunBridgeActor(bridge, receiver, name => new ReceiverActor.GetBundle(name)));

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(BundleChanged));

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        foreach (var name in served.Keys.ToList())
            Close(name, "bridge stopped");
    }

    private bool Serves(string name) =>
        bridge.Options.Bundle is { } wanted ? name == wanted : bridge.Options.NumberDevices || served.Count == 0 || served.ContainsKey(name);

    private void OnBundleChanged(BundleStatus status)
    {
        if (!Serves(status.Name))
            return;
        if (status.Up && !served.ContainsKey(status.Name) && status.LocalAddress is { } local && status.PeerAddress is { } peer)
        {
            served[status.Name] = DeviceName();
            var self = Self;
            var name = status.Name;
            owner.Ask<IActorRef>(getBundle(name), AskTimeout)
                .PipeTo(self, success: actor => new Opened(name, actor, IPAddress.Parse(local), IPAddress.Parse(peer)));
        }
        else if (!status.Up && served.ContainsKey(status.Name))
        {
            Close(status.Name, "bundle down");
        }
    }

    private string DeviceName()
    {
        if (!bridge.Options.NumberDevices)
            return bridge.Options.Tun.Name;
        for (int n = 0; ; n++)
        {
            string name = bridge.Options.Tun.Name + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!served.ContainsValue(name))
                return name;
        }
    }

    private void OnOpened(Opened o)
    {
        if (!served.TryGetValue(o.Bundle, out var deviceName) || bridge.Devices.ContainsKey(o.Bundle))
            return;
        if (o.Actor.IsNobody())
            throw new InvalidOperationException($"tun bridge: no bundle actor named {o.Bundle}");
        var replace = new List<IPNetwork>(bridge.Options.Tun.Routes);
        var ifAbsent = new List<IPNetwork>(bridge.Options.Tun.RoutesIfAbsent);
        foreach (var route in bridge.Options.ConfiguredRoutes)
        {
            if (RouteResolver.TryResolve(route, o.Local, o.Peer, out var network, out var error))
                (route.Replace ? replace : ifAbsent).Add(network);
            else
                log.Warning("tun bridge: {0}: route not applied: {1}", o.Bundle, error);
        }
        var device = TunDevice.Open(bridge.Options.Tun with
        {
            Name = deviceName,
            LocalAddress = o.Local,
            PeerAddress = o.Peer,
            Routes = replace,
            RoutesIfAbsent = ifAbsent,
        });
        bridge.Attach(o.Bundle, device);
        device.StartReading(new IntoBundle(o.Actor, Self, bridge.IngressGate));
        log.Info("tun bridge: {0} up for bundle {1}: {2} -> {3}", device.Name, o.Bundle, o.Local, o.Peer);
        foreach (var kept in device.RoutesKept)
            log.Warning("tun bridge: {0}: route to {1} exists already and is kept ('add' without '!')", device.Name, kept);
    }

    private void Close(string bundle, string reason)
    {
        served.Remove(bundle);
        if (bridge.Detach(bundle) is { } device)
        {
            log.Info("tun bridge: closing {0}: {1}", device.Name, reason);
            device.Dispose();
        }
    }

    private sealed record Opened(string Bundle, IActorRef Actor, IPAddress Local, IPAddress Peer);

    private sealed record DeviceFailed(TunDeviceException Error);

    /// <summary>
    /// The device's reading thread: each packet goes to the bundle as a message (a copy: the span is the reader's),
    /// through the gate: when the bundle is that far behind the packet is dropped, as a full interface queue drops.
    /// </summary>
    private sealed class IntoBundle(IActorRef bundle, IActorRef bridge, PacketGate gate) : IPacketHandler
    {
        public void OnPacket(ReadOnlySpan<byte> packet)
        {
            if (gate.TryEnter())
                bundle.Tell(new SendIp(packet.ToArray(), gate));
        }

        public void OnFailure(TunDeviceException error) => bridge.Tell(new DeviceFailed(error));
    }
}
