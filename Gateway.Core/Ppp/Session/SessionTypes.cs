using System.Net;
using Gateway.Core.Ppp.Auth;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Lcp;

namespace Gateway.Core.Ppp.Session;

/// <summary>Link phases (RFC 1661 section 3.2).</summary>
public enum LinkPhase : byte
{
    Dead,
    Establish,
    Authenticate,
    Network,
    Terminate,
}

/// <summary>How frames travel on the link under the session.</summary>
public enum FramingMode : byte
{
    /// <summary>A byte stream (serial line, modem): RFC 1662 async HDLC-like framing.</summary>
    Async,

    /// <summary>One frame per datagram (FreeBSD ppp's <c>host:port/udp</c>): no flags, escapes or FCS.</summary>
    Sync,
}

/// <summary>What the session does with CCP (RFC 1962).</summary>
public enum CompressionControl : byte
{
    /// <summary>Run CCP and Configure-Reject every compression option (FreeBSD's <c>disable/deny deflate pred1</c>).</summary>
    RefuseAll,

    /// <summary>Do not run CCP: Protocol-Reject the peer's CCP packets (pppd's <c>noccp</c>).</summary>
    ProtocolReject,
}

/// <summary>The timers a session asks its owner to run; each expiry comes back through <see cref="PppSession.TimerExpired"/>.</summary>
public enum SessionTimer : byte
{
    Lcp,
    Ipcp,
    Ccp,

    /// <summary>We authenticate ourselves to the peer (PAP peer / CHAP peer role).</summary>
    AuthenticateSelf,

    /// <summary>We authenticate the peer (PAP / CHAP authenticator role).</summary>
    AuthenticatePeer,
}

/// <summary>Everything one PPP session is configured with.</summary>
public sealed record SessionSettings
{
    /// <summary>The link's name in events and logs (e.g. <c>isp1</c>, <c>vpn/1</c>).</summary>
    public string Name { get; init; } = "ppp";

    public FramingMode Framing { get; init; } = FramingMode.Async;

    public LcpSettings Lcp { get; init; } = LcpSettings.Default;

    /// <summary>The automaton settings of every control protocol that has none of its own below.</summary>
    public FsmSettings Fsm { get; init; } = FsmSettings.Default;

    /// <summary>LCP's automaton (<c>set lcpretry</c>); null: <see cref="Fsm"/>.</summary>
    public FsmSettings? LcpFsm { get; init; }

    /// <summary>IPCP's automaton (<c>set ipcpretry</c>); null: <see cref="Fsm"/>.</summary>
    public FsmSettings? IpcpFsm { get; init; }

    /// <summary>CCP's automaton (<c>set ccpretry</c>); null: <see cref="Fsm"/>.</summary>
    public FsmSettings? CcpFsm { get; init; }

    /// <summary>
    /// IPCP settings; null runs no IPCP. With no IPCP and <see cref="Compression"/> set to
    /// <see cref="CompressionControl.ProtocolReject"/> the session is a Multilink member link: every network-layer
    /// packet goes to the owner (its bundle runs the NCPs once, RFC 1990 section 2).
    /// </summary>
    public IpcpSettings? Ipcp { get; init; } = IpcpSettings.Default;

    public CompressionControl Compression { get; init; } = CompressionControl.RefuseAll;

    /// <summary><c>set authname</c>: the name we give when the peer authenticates us, and our CHAP name as authenticator.</summary>
    public string AuthName { get; init; } = "";

    /// <summary><c>set authkey</c>: our secret when the peer authenticates us.</summary>
    public Secret AuthKey { get; init; } = Secret.Empty;

    /// <summary>The secrets the peer is checked against when we authenticate it (<c>enable pap/chap</c>); ppp.secret.</summary>
    public ISecretStore? Secrets { get; init; }

    /// <summary>Source of CHAP challenges (and nothing else).</summary>
    public IRandomSource Random { get; init; } = CryptoRandomSource.Instance;

    /// <summary>Source of LCP magic numbers; null for the cryptographic generator (a fixed one makes a run repeatable, as the fuzzers need).</summary>
    public Func<uint>? MagicSource { get; init; }

    public TimeSpan AuthRestartInterval { get; init; } = AuthDefaults.RestartInterval;

    public int AuthMaxTries { get; init; } = AuthDefaults.MaxTries;

    /// <summary>How long we wait for the peer to begin authenticating (its first PAP request or CHAP challenge).</summary>
    public TimeSpan AuthPeerWait { get; init; } = AuthDefaults.PeerWait;

    /// <summary>PAP's timing in both roles (<c>set papretry</c>); null: <see cref="AuthRestartInterval"/>, <see cref="AuthMaxTries"/>, <see cref="AuthPeerWait"/>.</summary>
    public AuthRetry? PapRetry { get; init; }

    /// <summary>CHAP's timing in both roles (<c>set chapretry</c>); null: <see cref="AuthRestartInterval"/>, <see cref="AuthMaxTries"/>, <see cref="AuthPeerWait"/>.</summary>
    public AuthRetry? ChapRetry { get; init; }
}

/// <summary>What a session tells its owner (logs, the event stream, the bundle).</summary>
public abstract record SessionEvent(string Link);

/// <summary>The link moved to another phase (RFC 1661 3.2).</summary>
public sealed record PhaseChanged(string Link, LinkPhase From, LinkPhase To) : SessionEvent(Link)
{
    public override string ToString() => $"{Link}: Phase: {From} --> {To}";
}

/// <summary>A control protocol's automaton moved (FreeBSD ppp logs <c>LCP: State change Req-Sent --> Ack-Rcvd</c>).</summary>
public sealed record ProtocolStateChanged(string Link, PppProtocol Protocol, FsmState From, FsmState To) : SessionEvent(Link)
{
    public override string ToString() => $"{Link}: {Protocol}: State change {From.Name()} --> {To.Name()}";
}

/// <summary>LCP reached Opened.</summary>
public sealed record LinkEstablished(string Link, LcpNegotiated Negotiated) : SessionEvent(Link);

/// <summary>An authentication exchange ended well. <paramref name="PeerAuthenticated"/>: we checked the peer (else the peer checked us).</summary>
public sealed record Authenticated(string Link, PppProtocol Protocol, bool PeerAuthenticated, string Name) : SessionEvent(Link);

/// <summary>IPCP reached Opened: MYADDR and HISADDR are known.</summary>
public sealed record NetworkUp(string Link, IpcpNegotiated Addresses) : SessionEvent(Link)
{
    public IPAddress LocalAddress => Addresses.LocalAddress;

    public IPAddress PeerAddress => Addresses.PeerAddress;
}

/// <summary>IPCP left Opened.</summary>
public sealed record NetworkDown(string Link) : SessionEvent(Link);

/// <summary>
/// IPV6CP reached Opened (RFC 5072): both interface identifiers are known. The owner gives the tun device the
/// link-local address <see cref="Ipv6cpNegotiated.LocalLinkLocal"/>/64 (and may route to
/// <see cref="Ipv6cpNegotiated.PeerLinkLocal"/>); IPv6 packets (version 6) are carried as protocol 0x0057 from now on.
/// </summary>
public sealed record Ipv6NetworkUp(string Link, Ipv6cp.Ipv6cpNegotiated Identifiers) : SessionEvent(Link)
{
    public override string ToString() => $"{Link}: IPV6CP: up, {Identifiers}";
}

/// <summary>IPV6CP left Opened: IPv6 packets are refused again (the link-local address can go).</summary>
public sealed record Ipv6NetworkDown(string Link) : SessionEvent(Link);

/// <summary>
/// IPCP opened but HISADDR is unknown: the peer named no address of its own (not even after our Nak, RFC 1332 3.3)
/// and none was configured to give it. Nothing should be sent to 0.0.0.0 (no probes); the page should say so.
/// Raised right after <see cref="NetworkUp"/>.
/// </summary>
public sealed record PeerAddressUnknown(string Link) : SessionEvent(Link)
{
    public override string ToString() => $"{Link}: IPCP: the peer named no IP address and none is configured for it: HISADDR unknown";
}

/// <summary>
/// The peer Protocol-Rejected <paramref name="Protocol"/>, one we sent (RFC 1661 5.7): that protocol has stopped.
/// <paramref name="ForBundle"/>: it arrived on a Multilink member link and names a protocol the bundle runs (IPCP,
/// CCP, IPV6CP, IP, IPv6): the owner must pass it to the bundle (<c>BundleSession.PeerRejectedProtocol</c>), which
/// stops that NCP and raises this event again under the bundle's name with <paramref name="ForBundle"/> false.
/// </summary>
public sealed record ProtocolRejectedByPeer(string Link, PppProtocol Protocol, bool ForBundle) : SessionEvent(Link)
{
    public override string ToString() =>
        $"{Link}: the peer Protocol-Rejected {Protocol} (0x{(ushort)Protocol:x4}){(ForBundle ? ": passed to the bundle" : ": it stops")}";
}

/// <summary>The link went back to Dead; <paramref name="Reason"/> says why in words.</summary>
public sealed record LinkDown(string Link, string Reason) : SessionEvent(Link);

/// <summary>An LCP Echo-Reply arrived in Opened (for the keepalive).</summary>
public sealed record EchoReply(string Link, byte Identifier, uint Magic, byte[] Data) : SessionEvent(Link);

/// <summary>
/// The owner of a session: it carries out what the session asks, synchronously, on the caller's thread.
/// A sink (rather than a returned list) keeps the data path free of allocation: frames and packets are spans
/// valid only during the call.
/// </summary>
public interface ISessionHandler
{
    /// <summary>Transmit these octets (an encoded frame, or a datagram in sync mode).</summary>
    void SendFrame(ReadOnlySpan<byte> frame);

    /// <summary>Arm or re-arm <paramref name="timer"/>.</summary>
    void StartTimer(SessionTimer timer, TimeSpan interval);

    void StopTimer(SessionTimer timer);

    void OnEvent(SessionEvent sessionEvent);

    /// <summary>
    /// A network-layer packet arrived in the Network phase: IP once IPCP is Opened, Multilink fragments once
    /// LCP agreed on an MRRU, LQRs once LCP agreed on the Quality-Protocol.
    /// </summary>
    void OnPacket(PppProtocol protocol, ReadOnlySpan<byte> information);
}

/// <summary>Why frames were dropped above the framing layer.</summary>
public sealed class SessionCounters
{
    /// <summary>Non-LCP frames before the phase that allows them (RFC 1661 3.3-3.5: silently discarded).</summary>
    public long DiscardedByPhase { get; internal set; }

    /// <summary>Frames of protocols we do not run, answered with a Protocol-Reject (RFC 1661 5.7).</summary>
    public long ProtocolRejectsSent { get; internal set; }

    /// <summary>Frames of unknown protocols dropped because LCP was not Opened, so no Protocol-Reject could go out.</summary>
    public long UnknownProtocolDropped { get; internal set; }

    /// <summary>IP packets dropped because IPCP was not Opened.</summary>
    public long IpDroppedNotOpen { get; internal set; }

    /// <summary>Packets the owner asked us to send that were too large for the peer's MRU or arrived before the Network phase.</summary>
    public long SendRefused { get; internal set; }
}
