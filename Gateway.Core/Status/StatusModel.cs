namespace Gateway.Core.Status;

/// <summary>Where a modem link to an ISP is (FreeBSD ppp's datalink phases, in words the dashboard shows).</summary>
public enum IspLinkState
{
    Closed,
    Opening,
    Dialing,
    Login,
    Lcp,
    Authenticating,
    Ipcp,
    Up,
    HangingUp,
    /// <summary>Waiting out the redial pause before the next attempt.</summary>
    RedialWait,
    /// <summary>The device failed; the supervisor is backing off before restarting the link.</summary>
    Failed,
}

/// <summary>One ISP link as the dashboard and <c>GET /api/links</c> show it.</summary>
/// <param name="Quality">The line's own quality watch (LQR, or LCP echo when the ISP rejected LQR) while LCP is up.</param>
public sealed record IspLinkStatus(
    string Name,
    IspLinkState State,
    string Device,
    string? Phone,
    int DialAttempts,
    string? LocalAddress,
    string? PeerAddress,
    DateTimeOffset? UpSince,
    string? LastReason,
    LinkCounters Counters,
    LinkQuality? Quality = null)
{
    /// <summary>Sublink datagrams dropped on their way into the link because it was that far behind (its outbound <see cref="Transport.PacketLane"/>: the line could not take them as fast).</summary>
    public long QueueDrops { get; init; }

    /// <summary>Sublink datagrams waiting in that outbound lane for the line now: a deep queue is delay the bundle's other members do not have.</summary>
    public int QueueDepth { get; init; }
}

/// <summary>Traffic counters of a link, cumulative since it was created, with the rate over the last second.</summary>
public sealed record LinkCounters(
    long OctetsIn,
    long OctetsOut,
    long FramesIn,
    long FramesOut,
    long Errors,
    double BitsPerSecondIn,
    double BitsPerSecondOut)
{
    public static LinkCounters Zero { get; } = new(0, 0, 0, 0, 0, 0, 0);
}

public enum SublinkState
{
    Closed,
    Lcp,
    Authenticating,
    Open,
}

/// <summary>Link quality of a link from LQR (RFC 1989) or LCP echo, whichever runs.</summary>
/// <param name="Method"><c>lqr</c> or <c>echo</c>.</param>
/// <param name="InboundLossPercent">LQR: packets the peer sent that we did not receive, over the last period.</param>
/// <param name="OutboundLossPercent">LQR: packets we sent that the peer did not receive over the last period; echo: requests unanswered.</param>
/// <param name="ConsecutiveMisses">Periods in a row without a report or reply.</param>
/// <param name="Sent">LQRs (OutLQRs) or Echo-Requests sent.</param>
/// <param name="Received">LQRs (InLQRs) or Echo-Replies received and accepted.</param>
public sealed record LinkQuality(
    string Method,
    double? RoundTripMs,
    double? InboundLossPercent,
    double? OutboundLossPercent,
    int ConsecutiveMisses,
    long? Sent = null,
    long? Received = null);

/// <summary>One member link of a bundle.</summary>
public sealed record SublinkStatus(
    string Bundle,
    string Name,
    string Carrier,
    SublinkState State,
    string? Peer,
    LinkQuality? Quality,
    string? LastReason,
    LinkCounters Counters)
{
    /// <summary>Multilink frames dropped on arrival because the sublink's bundle was too far behind (its inbound <see cref="Transport.PacketLane"/>).</summary>
    public long QueueDrops { get; init; }

    /// <summary>The other end's address and port: on a gateway the receiver the sublink dialled, on a receiver the gateway's end.</summary>
    public string? Remote { get; init; }

    /// <summary>Whether the sublink is encrypted (issue 13), its keys' age and what it rejected.</summary>
    public EncryptionStatus Encryption { get; init; } = EncryptionStatus.Clear;
}

/// <summary>
/// A sublink's encryption: <see cref="Encrypted"/> once its first handshake completed, the age of its current keys
/// (they are replaced every two minutes), datagrams rejected by reason, and packets not sent because no key could seal
/// them (<see cref="SealDropped"/>: before the handshake, or expired keys).
/// </summary>
public sealed record EncryptionStatus(bool Enabled, bool Encrypted, double? KeyAgeSeconds, RejectedDatagrams Rejected, long SealDropped)
{
    public static EncryptionStatus Clear { get; } = new(false, false, null, RejectedDatagrams.None, 0);

    /// <summary>The AEAD of the current keys ("AES-256-GCM" or "ChaCha20-Poly1305"), null before the first handshake.</summary>
    public string? Cipher { get; init; }
}

/// <summary>
/// Datagrams an encrypted sublink (or the receiver's socket, for senders with no sublink) rejected, by
/// <see cref="Crypto.DatagramStatus"/>: each was dropped and created no state.
/// </summary>
public sealed record RejectedDatagrams(long Malformed, long UnknownSession, long BadTag, long Replay, long Expired, long BadMac1, long UnknownPeer, long RateLimited)
{
    public static RejectedDatagrams None { get; } = new(0, 0, 0, 0, 0, 0, 0, 0);

    public long Total => Malformed + UnknownSession + BadTag + Replay + Expired + BadMac1 + UnknownPeer + RateLimited;
}

/// <summary>Reassembly statistics of a bundle (RFC 1990 4.1).</summary>
public sealed record ReassemblyStatus(
    long PacketsReassembled,
    long PacketsLost,
    long Duplicates,
    long LateFragments,
    int ReorderDepth,
    int PeakReorderDepth,
    long BufferedOctets,
    long PeakBufferedOctets)
{
    /// <summary>Sequence numbers given up: never arrived before every member had passed them, or the reorder timeout expired.</summary>
    public long FragmentsLost { get; init; }

    /// <summary>Of those, given up because a buffered fragment waited the whole reorder timeout.</summary>
    public long TimeoutLosses { get; init; }

    /// <summary>The reorder timeout in force (adaptive unless configured), in milliseconds.</summary>
    public double ReorderTimeoutMs { get; init; }
}

/// <summary>The probe and bulk stream of the traffic generator (when no tun device carries real traffic).</summary>
public sealed record TrafficStatus(
    double GoodputBitsPerSecond,
    double? ProbeRoundTripMs,
    double ProbeLossPercent,
    long ProbesSent,
    long ProbesAnswered);

public sealed record BundleStatus(
    string Name,
    bool Up,
    IReadOnlyList<string> Members,
    int? Mrru,
    string? LocalAddress,
    string? PeerAddress,
    DateTimeOffset? UpSince,
    ReassemblyStatus Reassembly,
    TrafficStatus? Traffic,
    LinkCounters Counters)
{
    /// <summary>Packets dropped on the way into the bundle when it was too far behind (its ingress lane) or every member's queue was full, or out of it with no data plane open.</summary>
    public long QueueDrops { get; init; }

    /// <summary>Fragments a member's full interface queue refused that went out on another member instead.</summary>
    public long RedirectedFragments { get; init; }

    /// <summary>Our IPv6 link-local address while IPV6CP is Opened (fe80:: and the negotiated identifier); else null.</summary>
    public string? Ipv6LocalAddress { get; init; }

    /// <summary>The peer's IPv6 link-local address while IPV6CP is Opened ("unknown" when it named no identifier); else null.</summary>
    public string? Ipv6PeerAddress { get; init; }

    /// <summary>Why the bundle's data plane (its tun device) could not be opened or failed; null while it works or has none.</summary>
    public string? DataPlaneError { get; init; }

    /// <summary>Members given no data for now: their socket reported the peer unreachable and nothing came back yet.</summary>
    public IReadOnlyList<string> Paused { get; init; } = [];

    /// <summary>Each member as the bundle weighs it: its share of what the fragmenter sends.</summary>
    public IReadOnlyList<MemberStatus> MemberDetails { get; init; } = [];

    /// <summary>Set while fragments arrive on the members but nothing is reassembled (issue 17); null otherwise.</summary>
    public DeliveryStall? Stall { get; init; }

    /// <summary>
    /// How long IPCP took to open the last time the bundle came up, in seconds: from its first member's joining
    /// (authentication done) to IPCP Opened (<see cref="Gateway.Core.Ppp.Multilink.BundleSession.LastBringUp"/>); null until it first came up.
    /// </summary>
    public double? BringUpSeconds { get; init; }

    /// <summary>The fragmenter's <c>set schedule</c>: <c>latency</c> (earliest delivery first) or <c>throughput</c> (by rate).</summary>
    public string Schedule { get; init; } = "latency";

    /// <summary>What the receive-side delay equaliser does (null under the latency schedule, which runs none, and before the first member joined).</summary>
    public EqualiserStatus? Equaliser { get; init; }
}

/// <summary>
/// The receive-side delay equaliser (<c>MpDelayEqualiser</c>): the one-way delay it holds fragments up to now
/// (the slowest member carrying data; 0 when it holds nothing back), the fragments held now and in all, and those it
/// had no room for.
/// </summary>
public sealed record EqualiserStatus(double TargetMs, int HeldNow, long Held, long Overflows);

/// <summary>
/// A bundle whose members are up and receive Multilink fragments, none of which became a packet for
/// <see cref="Seconds"/> (at least five): the reassembler is stuck or the peer sends fragments that never complete.
/// </summary>
public sealed record DeliveryStall(double Seconds, long FragmentsSinceDelivery);

/// <summary>
/// One member as its bundle sees it: the weight the fragmenter gives it (bytes per second: the configured bandwidth
/// on a gateway, the mirrored receive rate on a receiver), that weight's share of the bundle's, and whether it is
/// paused (given no data for now). <see cref="SharePercent"/> counts only the members data goes to now: a backup while
/// a primary is up, or a paused member, has 0.
/// </summary>
public sealed record MemberStatus(string Name, double WeightBytesPerSecond, double SharePercent, bool Paused)
{
    /// <summary>Carries data only while no primary member is up (ppp.conf's <c>set policy backup</c>, or the operator).</summary>
    public bool Backup { get; init; }

    /// <summary>A primary's priority (1 is the best class); null for a backup.</summary>
    public int? Priority { get; init; } = 1;

    /// <summary>Whether the fragmenter gives it data now: of the best class present, and not paused.</summary>
    public bool CarriesData { get; init; } = true;

    /// <summary>Multilink fragments the bundle sent on it (data, and the NCP packets that go through the bundle); LCP echo is not counted.</summary>
    public long FragmentsOut { get; init; }

    /// <summary>The member path's smoothed round trip as its LCP echo measures it (null before the first reply, or without echo): half of it is the one-way delay the fragmenter and the equaliser use.</summary>
    public double? RttMs { get; init; }

    /// <summary>How long the equaliser holds a fragment that arrives on this member now (0: passed on at once).</summary>
    public double HoldMs { get; init; }

    /// <summary>
    /// Why it is paused: <c>late</c> (its echo reply is late: demoted), <c>rejoined</c> (joined again, its round trip not
    /// yet back), <c>unreachable</c> (its socket said so); null while it is not paused.
    /// </summary>
    public string? PausedFor { get; init; }
}

public enum LogSeverity
{
    Information,
    Warning,
    Error,
}

/// <summary>A line of the event log the dashboard shows.</summary>
public sealed record LogEntry(DateTimeOffset Time, string Source, LogSeverity Level, string Message);

/// <summary>The whole current picture, for a client that just connected.</summary>
public sealed record GatewaySnapshot(
    string Role,
    IReadOnlyList<IspLinkStatus> Links,
    IReadOnlyList<BundleStatus> Bundles,
    IReadOnlyList<SublinkStatus> Sublinks,
    IReadOnlyList<LogEntry> RecentLog);
