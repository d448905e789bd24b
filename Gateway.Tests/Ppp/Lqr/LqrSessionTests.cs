using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Lqr;
using Gateway.Core.Ppp.Session;
using Gateway.Tests.Ppp.Session;

namespace Gateway.Tests.Ppp.Lqr;

/// <summary>
/// LQR over two back-to-back sessions on a virtual clock: the session's RFC 1989 counters against the peer's, so the
/// figures of every period are exact on a line that loses nothing and name what a lossy one lost.
/// </summary>
public class LqrSessionTests
{
    private const uint PeriodHundredths = 100;
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);
    private static readonly byte[] DropMarker = "DROP-ME"u8.ToArray();

    public static TheoryData<FramingMode, bool> Modes() => new()
    {
        { FramingMode.Async, true },
        { FramingMode.Async, false },
        { FramingMode.Sync, true },
        { FramingMode.Sync, false },
    };

    /// <summary>Both ends run LQR; <paramref name="bothAsk"/> false: only A asks, so B sends on A's period and A answers.</summary>
    private sealed class LqrPair
    {
        public LqrPair(FramingMode framing, bool bothAsk)
        {
            var a = PppSessionTests.Gateway(framing, PppSessionTests.Auth.Chap);
            var b = PppSessionTests.Isp(framing, PppSessionTests.Auth.Chap);
            Pair = new SessionPair(
                a with { Lcp = a.Lcp with { EnableLqr = true, LqrPeriod = PeriodHundredths } },
                b with { Lcp = b.Lcp with { EnableLqr = bothAsk, LqrPeriod = PeriodHundredths } });
            Pair.Start();
            Pair.RunUntil(() => Pair.A.Session.Network is not null && Pair.B.Session.Network is not null, TimeSpan.FromSeconds(30));
            A = LqrSession.Start(Pair.A.Session, 5, Period) ?? throw new Xunit.Sdk.XunitException("A: LQR not agreed");
            B = LqrSession.Start(Pair.B.Session, 5, Period) ?? throw new Xunit.Sdk.XunitException("B: LQR not agreed");
            Pair.A.PacketArrived = (protocol, data) => Feed(A, protocol, data, AFigures);
            Pair.B.PacketArrived = (protocol, data) => Feed(B, protocol, data, BFigures);
        }

        public SessionPair Pair { get; }

        public LqrSession A { get; }

        public LqrSession B { get; }

        public List<LqrPeriodStatistics> AFigures { get; } = [];

        public List<LqrPeriodStatistics> BFigures { get; } = [];

        private void Feed(LqrSession end, PppProtocol protocol, byte[] data, List<LqrPeriodStatistics> figures)
        {
            if (protocol != PppProtocol.Lqr)
                return;
            var result = end.Received(data, Pair.Now);
            Assert.Equal(LqrReceiveStatus.Accepted, result.Status);
            if (result.Period is { } period)
                figures.Add(period);
        }

        /// <summary>One period: IP both ways (payloads full of flag and escape octets), then both LQR timers.</summary>
        public void RunPeriod(int packets, byte[]? marker = null)
        {
            for (int i = 0; i < packets; i++)
            {
                Assert.True(Pair.A.Session.SendPacket(PppProtocol.Ip, Payload(i, i < 3 ? marker : null)));
                Assert.True(Pair.B.Session.SendPacket(PppProtocol.Ip, Payload(i + 7, null)));
            }
            Pair.Run(Period);
            Assert.NotEqual(LqrTimerAction.LinkFailed, A.TimerExpired(Pair.Now));
            Assert.NotEqual(LqrTimerAction.LinkFailed, B.TimerExpired(Pair.Now));
        }

        private static byte[] Payload(int seed, byte[]? marker)
        {
            var payload = new byte[40 + (seed * 13 % 200)];
            for (int i = 0; i < payload.Length; i++)
                payload[i] = (i + seed) % 3 == 0 ? (byte)0x7E : (i + seed) % 3 == 1 ? (byte)0x7D : (byte)i;
            marker?.CopyTo(payload, 0);
            return payload;
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void On_a_lossless_line_every_period_shows_packets_and_octets_both_ways_and_nothing_lost(FramingMode framing, bool bothAsk)
    {
        var lqr = new LqrPair(framing, bothAsk);
        Assert.Equal(bothAsk, lqr.A.Monitor.TimerMode);
        Assert.True(lqr.B.Monitor.TimerMode);

        for (int i = 0; i < 8; i++)
            lqr.RunPeriod(packets: i + 1);

        foreach (var (end, figures) in new[] { (lqr.A, lqr.AFigures), (lqr.B, lqr.BFigures) })
        {
            Assert.False(end.Monitor.Failed);
            Assert.True(end.Monitor.OutLqrs >= 7, $"OutLQRs {end.Monitor.OutLqrs}");
            Assert.True(end.Monitor.InLqrs >= 7, $"InLQRs {end.Monitor.InLqrs}");
            Assert.True(figures.Count >= 5, $"{figures.Count} periods");
            Assert.All(figures, f =>
            {
                Assert.True(f.Plausible);
                Assert.Equal(0, f.InboundPacketsLost);
                Assert.Equal(0, f.InboundOctetsLost);
                Assert.Equal(0u, f.InboundErrors);
                Assert.Equal(0u, f.InboundDiscards);
                Assert.Equal(0, f.OutboundPacketsLost);
                Assert.Equal(0, f.OutboundOctetsLost);
            });
            var last = figures[^1];
            Assert.True(last.HasOutbound);
            Assert.True(last.InboundPackets > 0 && last.OutboundPackets > 0);
            Assert.True(last.InboundOctets > last.InboundPackets && last.OutboundOctets > last.OutboundPackets);
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Frames_lost_on_the_line_are_counted_as_lost_by_both_ends_and_nothing_else_is(FramingMode framing, bool bothAsk)
    {
        var lqr = new LqrPair(framing, bothAsk);
        bool Marked(byte[] frame) => frame.AsSpan().IndexOf(DropMarker) >= 0;
        lqr.Pair.Filter = (from, frame) => !(from == lqr.Pair.A && Marked(frame));

        for (int i = 0; i < 3; i++)
            lqr.RunPeriod(packets: 5);
        lqr.RunPeriod(packets: 5, marker: DropMarker); // 3 of A's packets never reach B
        for (int i = 0; i < 4; i++)
            lqr.RunPeriod(packets: 5);

        // A learns of its loss from B's reports (outbound), B sees it against A's reports (inbound).
        Assert.Equal(3, lqr.AFigures.Sum(f => f.OutboundPacketsLost));
        Assert.Equal(3, lqr.BFigures.Sum(f => f.InboundPacketsLost));
        long octetsLost = lqr.BFigures.Sum(f => f.InboundOctetsLost);
        Assert.True(octetsLost > 3 * DropMarker.Length, $"{octetsLost} octets");
        Assert.Equal(octetsLost, lqr.AFigures.Sum(f => f.OutboundOctetsLost));
        Assert.Equal(0, lqr.AFigures.Sum(f => f.InboundPacketsLost));
        Assert.Equal(0, lqr.BFigures.Sum(f => f.OutboundPacketsLost));
    }

    [Fact]
    public void When_the_peer_rejects_the_quality_protocol_no_lqr_starts_and_a_stray_report_is_protocol_rejected()
    {
        var a = PppSessionTests.Gateway(FramingMode.Async, PppSessionTests.Auth.Pap);
        var b = PppSessionTests.Isp(FramingMode.Async, PppSessionTests.Auth.Pap);
        var pair = new SessionPair(
            a with { Lcp = a.Lcp with { EnableLqr = true } },
            b with { Lcp = b.Lcp with { AcceptLqr = false } });
        pair.Start();
        pair.RunUntil(() => pair.A.Session.Network is not null, TimeSpan.FromSeconds(30));

        Assert.Null(pair.A.Session.Link!.ReceiveLqrPeriod);
        Assert.Null(LqrSession.Start(pair.A.Session, 5, Period));
        Assert.Null(LqrSession.Start(pair.B.Session, 5, Period));

        uint discardsBefore = pair.B.Session.QualityCounters.InDiscards;
        Assert.True(pair.A.Session.SendQualityReport(new LqrPacket(pair.A.Session.Link.LocalMagic, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1)));
        pair.Run(Period);
        Assert.Equal(1, pair.B.Session.Counters.ProtocolRejectsSent);
        Assert.DoesNotContain(pair.B.Packets, p => p.Protocol == PppProtocol.Lqr);
        Assert.Equal(discardsBefore + 1, pair.B.Session.QualityCounters.InDiscards);
    }
}
