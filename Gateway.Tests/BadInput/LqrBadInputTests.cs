using System.Buffers.Binary;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Lqr;
using Gateway.Core.Ppp.Session;
using Gateway.Tests.Ppp.Session;
using static Gateway.Tests.BadInput.SessionRig;
using static Gateway.Tests.Ppp.Lcp.LcpTestKit;

namespace Gateway.Tests.BadInput;

/// <summary>
/// BAD-INPUT.md "Link Quality Reports (RFC 1989)": the Quality-Protocol option as a hostile peer writes it, and hostile
/// reports through a session running LQR, after which it still answers an LCP Echo-Request. (The monitor alone:
/// LqrMonitorTests.)
/// </summary>
public class LqrBadInputTests
{
    private const ushort LqrProtocol = (ushort)PppProtocol.Lqr;

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0xC0 })]
    public void A_quality_protocol_option_shorter_than_4_is_rejected(byte[] value)
    {
        var (lcp, _) = RequestSent();
        var bad = Option(LcpOptionType.QualityProtocol, value);

        var reject = SingleSent(lcp.Receive(Packet(ControlCode.ConfigureRequest, 1, bad)), ControlCode.ConfigureReject);

        Assert.Equal(bad, reject.Packet[4..]);
        AssertRecoversAndAnswersEcho(lcp);
    }

    [Theory]
    [InlineData(new byte[] { 0xC0, 0x25 })]                         // LQR without its Reporting-Period
    [InlineData(new byte[] { 0xC0, 0x25, 0, 0, 0 })]                 // a period one octet short
    [InlineData(new byte[] { 0xC0, 0x27, 0, 0, 0, 100 })]            // a quality protocol we do not run
    public void A_quality_protocol_option_we_cannot_take_as_sent_is_naked_with_lqr_and_our_period(byte[] value)
    {
        var (lcp, _) = RequestSent();

        var nak = SingleSent(lcp.Receive(Packet(ControlCode.ConfigureRequest, 1, Option(LcpOptionType.QualityProtocol, value))), ControlCode.ConfigureNak);

        Assert.Equal(Option(LcpOptionType.QualityProtocol, [0xC0, 0x25, .. U32(LcpSettings.Default.LqrPeriod)]), nak.Packet[4..]);
        AssertRecoversAndAnswersEcho(lcp);
    }

    private static byte[] Report(uint magic, uint peerOutLqrs, uint peerOutPackets, uint peerOutOctets)
    {
        var body = new byte[LqrPacket.Length];
        new LqrPacket(magic, 0, 0, 0, 0, 0, 0, 0, 0, peerOutLqrs, peerOutPackets, peerOutOctets).WriteTo(body);
        return body;
    }

    [Fact]
    public void Hostile_reports_into_a_session_running_lqr_are_counted_and_dropped_and_echo_is_still_answered()
    {
        static SessionSettings WithLqr(SessionSettings s) => s with { Lcp = s.Lcp with { EnableLqr = true, LqrPeriod = 100 } };
        var pair = NetworkPair(WithLqr(PppSessionTests.Gateway(FramingMode.Sync, PppSessionTests.Auth.Chap)), WithLqr(PppSessionTests.Isp(FramingMode.Sync, PppSessionTests.Auth.Chap)));
        var a = pair.A;
        var lqr = LqrSession.Start(a.Session, 5, TimeSpan.FromSeconds(1)) ?? throw new Xunit.Sdk.XunitException("LQR not agreed");
        var statuses = new List<LqrReceiveStatus>();
        a.PacketArrived = (protocol, body) =>
        {
            if (protocol == PppProtocol.Lqr)
                statuses.Add(lqr.Received(body, pair.Now).Status);
        };
        uint peerMagic = a.Session.Link!.PeerMagic;
        void SendLqr(byte[] body) => Receive(a, Frame(FramingMode.Sync, LqrProtocol, body));

        SendLqr([]);                                                          // bodies that are not 48 octets
        SendLqr(new byte[47]);
        SendLqr(new byte[49]);
        SendLqr(Report(peerMagic ^ 0x5A5A5A5A, 1, 1, 1));                    // a wrong magic number
        SendLqr(Report(peerMagic, 1, 5000, 500_000));
        SendLqr(Report(peerMagic, 2, 100, 10_000));                           // counters gone backwards
        for (uint i = 3; i < 13; i++)
            SendLqr(Report(peerMagic, i, 100 + i, 10_000 + i));               // ten reports at once, far faster than the period

        LqrReceiveStatus[] expected =
            [LqrReceiveStatus.BadLength, LqrReceiveStatus.BadLength, LqrReceiveStatus.BadLength, LqrReceiveStatus.WrongMagic, .. Enumerable.Repeat(LqrReceiveStatus.Accepted, 12)];
        Assert.Equal(expected, statuses);
        Assert.Equal(3, lqr.Monitor.BadLengthReports);
        Assert.Equal(1, lqr.Monitor.WrongMagicReports);
        Assert.Equal(1, lqr.Monitor.BackwardsCounterReports);
        Assert.NotEqual(LqrTimerAction.LinkFailed, lqr.TimerExpired(pair.Now));
        Assert.Equal(LinkPhase.Network, a.Session.Phase);
        AssertAnswersEcho(a);
    }

    [Fact]
    public void A_report_when_the_quality_protocol_was_never_negotiated_is_protocol_rejected_and_echo_is_still_answered()
    {
        var pair = NetworkPair(FramingMode.Sync);
        var a = pair.A;
        Assert.Null(a.Session.Link!.ReceiveLqrPeriod);
        Assert.Null(a.Session.Link.SendLqrPeriod);
        int before = a.Sent.Count;

        Receive(a, Frame(FramingMode.Sync, LqrProtocol, Report(a.Session.Link.PeerMagic, 1, 1, 1)));

        var reject = Assert.Single(LcpSentSince(a, before, ControlCode.ProtocolReject));
        Assert.Equal(LqrProtocol, BinaryPrimitives.ReadUInt16BigEndian(reject.AsSpan(4)));
        Assert.DoesNotContain(a.Packets, p => p.Protocol == PppProtocol.Lqr);
        AssertAnswersEcho(a);
    }
}
