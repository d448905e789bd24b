namespace Gateway.Web.History;

/// <summary>Something the history keeps; the <see cref="HistoryWriter"/>'s queue carries these.</summary>
public abstract record HistoryRecord;

/// <summary>What an event is about.</summary>
public enum HistoryScope
{
    /// <summary>An ISP link (a modem link: <c>isp1</c>).</summary>
    Link,

    /// <summary>A sublink's own state (LCP, authentication), named within its bundle.</summary>
    Sublink,

    /// <summary>A bundle (up, down, removed).</summary>
    Bundle,

    /// <summary>A bundle's membership: a member joined, left, was paused or resumed.</summary>
    Member,

    /// <summary>An operator's command (REST, <c>gateway ctl</c>, the dashboard's hub).</summary>
    Operator,

    /// <summary>A line of the event log the dashboard shows.</summary>
    Log,
}

public enum HistoryEventKind
{
    /// <summary>First status seen of a thing since the process started.</summary>
    Seen,
    State,
    Dial,
    DialFailed,
    Up,
    Down,
    Joined,
    Left,
    Paused,
    Resumed,
    Removed,
    Command,
    Log,
}

/// <summary>One thing that happened.</summary>
/// <param name="Node">The process that saw it (<c>Gateway:History:Node</c>, by default the host name): one history may be shared by several.</param>
/// <param name="Name">The link, sublink, bundle or member name; for a command, the link it named; for a log line, its source.</param>
/// <param name="Bundle">The bundle of a sublink or member.</param>
/// <param name="State">The new state; for a command, the command (<c>close</c>); for a log line, its level.</param>
/// <param name="Detail">The reason, result or message.</param>
/// <param name="Operator">Who gave a command (the authenticated user), when known.</param>
/// <param name="Address">The address a command came from.</param>
public sealed record HistoryEvent(
    DateTimeOffset Time,
    string Node,
    HistoryScope Scope,
    string Name,
    HistoryEventKind Kind,
    string? Bundle = null,
    string? State = null,
    string? Detail = null,
    string? Operator = null,
    string? Address = null) : HistoryRecord;

public enum StatsScope
{
    Link,
    Member,
    Bundle,
}

/// <summary>
/// One minute of one link, member or bundle as stored: sums and counts, so that minutes (and two partial writes of
/// the same minute, e.g. around a restart) add up exactly. <see cref="StatsPoint"/> is what readers get.
/// </summary>
/// <param name="Samples">Status reports seen in the minute (about one a second).</param>
/// <param name="UpSamples">Of those, how many found it up (link up, sublink open, bundle up).</param>
public sealed record StatsRollup(
    DateTimeOffset Minute,
    string Node,
    StatsScope Scope,
    string Name,
    string? Bundle,
    int Samples,
    int UpSamples,
    long OctetsIn,
    long OctetsOut,
    long PacketsIn,
    long PacketsOut,
    long Errors,
    long QueueDrops,
    int RttSamples,
    double RttSumMs,
    double? RttMaxMs,
    int LossSamples,
    double LossInSumPercent,
    double LossOutSumPercent,
    int GoodputSamples,
    double GoodputSumBitsPerSecond,
    long ProbesSent,
    long ProbesAnswered) : HistoryRecord;

/// <summary>A bucket of <see cref="StatsQuery.Step"/> of one link, member or bundle, averaged over the reports in it.</summary>
/// <param name="UpPercent">Share of the status reports that found it up.</param>
/// <param name="RttMs">Mean round trip: LQR or LCP echo for links and members, the probe stream for bundles.</param>
/// <param name="LossInPercent">Mean inbound loss (LQR).</param>
/// <param name="LossOutPercent">Mean outbound loss (LQR), or echo requests unanswered.</param>
/// <param name="GoodputBitsPerSecond">Mean goodput of a bundle's probe and bulk stream (the demo's traffic generator).</param>
/// <param name="ProbesLost">Probes sent in the bucket less those answered (never below 0).</param>
public sealed record StatsPoint(
    DateTimeOffset Time,
    string Node,
    StatsScope Scope,
    string Name,
    string? Bundle,
    int Samples,
    double UpPercent,
    long OctetsIn,
    long OctetsOut,
    long PacketsIn,
    long PacketsOut,
    long Errors,
    long QueueDrops,
    double? RttMs,
    double? RttMaxMs,
    double? LossInPercent,
    double? LossOutPercent,
    double? GoodputBitsPerSecond,
    long ProbesSent,
    long ProbesLost);

/// <summary>
/// A bundle that lost a member it was sending on, from that moment until it sends on as many members again
/// (<see cref="FailoverDetector"/>).
/// </summary>
/// <param name="Ended">Null while the bundle is still short of members.</param>
/// <param name="MembersBefore">Members sending just before the first loss.</param>
/// <param name="MembersLost">Every member lost during the episode, in order.</param>
/// <param name="Cause">What the first loss was: <c>N left</c> or <c>N paused</c> (member N), or <c>bundle down</c>.</param>
/// <param name="GapMs">Time within the episode with no path at all (bundle down, or no member sending), as seen in the status reports.</param>
/// <param name="ProbesLost">Probes of the bundle's probe stream unanswered during the episode; null without one.</param>
public sealed record FailoverEpisode(
    string Node,
    string Bundle,
    DateTimeOffset Started,
    DateTimeOffset? Ended,
    int MembersBefore,
    IReadOnlyList<string> MembersLost,
    string Cause,
    long GapMs,
    long? ProbesLost) : HistoryRecord;

/// <param name="Link">Matches a thing's name or its bundle's (so a bundle's name brings its members too).</param>
public sealed record EventQuery(DateTimeOffset From, DateTimeOffset To, string? Link = null, HistoryScope? Scope = null, int Limit = EventQuery.DefaultLimit)
{
    public const int DefaultLimit = 1000;
    public const int MaxLimit = 100_000;
}

public sealed record StatsQuery(DateTimeOffset From, DateTimeOffset To, TimeSpan Step, string? Link = null, StatsScope? Scope = null);

public sealed record FailoverQuery(DateTimeOffset From, DateTimeOffset To, string? Bundle = null);

/// <summary>Records written to the store at once, in one transaction.</summary>
public sealed record HistoryBatch(IReadOnlyList<HistoryEvent> Events, IReadOnlyList<StatsRollup> Rollups, IReadOnlyList<FailoverEpisode> Failovers)
{
    public int Count => Events.Count + Rollups.Count + Failovers.Count;

    public static HistoryBatch Of(IEnumerable<HistoryRecord> records)
    {
        var list = records as IReadOnlyCollection<HistoryRecord> ?? records.ToList();
        return new(list.OfType<HistoryEvent>().ToList(), list.OfType<StatsRollup>().ToList(), list.OfType<FailoverEpisode>().ToList());
    }
}

/// <summary>What one retention run removed.</summary>
public sealed record RetentionResult(long Events, long Rollups, long Failovers, long UsedBytesBefore, long UsedBytesAfter);
