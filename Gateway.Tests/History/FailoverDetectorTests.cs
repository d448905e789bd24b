using Gateway.Web.History;
using static Gateway.Tests.History.StatusSamples;

namespace Gateway.Tests.History;

public sealed class FailoverDetectorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FailoverDetector detector = new("n");

    [Fact]
    public void A_member_that_leaves_starts_an_episode_without_a_gap_and_its_return_ends_it()
    {
        detector.Observe(Bundle("vpn", true, ["1", "2", "3"], probesSent: 1000, probesAnswered: 998), T0);

        var started = Assert.Single(detector.Observe(Bundle("vpn", true, ["1", "3"], probesSent: 1020, probesAnswered: 1010), T0.AddSeconds(1)));
        Assert.Equal((T0.AddSeconds(1), (DateTimeOffset?)null, 3, "2 left", 0L, 8L), (started.Started, started.Ended, started.MembersBefore, started.Cause, started.GapMs, started.ProbesLost!.Value));
        Assert.Equal(["2"], started.MembersLost);

        Assert.Empty(detector.Observe(Bundle("vpn", true, ["1", "3"], probesSent: 1040, probesAnswered: 1030), T0.AddSeconds(2)));

        var ended = Assert.Single(detector.Observe(Bundle("vpn", true, ["1", "2", "3"], probesSent: 1060, probesAnswered: 1050), T0.AddSeconds(30)));
        Assert.Equal((T0.AddSeconds(1), T0.AddSeconds(30), 0L, 8L), (ended.Started, ended.Ended!.Value, ended.GapMs, ended.ProbesLost!.Value));
    }

    [Fact]
    public void A_bundle_that_goes_down_has_a_gap_until_it_sends_again()
    {
        detector.Observe(Bundle("vpn", true, ["1"]), T0);

        var down = Assert.Single(detector.Observe(Bundle("vpn", false, []), T0.AddSeconds(1)));
        Assert.Equal(("bundle down", 0L), (down.Cause, down.GapMs));

        var back = Assert.Single(detector.Observe(Bundle("vpn", true, ["1"]), T0.AddSeconds(4)));
        Assert.Equal((T0.AddSeconds(4), 3000L), (back.Ended!.Value, back.GapMs));
    }

    [Fact]
    public void A_paused_member_starts_one_and_a_second_loss_within_it_is_added()
    {
        detector.Observe(Bundle("vpn", true, ["1", "2", "3"]), T0);

        var paused = Assert.Single(detector.Observe(Bundle("vpn", true, ["1", "2", "3"], paused: ["2"]), T0.AddSeconds(1)));
        Assert.Equal("2 paused", paused.Cause);

        var more = Assert.Single(detector.Observe(Bundle("vpn", true, ["1", "2"], paused: ["2"]), T0.AddSeconds(2)));
        Assert.Equal(["2", "3"], more.MembersLost);
        Assert.Null(more.Ended);

        // Another member in place of a lost one restores the bundle's strength: the episode is over.
        var ended = Assert.Single(detector.Observe(Bundle("vpn", true, ["1", "2", "4", "5"], paused: ["2"]), T0.AddSeconds(3)));
        Assert.Equal(T0.AddSeconds(3), ended.Ended);
    }

    [Fact]
    public void Losing_the_last_sending_member_opens_a_gap_within_the_episode()
    {
        detector.Observe(Bundle("vpn", true, ["1", "2"]), T0);
        detector.Observe(Bundle("vpn", true, ["1"]), T0.AddSeconds(1));

        var noPath = Assert.Single(detector.Observe(Bundle("vpn", true, ["1"], paused: ["1"]), T0.AddSeconds(2)));
        Assert.Equal(["2", "1"], noPath.MembersLost);

        var resumed = Assert.Single(detector.Observe(Bundle("vpn", true, ["1"]), T0.AddSeconds(7)));
        Assert.Equal((5000L, (DateTimeOffset?)null), (resumed.GapMs, resumed.Ended));
    }

    [Fact]
    public void Nothing_happens_without_a_loss_and_a_removed_or_stopping_bundle_ends_its_episode()
    {
        detector.Observe(Bundle("vpn", true, ["1", "2"]), T0);
        detector.Observe(Bundle("other", true, ["1", "2"]), T0);
        Assert.Empty(detector.Observe(Bundle("vpn", true, ["1", "2", "3"]), T0.AddSeconds(1)));
        Assert.Empty(detector.Observe(Bundle("vpn", true, ["1", "2", "3"], probesSent: 10), T0.AddSeconds(2)));

        detector.Observe(Bundle("vpn", true, ["1"]), T0.AddSeconds(3));
        detector.Observe(Bundle("other", false, ["1"]), T0.AddSeconds(3));

        var removed = Assert.Single(detector.Removed("vpn", T0.AddSeconds(9)));
        Assert.Equal(("vpn", T0.AddSeconds(9)), (removed.Bundle, removed.Ended!.Value));
        var stopped = Assert.Single(detector.EndAll(T0.AddSeconds(10)));
        Assert.Equal(("other", 7000L), (stopped.Bundle, stopped.GapMs));
        Assert.Empty(detector.EndAll(T0.AddSeconds(11)));
    }
}
