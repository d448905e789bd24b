using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Framing;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Isp;
using Gateway.Core.Transport;

namespace Gateway.Core.Actors;

/// <summary>The sublink transports the product has.</summary>
public static class SublinkTransports
{
    /// <summary>NIC mode (<c>vpn-nic</c>): an ordinary UDP socket to the receiver, optionally bound to an interface.</summary>
    public static SublinkTransportFactory Udp(UdpPathOptions options) => handler =>
    {
        var path = new UdpDatagramPath(options);
        try
        {
            path.Start(handler);
            return new Wrapped(path, path, $"udp {options.Remote}");
        }
        catch
        {
            path.Dispose();
            throw;
        }
    };

    /// <summary>One peer of the receiver's shared socket.</summary>
    public static SublinkTransportFactory ListenerPeer(UdpSharedListener listener, IPEndPoint remote) => handler =>
    {
        var peer = listener.Register(remote, handler)
                   ?? throw new SocketException((int)SocketError.TooManyOpenSockets);
        return new Wrapped(peer, peer, $"udp {remote}");
    };

    /// <summary>
    /// UDP inside an ISP link's PPP session (docs/DESIGN.md): datagrams leave from MYADDR:<paramref name="localPort"/>
    /// to <paramref name="remote"/> through the modem link, and those for that port come straight to the sublink's
    /// handler on the modem link's thread.
    /// </summary>
    public static SublinkTransportFactory ViaIspLink(IspUdpPorts link, IPEndPoint remote, ushort localPort) => handler =>
    {
        var flow = link.Bind(localPort, remote, handler)
                   ?? throw new SocketException((int)SocketError.AddressAlreadyInUse);
        return new Wrapped(flow, flow, $"{link.Link} udp {remote}");
    };

    private sealed class Wrapped(IDatagramSender sender, IDisposable owner, string description) : ISublinkTransport
    {
        public string Description { get; } = description;

        public bool Send(ReadOnlySpan<byte> datagram) => sender.Send(datagram);

        public void Dispose() => owner.Dispose();
    }
}

/// <summary>
/// Hands what a transport's loop reads to an actor as messages (STYLE.md: the loop never touches actor state).
/// Multilink data passes <paramref name="gate"/> (dropped and counted when the consumer is that far behind); control
/// frames (LCP, echo, LQR) always pass, so overload never starves the keepalive. Once the sublink has joined its
/// bundle (<see cref="RouteMultilinkTo"/>), Multilink fragments go straight to the bundle, one actor hop and one copy
/// less, while everything else still goes to the sublink.
/// </summary>
internal sealed class ActorDatagramHandler(IActorRef target, PacketGate? gate = null) : IDatagramHandler
{
    private volatile IActorRef? bundle;
    private long routedFrames;
    private long routedOctets;

    public IActorRef Target => target;

    /// <summary>Frames and octets handed straight to the bundle (the sublink's own counters miss them).</summary>
    public (long Frames, long Octets) Routed => (Interlocked.Read(ref routedFrames), Interlocked.Read(ref routedOctets));

    /// <summary>From now on Multilink fragments go to <paramref name="joined"/> as <see cref="BundleMessages.FragmentIn"/>.</summary>
    public void RouteMultilinkTo(IActorRef joined) => bundle = joined;

    /// <summary>Back to the sublink for everything (it left the Network phase).</summary>
    public void StopRouting() => bundle = null;

    public void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress sender)
    {
        if (gate is null || PppHeader.TryRead(datagram, out var frame) != PppHeaderStatus.Ok || frame.Protocol != (ushort)PppProtocol.Multilink)
        {
            target.Tell(new BundleMessages.DatagramIn(datagram.ToArray()));
            return;
        }
        if (!gate.TryEnter())
            return;
        if (bundle is { } joined)
        {
            Interlocked.Increment(ref routedFrames);
            Interlocked.Add(ref routedOctets, datagram.Length);
            joined.Tell(new BundleMessages.FragmentIn(target, frame.Information.ToArray(), gate));
        }
        else
        {
            target.Tell(new BundleMessages.DatagramIn(datagram.ToArray(), gate));
        }
    }

    public void OnFailure(DatagramPathFailure failure) =>
        target.Tell(new BundleMessages.TransportFailed(failure));
}
