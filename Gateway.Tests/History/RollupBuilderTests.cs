using Gateway.Core.Status;
using Gateway.Web.History;
using Microsoft.Extensions.Time.Testing;
using static Gateway.Tests.History.StatusSamples;

namespace Gateway.Tests.History;

public sealed class RollupBuilderTests
{
    private static readonly DateTimeOffset Minute0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider time = new(Minute0.AddSeconds(10));

    [Fact]
    public void A_minute_is_handed_out_with_the_counters_growth_when_a_report_of_the_next_one_arrives()
    {
        var builder = new RollupBuilder("n", time);
        Assert.Empty(builder.Observe(new IspLinkChanged(Link("isp1", IspLinkState.Up, octetsIn: 1000, octetsOut: 500, rttMs: 10))));
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Empty(builder.Observe(new IspLinkChanged(Link("isp1", IspLinkState.Up, octetsIn: 4000, octetsOut: 700, rttMs: 30))));
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Empty(builder.Observe(new IspLinkChanged(Link("isp1", IspLinkState.Dialing, octetsIn: 5000, octetsOut: 900))));

        time.Advance(TimeSpan.FromSeconds(20)); // 12:01:10
        var rollup = Assert.Single(builder.Observe(new IspLinkChanged(Link("isp1", IspLinkState.Up, octetsIn: 6000, octetsOut: 1000))));

        Assert.Equal((Minute0, StatsScope.Link, "isp1", "n"), (rollup.Minute, rollup.Scope, rollup.Name, rollup.Node));
        Assert.Equal((3, 2), (rollup.Samples, rollup.UpSamples));
        Assert.Equal((4000L, 400L), (rollup.OctetsIn, rollup.OctetsOut)); // the first report is the baseline
        Assert.Equal((2, 40.0, 30.0), (rollup.RttSamples, rollup.RttSumMs, rollup.RttMaxMs!.Value));
        Assert.Equal((2, 2.0, 4.0), (rollup.LossSamples, rollup.LossInSumPercent, rollup.LossOutSumPercent));
    }

    [Fact]
    public void A_counter_that_went_down_counts_from_zero()
    {
        var builder = new RollupBuilder("n", time);
        builder.Observe(new IspLinkChanged(Link("isp1", IspLinkState.Up, octetsIn: 9000)));
        builder.Observe(new IspLinkChanged(Link("isp1", IspLinkState.Up, octetsIn: 300))); // the link's actor started again

        time.Advance(TimeSpan.FromMinutes(1));
        var rollup = Assert.Single(builder.Flush());

        Assert.Equal(300, rollup.OctetsIn);
    }

    [Fact]
    public void Flush_hands_out_minutes_that_are_over_and_keeps_the_open_one()
    {
        var builder = new RollupBuilder("n", time);
        builder.Observe(new SublinkChanged(Sublink("vpn", "1", SublinkState.Open, queueDrops: 5, rttMs: 12)));
        builder.Observe(new SublinkChanged(Sublink("vpn", "1", SublinkState.Open, queueDrops: 9, rttMs: 14)));
        Assert.Empty(builder.Flush());

        time.Advance(TimeSpan.FromSeconds(50)); // 12:01:00
        var rollup = Assert.Single(builder.Flush());
        Assert.Equal((StatsScope.Member, "1", "vpn", 4L, 2), (rollup.Scope, rollup.Name, rollup.Bundle, rollup.QueueDrops, rollup.UpSamples));
        Assert.Empty(builder.Flush());
    }

    [Fact]
    public void A_bundle_counts_probes_and_goodput_and_a_removed_one_hands_out_its_minute()
    {
        var builder = new RollupBuilder("n", time);
        builder.Observe(new BundleChanged(Bundle("vpn", true, ["1", "2"], probesSent: 100, probesAnswered: 100, goodput: 1000)));
        builder.Observe(new BundleChanged(Bundle("vpn", true, ["1"], probesSent: 120, probesAnswered: 110, goodput: 3000)));

        var rollup = Assert.Single(builder.Observe(new BundleRemoved("vpn")));

        Assert.Equal((20L, 10L), (rollup.ProbesSent, rollup.ProbesAnswered));
        Assert.Equal((2, 4000.0), (rollup.GoodputSamples, rollup.GoodputSumBitsPerSecond));
        Assert.Empty(builder.FlushAll());
    }

    [Fact]
    public void On_shutdown_every_minute_begun_is_handed_out()
    {
        var builder = new RollupBuilder("n", time);
        builder.Observe(new IspLinkChanged(Link("isp1", IspLinkState.Up)));
        builder.Observe(new IspLinkChanged(Link("isp2", IspLinkState.Up)));
        builder.Observe(new LogWritten(new LogEntry(time.GetUtcNow(), "isp1", LogSeverity.Information, "not a rollup")));

        Assert.Equal(["isp1", "isp2"], builder.FlushAll().Select(r => r.Name).Order());
    }
}
