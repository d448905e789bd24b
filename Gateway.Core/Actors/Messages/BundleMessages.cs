using System.Net;
using Akka.Actor;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Session;
using Gateway.Core.Transport;

namespace Gateway.Core.Actors.Messages;

/// <summary>Messages between a bundle, its sublinks and the receiver.</summary>
public static class BundleMessages
{
    /// <summary>
    /// A sublink reached the Network phase (LCP with Multilink, authentication done). <paramref name="DataPath"/>, when
    /// given, is how the bundle sends fragments on it without a message to the sublink.
    /// </summary>
    public sealed record SublinkUp(string Name, IActorRef Sublink, LcpNegotiated Link, string PeerName, IPEndPoint? Remote, MemberDataPath? DataPath = null);

    /// <summary>A sublink left the Network phase or stopped; the bundle stops waiting for it at once.</summary>
    public sealed record SublinkDown(string Name, IActorRef Sublink, string Reason);

    /// <summary>
    /// The sublink's socket reported that its peer cannot be reached (ICMP port, host or network unreachable, or a
    /// send that failed): the bundle sends no data on it until it hears from the peer again (<see cref="MemberReachable"/>
    /// or a fragment), while the sublink's keepalive decides whether the link is gone.
    /// </summary>
    public sealed record MemberUnreachable(IActorRef Sublink, string Reason);

    /// <summary>The peer of a sublink reported unreachable answered again: data goes out on it again.</summary>
    public sealed record MemberReachable(IActorRef Sublink);

    /// <summary>
    /// A Multilink fragment (information of a 0x003D frame) that arrived on a sublink; the bundle leaves
    /// <paramref name="Gate"/> (the sublink's inbound gate) once it has taken it.
    /// </summary>
    public sealed record FragmentIn(IActorRef Sublink, byte[] Fragment, PacketGate? Gate = null);

    /// <summary>A network-layer packet that arrived on a sublink without an MP header.</summary>
    public sealed record DirectIn(IActorRef Sublink, ushort Protocol, byte[] Information);

    /// <summary>Send this Multilink fragment on the sublink, then leave <paramref name="Gate"/> (the bundle's gate for it).</summary>
    public sealed record FragmentOut(byte[] Fragment, PacketGate? Gate = null);

    /// <summary>The receiver joined the sublink to a bundle: report to <paramref name="Bundle"/> from now on.</summary>
    public sealed record JoinedBundle(IActorRef Bundle, string BundleName);

    /// <summary>The bundle refused the sublink (different MRRU or sequence format): it closes with the reason.</summary>
    public sealed record Refused(string Reason);

    /// <summary>Graceful close of one sublink (FreeBSD's <c>link N close</c>).</summary>
    public sealed record CloseSublink(string Reason);

    /// <summary>Start sublink <paramref name="Name"/> of the bundle (ppp.linkup's <c>!bg ppp -background vpnN vpn</c>).</summary>
    public sealed record StartSublink(string Name, SublinkTransportFactory Transport, IPEndPoint? Remote, string Carrier, double BytesPerSecond);

    /// <summary>Close sublink <paramref name="Name"/> at once (ppp.linkdown's <c>pppctl ... link N close</c>).</summary>
    public sealed record StopSublink(string Name, string Reason);

    /// <summary>
    /// Send an IP packet into the bundle (a LAN host's packet, a test's probe); the bundle leaves
    /// <paramref name="Gate"/> (its producer's gate, e.g. the tun reader's) once it has taken it.
    /// </summary>
    public sealed record SendIp(byte[] Packet, PacketGate? Gate = null);

    /// <summary>Ask a bundle for its status; answered with a <see cref="Status.BundleStatus"/>.</summary>
    public sealed record GetBundleStatus
    {
        public static GetBundleStatus Instance { get; } = new();
    }

    /// <summary>Tells the sublink's owner a datagram from the transport's loop; <paramref name="Gate"/> as for <see cref="FragmentIn"/>.</summary>
    internal sealed record DatagramIn(byte[] Datagram, PacketGate? Gate = null);

    internal sealed record TransportFailed(DatagramPathFailure Failure);
}

/// <summary>A sublink's way to its peer: a UDP socket, a peer of the receiver's shared socket, or UDP over an ISP link.</summary>
public interface ISublinkTransport : IDatagramSender, IDisposable
{
    /// <summary>Words for the dashboard: <c>udp 127.0.0.1:6671</c>, <c>isp1</c>.</summary>
    string Description { get; }
}

/// <summary>Opens a sublink's transport; datagrams and failures go to <paramref name="handler"/> from the transport's own thread.</summary>
public delegate ISublinkTransport SublinkTransportFactory(IDatagramHandler handler);
