using Akka.Actor;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Core.Actors;

/// <summary>
/// Issue 16's brownout, the first second: a member whose path suddenly loses or delays packets was given its share of
/// the data until its keepalive gave it up (three echo periods and more), and what it carried meanwhile was lost or
/// came too late. A member's echo reply that has not come back <see cref="Ppp.Lqr.EchoMonitor.LateAfter"/> its request
/// (twice the smoothed round trip, four variations and 50 ms) tells the bundle <see cref="MemberLate"/>, which gives
/// it no data; the first reply back within that same time (frozen when it was late, so the late replies that follow
/// do not raise it) tells <see cref="MemberOnTime"/>. A path whose round trip changed for good is taken back as it is
/// after <see cref="LateHoldLimit"/>.
/// </summary>
public sealed partial class SublinkActor
{
    private const string LateTimerKey = "echo-late";

    /// <summary>How long a member stays reported late while its replies do come back, only later than before.</summary>
    public static readonly TimeSpan LateHoldLimit = TimeSpan.FromSeconds(30);

    private bool joinedForLateness;
    private TimeSpan? reportedLateAgainst;
    private TimeSpan reportedLateAt;

    /// <summary>After each echo request: look again when its reply would be late.</summary>
    private void ArmLateCheck()
    {
        if (!joinedForLateness || dataPath is null || reportedLateAgainst is not null || driver.Keepalive?.Echo?.LateAfter is not { } lateAfter)
            return;
        Timers.StartSingleTimer(LateTimerKey, EchoLateCheck.Instance, lateAfter + TimeSpan.FromMilliseconds(1));
    }

    private void OnLateCheck()
    {
        var echo = driver.Keepalive?.Echo;
        var now = Context.System.Scheduler.MonotonicClock;
        if (!joinedForLateness || dataPath is null || reportedLateAgainst is not null || echo?.LatestRequestLate(now) is not { } waited)
            return;
        reportedLateAgainst = echo.LateAfter;
        reportedLateAt = now;
        owner.Tell(new MemberLate(Self, waited, reportedLateAgainst!.Value));
    }

    /// <summary>An echo reply came back: if the member was reported late and this one is in time, it is on time again.</summary>
    private void OnEchoReplyForLateness(TimeSpan rtt)
    {
        if (reportedLateAgainst is not { } lateAfter)
            return;
        bool inTime = rtt <= lateAfter;
        if (!inTime && Context.System.Scheduler.MonotonicClock - reportedLateAt < LateHoldLimit)
            return;
        reportedLateAgainst = null;
        owner.Tell(new MemberOnTime(Self, rtt, inTime));
    }

    /// <summary>
    /// The sublink joined its bundle (<paramref name="joined"/>) or left it: whatever it reported late is forgotten with
    /// the membership, and only a member reports (before it joined, its owner is the receiver, not a bundle).
    /// </summary>
    private void ForgetLateness(bool joined)
    {
        joinedForLateness = joined;
        reportedLateAgainst = null;
        Timers.Cancel(LateTimerKey);
    }

    private sealed record EchoLateCheck
    {
        public static EchoLateCheck Instance { get; } = new();
    }
}
