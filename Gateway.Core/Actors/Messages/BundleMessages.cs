using System.Net;
using Akka.Actor;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Multilink;
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
    /// A member's latest echo reply is late: <paramref name="Waited"/> since its request, where
    /// <paramref name="LateAfter"/> was due (issue 16, brownout). The bundle gives it no data until <see cref="MemberOnTime"/>.
    /// </summary>
    public sealed record MemberLate(IActorRef Sublink, TimeSpan Waited, TimeSpan LateAfter);

    /// <summary>
    /// A member reported late answered an echo in time again (<paramref name="InTime"/>), or only later than before but
    /// for <see cref="SublinkActor.LateHoldLimit"/> (its path's round trip changed for good): it is given data again.
    /// </summary>
    public sealed record MemberOnTime(IActorRef Sublink, TimeSpan Rtt, bool InTime);

    /// <summary>
    /// A Multilink fragment (information of a 0x003D frame) that a sublink's session took before the sublink had joined
    /// its bundle (a copy: rare). Once joined, fragments come to the bundle as pooled packets straight from the socket.
    /// </summary>
    public sealed record FragmentIn(IActorRef Sublink, byte[] Fragment);

    /// <summary>A network-layer packet that arrived on a sublink without an MP header.</summary>
    public sealed record DirectIn(IActorRef Sublink, ushort Protocol, byte[] Information);

    /// <summary>A member's LCP got a Protocol-Reject of a protocol the bundle runs (RFC 1990 2): the bundle must stop it.</summary>
    public sealed record MemberRejectedProtocol(IActorRef Sublink, Ppp.PppProtocol Protocol);

    /// <summary>The bundle Protocol-Rejects a packet it does not run, on this member's LCP (RFC 1661 5.7).</summary>
    internal sealed record RejectForBundle(ushort Protocol, byte[] Information);

    /// <summary>
    /// The sublink joined <paramref name="Bundle"/> as member <paramref name="Index"/> (its key for this join
    /// <paramref name="Key"/>): report to it from now on, and hand it the Multilink fragments its socket reads.
    /// </summary>
    public sealed record JoinedBundle(IActorRef Bundle, string BundleName, int Index, int Key);

    /// <summary>The bundle refused the sublink (different MRRU or sequence format): it closes with the reason.</summary>
    public sealed record Refused(string Reason);

    /// <summary>Graceful close of one sublink (FreeBSD's <c>link N close</c>).</summary>
    public sealed record CloseSublink(string Reason);

    /// <summary>Start sublink <c>Spec.Name</c> of the bundle (ppp.linkup's <c>!bg ppp -background vpnN vpn</c>).</summary>
    /// <remarks>Its <c>Policy</c> is ppp.conf's <c>set policy</c> (null: none); one the operator set since wins.</remarks>
    public sealed record StartSublink(SublinkSpec Spec);

    /// <summary>
    /// Member <paramref name="Member"/> becomes a primary of some priority or a backup (<see cref="MemberPolicy"/>), at
    /// once if it is in the bundle, else when it joins; it keeps that policy across leaving and joining again.
    /// </summary>
    public sealed record SetMemberPolicy(string Member, MemberPolicy Policy);

    /// <summary>Close sublink <paramref name="Name"/> at once (ppp.linkdown's <c>pppctl ... link N close</c>).</summary>
    public sealed record StopSublink(string Name, string Reason);

    /// <summary>
    /// Send an IP packet into the bundle (a test's probe, a control message); the data path's packets come as pooled
    /// <see cref="Transport.Packet"/>s through the bundle's <see cref="BundleIngress"/> instead.
    /// </summary>
    public sealed record SendIp(byte[] Packet);

    /// <summary>Ask a bundle for its status; answered with a <see cref="Status.BundleStatus"/>.</summary>
    public sealed record GetBundleStatus
    {
        public static GetBundleStatus Instance { get; } = new();
    }

    /// <summary>A control datagram (LCP, authentication, echo) from the transport's loop, for the sublink's session.</summary>
    internal sealed record DatagramIn(byte[] Datagram);

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
