using Gateway.Core.Ppp.Lqr;

namespace Gateway.Tests.Ppp.Lqr;

public class LqrMonitorTests
{
    private const uint MagicA = 0xAAAA0001, MagicB = 0xBBBB0002;
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

    private static byte[] Wire(LqrPacket p)
    {
        var b = new byte[LqrPacket.Length];
        Assert.Equal(LqrPacket.Length, p.WriteTo(b));
        return b;
    }

    private static LinkCounters Counters(uint b, uint outPackets = 0, uint outOctets = 0, uint inPackets = 0, uint inGoodOctets = 0, uint inErrors = 0, uint inDiscards = 0) =>
        new(b + outPackets, b + outOctets, b + inPackets, b + inGoodOctets + inErrors * 100, b + inGoodOctets, b + inErrors, b + inDiscards);

    [Fact]
    public void Packet_is_48_octets_of_magic_and_eleven_counters_in_network_order()
    {
        var p = new LqrPacket(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0xFFFFFFFF);
        var wire = Wire(p);
        Assert.Equal(new byte[] { 0, 0, 0, 1, 0, 0, 0, 2 }, wire[..8]);
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, wire[44..]);
        Assert.True(LqrPacket.TryRead(wire, out var back));
        Assert.Equal(p, back);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(47)]
    [InlineData(49)]
    [InlineData(96)]
    public void A_body_that_is_not_48_octets_is_dropped_and_counted(int length)
    {
        var m = new LqrMonitor(new LqrOptions { LocalMagic = MagicA, PeerMagic = MagicB, ReportingPeriod = Period });
        var r = m.Received(new byte[length], TimeSpan.Zero, default);
        Assert.Equal(LqrReceiveStatus.BadLength, r.Status);
        Assert.Equal(1, m.BadLengthReports);
        Assert.Equal(0u, m.InLqrs);
    }

    /// <summary>
    /// A scripted exchange, A sending on a timer and B answering (RFC 1989 2.7), with the period's figures
    /// computed by hand from section 2.8. Between the two reports A sent 100 packets (10000 octets) of which
    /// B took 85 good (8500 octets), saw 4 with errors and discarded 1; B sent 20 packets (2000 octets) of
    /// which A took 18 good (1800 octets) and saw 1 with errors. The counters start near 2^32 in the second
    /// case, so every delta wraps.
    /// </summary>
    [Theory]
    [InlineData(0u)]
    [InlineData(0xFFFFFF00u)]
    public void Loss_and_error_rates_from_a_scripted_exchange_match_the_hand_computed_values(uint @base)
    {
        var a = new LqrMonitor(new LqrOptions { LocalMagic = MagicA, PeerMagic = MagicB, ReportingPeriod = Period });
        var b = new LqrMonitor(new LqrOptions { LocalMagic = MagicB, PeerMagic = MagicA });
        var t = TimeSpan.Zero;

        // first round: A starts LQM by sending at once
        var a1 = a.BuildReport(Counters(@base, outPackets: 10, outOctets: 1000));
        Assert.Equal(new LqrPacket(MagicA, 0, 0, 0, 0, 0, 0, 0, 0, 1, @base + 10, @base + 1000), a1);
        var rb1 = b.Received(Wire(a1), t, Counters(@base, outPackets: 5, outOctets: 500, inPackets: 10, inGoodOctets: 1000));
        Assert.Equal(LqrReceiveStatus.Accepted, rb1.Status);
        var b1 = Assert.NotNull(rb1.Reply);
        Assert.Equal(new LqrPacket(MagicB, 1, @base + 10, @base + 1000, 1, @base + 10, @base, @base, @base + 1000, 1, @base + 5, @base + 500), b1);
        var ra1 = a.Received(Wire(b1), t, Counters(@base, outPackets: 10, outOctets: 1000, inPackets: 5, inGoodOctets: 500));
        Assert.Null(ra1.Period);
        Assert.Null(ra1.Reply); // A runs a timer: it never answers

        // second round
        t += Period;
        var timer = a.TimerExpired(t, Counters(@base, outPackets: 110, outOctets: 11000, inPackets: 5, inGoodOctets: 500));
        Assert.Equal(LqrTimerAction.SendReport, timer.Action);
        Assert.Equal(new LqrPacket(MagicA, 1, @base + 5, @base + 500, 1, @base + 5, @base, @base, @base + 500, 2, @base + 110, @base + 11000), timer.Report);
        var rb2 = b.Received(Wire(timer.Report), t, Counters(@base, outPackets: 25, outOctets: 2500, inPackets: 95, inGoodOctets: 9500, inErrors: 4, inDiscards: 1));
        var b2 = Assert.NotNull(rb2.Reply);
        var ra2 = a.Received(Wire(b2), t, Counters(@base, outPackets: 110, outOctets: 11000, inPackets: 23, inGoodOctets: 2300, inErrors: 1));
        var p = Assert.NotNull(ra2.Period);
        Assert.True(p.HasOutbound);

        Assert.Equal(1u, p.OutboundLqrs);
        Assert.Equal(0, p.OutboundLqrsLost);
        Assert.Equal(100u, p.OutboundPackets);
        Assert.Equal(15, p.OutboundPacketsLost);
        Assert.Equal(4u, p.OutboundErrors);
        Assert.Equal(1u, p.OutboundDiscards);
        Assert.Equal(10000u, p.OutboundOctets);
        Assert.Equal(1500, p.OutboundOctetsLost);
        Assert.Equal(0.15, p.OutboundLossRate, 9);
        Assert.Equal(0.04, p.OutboundErrorRate, 9);

        Assert.Equal(1u, p.InboundLqrs);
        Assert.Equal(0, p.InboundLqrsLost);
        Assert.Equal(20u, p.InboundPackets);
        Assert.Equal(2, p.InboundPacketsLost);
        Assert.Equal(1u, p.InboundErrors);
        Assert.Equal(0u, p.InboundDiscards);
        Assert.Equal(2000u, p.InboundOctets);
        Assert.Equal(200, p.InboundOctetsLost);
        Assert.Equal(0.1, p.InboundLossRate, 9);

        // B sees the same link from the other end: what A lost outbound, B lost inbound
        var q = Assert.NotNull(rb2.Period);
        Assert.False(q.HasOutbound); // A's first report came before A had heard from B
        Assert.Equal(100u, q.InboundPackets);
        Assert.Equal(15, q.InboundPacketsLost);
        Assert.Equal(4u, q.InboundErrors);
        Assert.Equal(1500, q.InboundOctetsLost);
        Assert.Equal(2u, a.OutLqrs);
        Assert.Equal(2u, b.InLqrs);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    public void A_peer_that_stops_answering_is_declared_failed_after_exactly_N_periods(int n)
    {
        var a = new LqrMonitor(new LqrOptions { LocalMagic = MagicA, PeerMagic = MagicB, ReportingPeriod = Period, MaxMissedReports = n });
        var peer = new LqrMonitor(new LqrOptions { LocalMagic = MagicB, PeerMagic = MagicA });
        var t = TimeSpan.Zero;
        var report = a.BuildReport(default);
        // the peer answers for five periods
        for (int k = 1; k <= 5; k++)
        {
            a.Received(Wire(peer.Received(Wire(report), t, default).Reply!.Value), t, default);
            t += Period;
            var r = a.TimerExpired(t, default);
            Assert.Equal(LqrTimerAction.SendReport, r.Action);
            report = r.Report;
        }
        // then falls silent: n more reports go out unanswered, and the expiry closing the n-th silent period fails the link
        for (int k = 1; k < n; k++)
        {
            t += Period;
            Assert.Equal(LqrTimerAction.SendReport, a.TimerExpired(t, default).Action);
            Assert.Equal(k, a.ConsecutiveMissedPeriods);
        }
        t += Period;
        Assert.Equal(LqrTimerAction.LinkFailed, a.TimerExpired(t, default).Action);
        Assert.True(a.Failed);
        Assert.Equal(LqrTimerAction.None, a.TimerExpired(t + Period, default).Action);
    }

    [Fact]
    public void A_report_with_the_wrong_magic_number_is_ignored_and_counted_and_does_not_keep_the_link_alive()
    {
        var a = new LqrMonitor(new LqrOptions { LocalMagic = MagicA, PeerMagic = MagicB, ReportingPeriod = Period, MaxMissedReports = 2 });
        var forged = Wire(new LqrPacket(0x12345678, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1));
        var t = TimeSpan.Zero;
        Assert.Equal(LqrReceiveStatus.WrongMagic, a.Received(forged, t, default).Status);
        Assert.Equal(LqrTimerAction.SendReport, a.TimerExpired(t += Period, default).Action);
        Assert.Equal(LqrReceiveStatus.WrongMagic, a.Received(forged, t, default).Status);
        Assert.Equal(LqrTimerAction.LinkFailed, a.TimerExpired(t += Period, default).Action);
        Assert.Equal(2, a.WrongMagicReports);
        Assert.Equal(0u, a.InLqrs);
        Assert.Null(a.LastReceived);
    }

    [Fact]
    public void A_report_whose_counters_went_backwards_keeps_the_link_alive_but_yields_no_figures()
    {
        var a = new LqrMonitor(new LqrOptions { LocalMagic = MagicA, PeerMagic = MagicB, ReportingPeriod = Period, MaxMissedReports = 1 });
        a.Received(Wire(new LqrPacket(MagicB, 0, 0, 0, 0, 0, 0, 0, 0, 5, 500, 50_000)), TimeSpan.Zero, new LinkCounters(0, 0, 500, 50_000, 50_000, 0, 0));
        var r = a.Received(Wire(new LqrPacket(MagicB, 0, 0, 0, 0, 0, 0, 0, 0, 6, 100, 10_000)), TimeSpan.Zero, new LinkCounters(0, 0, 600, 60_000, 60_000, 0, 0));
        Assert.Equal(LqrReceiveStatus.Accepted, r.Status);
        Assert.Null(r.Period);
        Assert.Equal(1, a.BackwardsCounterReports);
        Assert.Equal(LqrTimerAction.SendReport, a.TimerExpired(Period, default).Action);
    }

    [Fact]
    public void Reports_faster_than_the_period_are_used_and_not_answered_while_the_peer_hears_ours()
    {
        var a = new LqrMonitor(new LqrOptions { LocalMagic = MagicA, PeerMagic = MagicB, ReportingPeriod = Period });
        for (uint i = 1; i <= 10; i++)
        {
            var r = a.Received(Wire(new LqrPacket(MagicB, 0, 0, 0, i, 0, 0, 0, 0, i, i * 10, i * 100)), TimeSpan.FromMilliseconds(i), new LinkCounters(0, 0, i * 10, 0, i * 100, 0, 0));
            Assert.Equal(LqrReceiveStatus.Accepted, r.Status);
            Assert.Null(r.Reply);
        }
        Assert.Equal(10u, a.InLqrs);
        Assert.Equal(0u, a.OutLqrs);
        var last = Assert.NotNull(a.LastPeriod);
        Assert.Equal(10u, last.InboundPackets);
        Assert.Equal(0, last.InboundPacketsLost);
        Assert.Equal(0, a.ConsecutiveMissedPeriods);
    }

    [Fact]
    public void In_timer_mode_a_report_showing_the_peer_missed_ours_is_answered_at_once()
    {
        var a = new LqrMonitor(new LqrOptions { LocalMagic = MagicA, PeerMagic = MagicB, ReportingPeriod = Period });
        Assert.Null(a.Received(Wire(new LqrPacket(MagicB, 0, 0, 0, 3, 0, 0, 0, 0, 1, 1, 1)), TimeSpan.Zero, default).Reply);
        var r = a.Received(Wire(new LqrPacket(MagicB, 0, 0, 0, 3, 0, 0, 0, 0, 2, 2, 2)), TimeSpan.Zero, default);
        var reply = Assert.NotNull(r.Reply);
        Assert.Equal(2u, reply.LastOutLqrs);
        Assert.Equal(1u, a.OutLqrs);
    }

    [Fact]
    public void Without_a_reporting_period_each_report_is_answered_and_the_timer_only_watches()
    {
        var b = new LqrMonitor(new LqrOptions { LocalMagic = MagicB, PeerMagic = MagicA, MaxMissedReports = 2 });
        Assert.False(b.TimerMode);
        var r = b.Received(Wire(new LqrPacket(MagicA, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1)), TimeSpan.Zero, default);
        Assert.NotNull(r.Reply);
        Assert.Equal(LqrTimerAction.None, b.TimerExpired(Period, default).Action);
        Assert.Equal(LqrTimerAction.None, b.TimerExpired(2 * Period, default).Action);
        Assert.Equal(LqrTimerAction.LinkFailed, b.TimerExpired(3 * Period, default).Action);
    }

    [Theory]
    [InlineData(0u, null)]
    [InlineData(10u, 100.0)]
    [InlineData(1500u, 15000.0)]
    public void The_options_reporting_period_counts_hundredths_of_a_second(uint hundredths, double? milliseconds) =>
        Assert.Equal(milliseconds is null ? null : TimeSpan.FromMilliseconds(milliseconds.Value), LqrOptions.PeriodFromOption(hundredths));
}
