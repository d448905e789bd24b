using Akka.Actor;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Status;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Core.Actors;

/// <summary>
/// Issue 16's brownout, the rejoin half: a member link that drops out (its keepalive gave it up) and comes back while
/// its path is still browned out was given its share of the data at once, lost or late, and dropped out again. A
/// member that joins again is given no data until its echo round trip is back near the one it had while it carried
/// data (twice that, plus 20 ms), or for <see cref="BundleOptions.RejoinProbationLimit"/> at most (30 s: a path whose
/// delay changed for good); a member never seen
/// before, or the only one, is not held back. The same holds a member whose echo reply is late
/// (<see cref="MemberLate"/>, the brownout's first second) until it answers in time again (<see cref="MemberOnTime"/>).
/// </summary>
public abstract partial class BundleActor
{
    private static readonly TimeSpan ProbationSlack = TimeSpan.FromMilliseconds(20);

    /// <summary>How often a member that joined again is looked at while it waits (the stats tick, once a second, is slow for it).</summary>
    private static readonly TimeSpan ProbationCheckPeriod = TimeSpan.FromMilliseconds(200);

    private const string ProbationTimerKey = "probation";

    // each member's round trip while it carried data, by name: what it must come back near
    private readonly Dictionary<string, TimeSpan> usualRtt = new(StringComparer.Ordinal);
    private readonly Dictionary<int, Hold> probation = new();

    /// <summary>Why and since when a member is held back: a rejoin (until its round trip is back) or a late echo reply.</summary>
    private readonly record struct Hold(TimeSpan Since, bool Late);

    private void StartProbation(BundleMembers<IActorRef, MemberDataPath>.Member member)
    {
        if (!usualRtt.TryGetValue(member.Name, out var usual) || !bundle.Suspend(member.Index))
            return;
        probation[member.Index] = new Hold(Now, Late: false);
        if (!Timers.IsTimerActive(ProbationTimerKey))
            Timers.StartPeriodicTimer(ProbationTimerKey, ProbationTick.Instance, ProbationCheckPeriod);
        Log(LogSeverity.Information, $"sublink {member.Name} joined again: no data on it until its round trip is back near {usual.TotalMilliseconds:0} ms");
    }

    private bool InProbation(int index) => probation.ContainsKey(index);

    /// <summary>
    /// Members in probation whose round trip came back are given data; on each stats tick (<paramref name="learn"/>) the
    /// others' usual RTT is learnt.
    /// </summary>
    private void ReviewProbation(bool learn)
    {
        // a member the bundle resumed by itself (it was the last one able to carry data) is out of probation
        foreach (int i in probation.Keys.Where(i => !bundle.Suspended.Contains(i)).ToList())
            probation.Remove(i);
        foreach (var member in Members.All)
        {
            var rtt = member.Path?.LatestRtt;
            if (!probation.TryGetValue(member.Index, out var hold))
            {
                // smoothed by 1/8, as RFC 6298's SRTT, over the ticks the member carried data
                if (learn && rtt is { } sample && bundle.CarriesData(member.Index))
                    usualRtt[member.Name] = usualRtt.TryGetValue(member.Name, out var usual) ? usual + (sample - usual) / 8 : sample;
                continue;
            }
            if (hold.Late)
                continue; // its sublink says when it answers in time again
            bool back = rtt is { } latest && latest <= usualRtt[member.Name] * 2 + ProbationSlack;
            bool expired = Now - hold.Since >= Options.RejoinProbationLimit;
            if (!(back || expired) || !bundle.Resume(member.Index))
                continue;
            probation.Remove(member.Index);
            Log(LogSeverity.Information, back
                ? $"sublink {member.Name}: round trip {rtt!.Value.TotalMilliseconds:0} ms, back near its usual; data goes out on it again"
                : $"sublink {member.Name}: data goes out on it again after {Options.RejoinProbationLimit.TotalSeconds:0} s of probation (round trip {(rtt is { } r ? $"{r.TotalMilliseconds:0} ms" : "unknown")})");
            PublishStatus();
        }
        if (!probation.Values.Any(h => !h.Late))
            Timers.Cancel(ProbationTimerKey);
    }

    private sealed record ProbationTick
    {
        public static ProbationTick Instance { get; } = new();
    }

    private void EndProbation(int index) => probation.Remove(index);

    /// <summary>A member's echo reply is late: no data on it until it answers in time (never the last member sending).</summary>
    private void Demote(MemberLate late)
    {
        if (Members.ByRef(late.Sublink) is not { } member || InProbation(member.Index) || !bundle.Suspend(member.Index))
            return;
        probation[member.Index] = new Hold(Now, Late: true);
        // Information, not a warning: on a lossy link every lost echo does this for one echo period.
        Log(LogSeverity.Information, $"sublink {member.Name}: no echo reply {late.Waited.TotalMilliseconds:0} ms after the request, due within {late.LateAfter.TotalMilliseconds:0} ms: no data on it until it answers in time");
        PublishStatus();
    }

    private void Promote(MemberOnTime onTime)
    {
        if (Members.ByRef(onTime.Sublink) is not { } member || !probation.TryGetValue(member.Index, out var hold) || !hold.Late)
            return;
        probation.Remove(member.Index);
        if (!bundle.Resume(member.Index))
            return;
        Log(LogSeverity.Information, onTime.InTime
            ? $"sublink {member.Name}: echo answered in {onTime.Rtt.TotalMilliseconds:0} ms, in time again; data goes out on it again"
            : $"sublink {member.Name}: data goes out on it again after {SublinkActor.LateHoldLimit.TotalSeconds:0} s of late echo replies (round trip {onTime.Rtt.TotalMilliseconds:0} ms now)");
        PublishStatus();
    }

    /// <summary>Why a member is paused, for the dashboard: <c>late</c>, <c>rejoined</c>, <c>unreachable</c>; null when it is not.</summary>
    private string? PausedFor(int index) =>
        !bundle.Suspended.Contains(index) ? null
        : probation.TryGetValue(index, out var hold) ? hold.Late ? "late" : "rejoined"
        : "unreachable";
}
