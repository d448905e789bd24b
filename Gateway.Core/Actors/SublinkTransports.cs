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

        public bool HasRoom => sender.HasRoom;

        public void Dispose() => owner.Dispose();
    }
}

/// <summary>
/// The inbound side of one member link, on its transport's thread (a socket's receive loop, the receiver's shared
/// socket, or the modem link carrying it): once the sublink has joined its bundle (<see cref="RouteMultilinkTo"/>),
/// each Multilink fragment is copied once into a pooled <see cref="Packet"/> of the sublink's bounded
/// <see cref="PacketLane"/> and told straight to the bundle (dropped and counted when the bundle is that far behind),
/// with no allocation; everything else (LCP, authentication, echo, and fragments before the join) goes to the sublink
/// actor as a message (STYLE.md: the loop never touches actor state), control frames never gated, so overload never
/// starves the keepalive.
/// </summary>
internal sealed class SublinkInbound(IActorRef sublink) : IDatagramHandler
{
    /// <summary><see cref="Packet.Tag"/> of a Multilink fragment for the bundle (<see cref="Packet.Source"/>: member index, <see cref="Packet.Address"/>: its key).</summary>
    public const int Fragment = 2;

    /// <summary><see cref="Packet.Tag"/> of a datagram for the sublink's own session.</summary>
    public const int ForSublink = 3;

    private volatile Route? route;
    private long routedFrames;
    private long routedOctets;

    private sealed record Route(IActorRef Bundle, int Index, int Key);

    public IActorRef Sublink => sublink;

    /// <summary>Bounds the fragments on their way to the bundle (and those to the sublink before it joined).</summary>
    public PacketLane Lane { get; } = new();

    /// <summary>Frames and octets handed straight to the bundle (the sublink's own counters miss them).</summary>
    public (long Frames, long Octets) Routed => (Interlocked.Read(ref routedFrames), Interlocked.Read(ref routedOctets));

    /// <summary>From now on Multilink fragments go to <paramref name="bundle"/>, as member <paramref name="index"/> with <paramref name="key"/>.</summary>
    public void RouteMultilinkTo(IActorRef bundle, int index, int key) => route = new Route(bundle, index, key);

    /// <summary>Back to the sublink for everything (it left the Network phase).</summary>
    public void StopRouting() => route = null;

    public void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress sender)
    {
        if (PppHeader.TryRead(datagram, out var frame) != PppHeaderStatus.Ok || frame.Protocol != (ushort)PppProtocol.Multilink)
        {
            sublink.Tell(new BundleMessages.DatagramIn(datagram.ToArray()), ActorRefs.NoSender);
            return;
        }
        if (route is { } joined)
        {
            if (Lane.TryRent(frame.Information) is not { } packet)
                return;
            packet.Tag = Fragment;
            packet.Source = joined.Index;
            packet.Address = (uint)joined.Key;
            Interlocked.Increment(ref routedFrames);
            Interlocked.Add(ref routedOctets, datagram.Length);
            joined.Bundle.Tell(packet, ActorRefs.NoSender);
        }
        else if (Lane.TryRent(datagram) is { } early)
        {
            early.Tag = ForSublink;
            sublink.Tell(early, ActorRefs.NoSender);
        }
    }

    public void OnFailure(DatagramPathFailure failure) =>
        sublink.Tell(new BundleMessages.TransportFailed(failure), ActorRefs.NoSender);
}
