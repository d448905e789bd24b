using Gateway.Core.Status;
using Gateway.Web.History;
using static Gateway.Tests.History.StatusSamples;

namespace Gateway.Tests.History;

public sealed class EventRecorderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly EventRecorder recorder = new("n");

    [Fact]
    public void A_link_records_what_changed_dial_attempts_failures_up_and_down_never_the_repeats()
    {
        var seen = Assert.Single(recorder.Observe(new IspLinkChanged(Link("isp1", IspLinkState.Closed)), T0));
        Assert.Equal((HistoryEventKind.Seen, HistoryScope.Link, "Closed"), (seen.Kind, seen.Scope, seen.State));

        var dial = recorder.Observe(new IspLinkChanged(Link("isp1", IspLinkState.Dialing, dialAttempts: 1)), T0.AddSeconds(1));
        Assert.Equal([HistoryEventKind.Dial, HistoryEventKind.State], dial.Select(e => e.Kind));
        Assert.Equal("attempt 1, 5551234", dial[0].Detail);

        var failed = Assert.Single(recorder.Observe(new IspLinkChanged(Link("isp1", IspLinkState.RedialWait, dialAttempts: 1, reason: "NO CARRIER")), T0.AddSeconds(2)));
        Assert.Equal((HistoryEventKind.DialFailed, "NO CARRIER"), (failed.Kind, failed.Detail));

        recorder.Observe(new IspLinkChanged(Link("isp1", IspLinkState.Dialing, dialAttempts: 2)), T0.AddSeconds(3));
        Assert.Equal(HistoryEventKind.Up, Assert.Single(recorder.Observe(new IspLinkChanged(Link("isp1", IspLinkState.Up, dialAttempts: 2)), T0.AddSeconds(4))).Kind);
        Assert.Empty(recorder.Observe(new IspLinkChanged(Link("isp1", IspLinkState.Up, dialAttempts: 2, octetsIn: 999)), T0.AddSeconds(5)));

        var down = Assert.Single(recorder.Observe(new IspLinkChanged(Link("isp1", IspLinkState.HangingUp, dialAttempts: 2, reason: "closed by operator")), T0.AddSeconds(6)));
        Assert.Equal((HistoryEventKind.Down, "closed by operator", T0.AddSeconds(6)), (down.Kind, down.Detail, down.Time));

        // The reason stays in the status: later state changes do not repeat it.
        var closed = Assert.Single(recorder.Observe(new IspLinkChanged(Link("isp1", IspLinkState.Closed, dialAttempts: 2, reason: "closed by operator")), T0.AddSeconds(7)));
        Assert.Equal((HistoryEventKind.State, (string?)null), (closed.Kind, closed.Detail));
    }

    [Fact]
    public void A_bundle_records_members_joining_leaving_paused_and_resumed_before_its_own_state()
    {
        recorder.Observe(new BundleChanged(Bundle("vpn", true, ["1", "2"])), T0);

        var events = recorder.Observe(new BundleChanged(Bundle("vpn", true, ["1", "3"], paused: ["1"])), T0.AddSeconds(1));
        Assert.Equal([("2", HistoryEventKind.Left), ("3", HistoryEventKind.Joined), ("1", HistoryEventKind.Paused)], events.Select(e => (e.Name, e.Kind)));
        Assert.All(events, e => Assert.Equal((HistoryScope.Member, "vpn"), (e.Scope, e.Bundle)));

        var down = recorder.Observe(new BundleChanged(Bundle("vpn", false, ["1"])), T0.AddSeconds(2));
        Assert.Equal([("3", HistoryEventKind.Left), ("1", HistoryEventKind.Resumed), ("vpn", HistoryEventKind.Down)], down.Select(e => (e.Name, e.Kind)));

        Assert.Equal(HistoryEventKind.Removed, Assert.Single(recorder.Observe(new BundleRemoved("vpn"), T0.AddSeconds(3))).Kind);
        Assert.Empty(recorder.Observe(new BundleRemoved("vpn"), T0.AddSeconds(4)));
    }

    [Fact]
    public void A_sublink_records_up_down_with_its_reason_and_removal_and_log_lines_keep_their_own_time()
    {
        recorder.Observe(new SublinkChanged(Sublink("vpn", "2", SublinkState.Lcp)), T0);
        Assert.Equal(HistoryEventKind.Up, Assert.Single(recorder.Observe(new SublinkChanged(Sublink("vpn", "2", SublinkState.Open)), T0.AddSeconds(1))).Kind);

        var down = Assert.Single(recorder.Observe(new SublinkChanged(Sublink("vpn", "2", SublinkState.Closed, reason: "echo timeout")), T0.AddSeconds(2)));
        Assert.Equal((HistoryScope.Sublink, "vpn", HistoryEventKind.Down, "echo timeout"), (down.Scope, down.Bundle, down.Kind, down.Detail));
        Assert.Equal(HistoryEventKind.Removed, Assert.Single(recorder.Observe(new SublinkRemoved("vpn", "2"), T0.AddSeconds(3))).Kind);

        var line = Assert.Single(recorder.Observe(new LogWritten(new LogEntry(T0.AddDays(-1), "isp3", LogSeverity.Warning, "carrier lost")), T0));
        Assert.Equal((T0.AddDays(-1), HistoryScope.Log, "isp3", "Warning", "carrier lost"), (line.Time, line.Scope, line.Name, line.State, line.Detail));
    }
}
