using Gateway.Core.Ppp.Lqr;

namespace Gateway.Tests.Ppp.Lqr;

public class EchoMonitorTests
{
    private const uint Local = 0x11111111, Peer = 0x22222222;
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(500);

    private static EchoMonitor New(int n = 3) =>
        new(new EchoOptions { Period = Period, MaxMissedReplies = n, LocalMagic = Local, PeerMagic = Peer });

    [Fact]
    public void Each_expiry_sends_an_echo_request_with_a_fresh_identifier_and_our_magic()
    {
        var e = New();
        var t = TimeSpan.Zero;
        for (int i = 0; i < 3; i++)
        {
            var r = e.TimerExpired(t);
            Assert.Equal(new EchoTimerResult(EchoTimerAction.SendEchoRequest, (byte)i, Local), r);
            Assert.Equal(EchoReplyStatus.Accepted, e.EchoReplyReceived(r.Identifier, Peer, t + TimeSpan.FromMilliseconds(10)));
            t += Period;
        }
    }

    [Fact]
    public void Round_trip_time_is_smoothed_as_RFC_6298_does()
    {
        var e = New();
        var r = e.TimerExpired(TimeSpan.Zero);
        e.EchoReplyReceived(r.Identifier, Peer, TimeSpan.FromMilliseconds(100));
        Assert.Equal(TimeSpan.FromMilliseconds(100), e.SmoothedRtt);
        Assert.Equal(TimeSpan.FromMilliseconds(50), e.RttVariation);
        r = e.TimerExpired(Period);
        e.EchoReplyReceived(r.Identifier, Peer, Period + TimeSpan.FromMilliseconds(200));
        // RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5; SRTT = 7/8 * 100 + 1/8 * 200 = 112.5
        Assert.Equal(TimeSpan.FromMilliseconds(62.5), e.RttVariation);
        Assert.Equal(TimeSpan.FromMilliseconds(112.5), e.SmoothedRtt);
        Assert.Equal(TimeSpan.FromMilliseconds(200), e.LatestRtt);
    }

    [Fact]
    public void A_reply_is_late_after_twice_the_smoothed_round_trip_four_variations_and_the_slack()
    {
        var e = New();
        Func<double, TimeSpan> ms = TimeSpan.FromMilliseconds;
        var r = e.TimerExpired(TimeSpan.Zero);
        Assert.Null(e.LateAfter); // no round trip yet: nothing to be late against
        Assert.Null(e.LatestRequestLate(ms(400)));
        e.EchoReplyReceived(r.Identifier, Peer, ms(10));
        // SRTT 10, RTTVAR 5: 2 * 10 + 4 * 5 + 50 = 90 ms
        Assert.Equal(ms(90), e.LateAfter);

        r = e.TimerExpired(Period);
        Assert.Null(e.LatestRequestLate(Period + ms(90)));
        Assert.Equal(ms(91), e.LatestRequestLate(Period + ms(91)));
        // a late reply is still a reply: the request is no longer outstanding
        e.EchoReplyReceived(r.Identifier, Peer, Period + ms(95));
        Assert.Null(e.LatestRequestLate(Period + ms(300)));
    }

    [Fact]
    public void Only_the_latest_request_can_be_late()
    {
        var e = New();
        Func<double, TimeSpan> ms = TimeSpan.FromMilliseconds;
        var first = e.TimerExpired(TimeSpan.Zero);
        e.EchoReplyReceived(first.Identifier, Peer, ms(10));
        e.TimerExpired(Period);                       // never answered
        var latest = e.TimerExpired(2 * Period);
        e.EchoReplyReceived(latest.Identifier, Peer, 2 * Period + ms(5));
        Assert.Null(e.LatestRequestLate(2 * Period + ms(400)));
    }

    [Fact]
    public void A_peer_that_stops_answering_is_declared_failed_after_exactly_N_periods()
    {
        var e = New(n: 3);
        var t = TimeSpan.Zero;
        var r = e.TimerExpired(t);
        e.EchoReplyReceived(r.Identifier, Peer, t);
        for (int k = 0; k < 3; k++)
        {
            t += Period;
            Assert.Equal(EchoTimerAction.SendEchoRequest, e.TimerExpired(t).Action);
        }
        Assert.Equal(2, e.ConsecutiveMissedPeriods);
        t += Period;
        Assert.Equal(EchoTimerAction.LinkFailed, e.TimerExpired(t).Action);
        Assert.True(e.Failed);
        Assert.Equal(3, e.LostRequests);
    }

    [Fact]
    public void Loss_is_counted_over_resolved_requests()
    {
        var e = New(n: 10);
        var t = TimeSpan.Zero;
        for (int i = 0; i < 4; i++)
        {
            var r = e.TimerExpired(t);
            if (i != 1)
                e.EchoReplyReceived(r.Identifier, Peer, t + TimeSpan.FromMilliseconds(5));
            t += Period;
        }
        Assert.Equal(1, e.LostRequests);
        Assert.Equal(0.25, e.LossRate, 9);
    }

    [Fact]
    public void Unsolicited_repeated_and_wrong_magic_replies_are_ignored_and_counted()
    {
        var e = New(n: 1);
        var r = e.TimerExpired(TimeSpan.Zero);
        Assert.Equal(EchoReplyStatus.Unsolicited, e.EchoReplyReceived((byte)(r.Identifier + 1), Peer, TimeSpan.Zero));
        Assert.Equal(EchoReplyStatus.WrongMagic, e.EchoReplyReceived(r.Identifier, 0x33333333, TimeSpan.Zero));
        Assert.Equal(EchoReplyStatus.WrongMagic, e.EchoReplyReceived(r.Identifier, Local, TimeSpan.Zero)); // looped back
        Assert.Equal(EchoReplyStatus.Accepted, e.EchoReplyReceived(r.Identifier, Peer, TimeSpan.Zero));
        Assert.Equal(EchoReplyStatus.Unsolicited, e.EchoReplyReceived(r.Identifier, Peer, TimeSpan.Zero));
        Assert.Equal(2, e.UnsolicitedReplies);
        Assert.Equal(2, e.WrongMagicReplies);
        Assert.Equal(1, e.RepliesAccepted);
        // none of the ignored replies counts as an answer for the next period
        Assert.Equal(EchoTimerAction.SendEchoRequest, e.TimerExpired(Period).Action);
        e.EchoReplyReceived(0x7F, Peer, Period);
        Assert.Equal(EchoTimerAction.LinkFailed, e.TimerExpired(2 * Period).Action);
    }
}
