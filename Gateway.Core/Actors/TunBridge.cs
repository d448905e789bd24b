using System.Net;
using Akka.Actor;
using Akka.Event;
using Gateway.Core.Status;
using Gateway.Core.Transport;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Core.Actors;

/// <summary>What a tun bridge is built from.</summary>
public sealed record TunBridgeOptions
{
    /// <summary>
    /// The device to open once the bundle's IPCP is up: name, MTU, routes (<c>add!</c>), NAT, namespace. Its
    /// addresses are ignored: MYADDR and HISADDR come from IPCP, as ppp(8) sets its tun.
    /// </summary>
    public required TunOptions Tun { get; init; }

    /// <summary>The bundle served; null serves the first bundle that comes up (a receiver with one gateway).</summary>
    public string? Bundle { get; init; }
}

/// <summary>
/// The data plane of one bundle: a tun device opened with the bundle's MYADDR and HISADDR once IPCP is up and
/// closed when the bundle goes down (ppp(8)'s tun). What the bundle delivers is written to the device (this
/// object is the bundle's <see cref="BundleOptions.IpSink"/>); what the kernel routes into the device is sent
/// into the bundle (<see cref="SendIp"/>). The device's life is run by <see cref="TunBridgeActor"/>.
/// </summary>
public sealed class TunBridge : IIpPacketSink
{
    private volatile Attached? attached;

    public TunBridge(TunBridgeOptions options) => Options = options;

    public TunBridgeOptions Options { get; }

    /// <summary>The open device, while the bundle is up.</summary>
    public TunDevice? Device => attached?.Device;

    /// <summary>Packets out of the bundle dropped because no device was open (before IPCP, after it went down).</summary>
    public long DroppedWithoutDevice => Interlocked.Read(ref droppedWithoutDevice);

    private long droppedWithoutDevice;

    /// <summary>Called on the bundle's thread with each IP packet it delivers.</summary>
    public void OnPacket(string bundle, ReadOnlySpan<byte> packet)
    {
        var current = attached;
        if (current is null || current.Bundle != bundle)
        {
            Interlocked.Increment(ref droppedWithoutDevice);
            return;
        }
        // The device counts what the kernel refuses or has no room for.
        current.Device.Write(packet);
    }

    internal void Attach(string bundle, TunDevice device) => attached = new Attached(bundle, device);

    internal TunDevice? Detach()
    {
        var previous = attached;
        attached = null;
        return previous?.Device;
    }

    private sealed record Attached(string Bundle, TunDevice Device);
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
    private string? bundle;

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

    /// <summary>A bridge for a receiver's bundle (owner: <c>/user/receiver</c>).</summary>
    public static Props ForReceiver(TunBridge bridge, IActorRef receiver) =>
        Props.Create(() => new TunBridgeActor(bridge, receiver, name => new ReceiverActor.GetBundle(name)));

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(BundleChanged));

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        Close("bridge stopped");
    }

    private void OnBundleChanged(BundleStatus status)
    {
        if (bridge.Options.Bundle is { } wanted ? status.Name != wanted : bundle is not null && status.Name != bundle)
            return;
        if (status.Up && bundle is null && status.LocalAddress is { } local && status.PeerAddress is { } peer)
        {
            bundle = status.Name;
            var self = Self;
            var name = status.Name;
            owner.Ask<IActorRef>(getBundle(name), AskTimeout)
                .PipeTo(self, success: actor => new Opened(name, actor, IPAddress.Parse(local), IPAddress.Parse(peer)));
        }
        else if (!status.Up && bundle == status.Name)
        {
            Close("bundle down");
            bundle = null;
        }
    }

    private void OnOpened(Opened o)
    {
        if (bundle != o.Bundle || bridge.Device is not null)
            return;
        if (o.Actor.IsNobody())
            throw new InvalidOperationException($"tun bridge: no bundle actor named {o.Bundle}");
        var device = TunDevice.Open(bridge.Options.Tun with { LocalAddress = o.Local, PeerAddress = o.Peer });
        bridge.Attach(o.Bundle, device);
        device.StartReading(new IntoBundle(o.Actor, Self));
        log.Info("tun bridge: {0} up for bundle {1}: {2} -> {3}", device.Name, o.Bundle, o.Local, o.Peer);
    }

    private void Close(string reason)
    {
        if (bridge.Detach() is { } device)
        {
            log.Info("tun bridge: closing {0}: {1}", device.Name, reason);
            device.Dispose();
        }
    }

    private sealed record Opened(string Bundle, IActorRef Actor, IPAddress Local, IPAddress Peer);

    private sealed record DeviceFailed(TunDeviceException Error);

    /// <summary>The device's reading thread: each packet goes to the bundle as a message (a copy: the span is the reader's).</summary>
    private sealed class IntoBundle(IActorRef bundle, IActorRef bridge) : IPacketHandler
    {
        public void OnPacket(ReadOnlySpan<byte> packet) => bundle.Tell(new SendIp(packet.ToArray()));

        public void OnFailure(TunDeviceException error) => bridge.Tell(new DeviceFailed(error));
    }
}
