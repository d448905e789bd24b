using Gateway.Core.Actors;
using Gateway.Core.Transport;
using static Gateway.Core.Actors.ReceiverActor;

namespace Gateway.Tests.Actors;

public class ReceiverLogSummaryTests
{
    private static ReceiverStatus Counts(long junk, long rateLimited, long created, long timedOut, long evicted) =>
        new(null, 2, 1, RefusedPeers: 0, DroppedBeforeJoin: 0, junk, rateLimited, created, default(DatagramCounters))
        {
            EvictedPeers = evicted,
            HalfOpenEnded = new HalfOpenEnds(timedOut, 0, 0),
        };

    [Fact]
    public void A_period_is_told_in_two_lines_of_counts_by_reason_and_a_quiet_one_in_none()
    {
        var summary = new ReceiverLogSummary(TimeSpan.FromSeconds(10));
        var first = summary.Next(Counts(junk: 4_000, rateLimited: 812, created: 120, timedOut: 30, evicted: 7));
        Assert.Equal("receiver: in the last 10 s, 4,812 datagrams from senders with no sublink dropped (not an LCP Configure-Request: 4,000; over the new-peer budget: 812)", first.Dropped);
        Assert.Equal("receiver: in the last 10 s, 120 peers created, 37 ended before authenticating (no Network phase in time: 30; place given to a newcomer: 7)", first.HalfOpen);

        var second = summary.Next(Counts(junk: 4_001, rateLimited: 812, created: 120, timedOut: 30, evicted: 7));
        Assert.Equal("receiver: in the last 10 s, 1 datagrams from senders with no sublink dropped (not an LCP Configure-Request: 1)", second.Dropped);
        Assert.Null(second.HalfOpen);
        Assert.Equal((null, null), summary.Next(Counts(junk: 4_001, rateLimited: 812, created: 120, timedOut: 30, evicted: 7)));
    }
}
