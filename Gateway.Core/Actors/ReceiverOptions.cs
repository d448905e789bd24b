using System.Net;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Ppp.Session;
using Gateway.Core.Transport;

namespace Gateway.Core.Actors;

/// <summary>What the receiver (<c>vpn-in</c>) is built from.</summary>
public sealed record ReceiverOptions
{
    /// <summary>Where sublinks arrive (<c>--listen</c>; the seed's <c>ppp 6671/udp</c>).</summary>
    public required IPEndPoint Listen { get; init; }

    /// <summary>The session of each arriving sublink: sync framing, member mode, CHAP required, MRRU, enddisc, secrets.</summary>
    public required SessionSettings MemberSession { get; init; }

    /// <summary>The template of each bundle: its name prefix and IPCP settings (our address).</summary>
    public required BundleSettings Bundle { get; init; }

    /// <summary>Addresses handed to gateways by IPCP, one per bundle (<c>set ifaddr</c>'s peer side).</summary>
    public required IReadOnlyList<IPAddress> PeerAddresses { get; init; }

    public TimeSpan? EchoPeriod { get; init; } = TimeSpan.FromSeconds(1);

    public int EchoMisses { get; init; } = 3;

    /// <summary>Half-open peers (no Network phase yet) are dropped after this.</summary>
    public TimeSpan EstablishTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Most peers (address and port) with state at once. When the table is full a newcomer takes the place of the oldest
    /// peer that has not authenticated (a stranger's first; one from a known address only for another from a known
    /// address); when every place is taken by authenticated peers it is counted and dropped.
    /// </summary>
    public int MaxPeers { get; init; } = 1024;

    /// <summary>
    /// Most datagrams per second from senders with no sublink that are even looked at (a CPU guard); more are
    /// counted and dropped by the socket's loop (<see cref="UdpListenerOptions.MaxUnexpectedPerSecond"/>).
    /// </summary>
    public int MaxStrangerDatagramsPerSecond { get; init; } = 20_000;

    /// <summary>
    /// Most LCP Configure-Requests per second from senders with no sublink handed to the receiver (each may
    /// create a peer); more are counted and dropped. Junk does not use up this budget.
    /// </summary>
    public int MaxNewPeerRequestsPerSecond { get; init; } = 100;

    /// <summary>
    /// The same budget, apart, for Configure-Requests from known addresses (<see cref="KnownSourceLifetime"/>): a gateway
    /// whose sublink redials from a new port does not wait behind a flood of strangers (docs/DESIGN.md, "receiver admission").
    /// </summary>
    public int MaxKnownPeerRequestsPerSecond { get; init; } = 100;

    /// <summary>
    /// An address is known while it carries a sublink that authenticated, and for this long after the last one ended;
    /// at most <see cref="MaxPeers"/> addresses are known at once.
    /// </summary>
    public TimeSpan KnownSourceLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// What strangers cost (datagrams dropped, half-open peers ended, by reason) is logged as one summary per this
    /// period at most, never a line per datagram or per stranger (docs/RELIABILITY.md).
    /// </summary>
    public TimeSpan LogSummaryPeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Each bundle's data plane, chosen by the host: a numbered tun device each, or the in-process traffic that
    /// answers the gateway's probes (Gateway.Emulation). Null: none; the bundles' IP packets are counted as drops.
    /// </summary>
    public IDataPlaneFactory? DataPlane { get; init; }

    /// <summary>Opens the shared socket (default: <c>new UdpSharedListener(options)</c>); e.g. inside a network namespace.</summary>
    public Func<UdpListenerOptions, UdpSharedListener>? OpenListener { get; init; }

    /// <summary>Encrypted sublinks (<c>set encrypt on|require</c>); null: clear sublinks only, as FreeBSD ppp.</summary>
    public ReceiverEncryption? Encryption { get; init; }
}
