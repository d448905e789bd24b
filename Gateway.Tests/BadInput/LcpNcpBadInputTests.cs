using System.Buffers.Binary;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Session;
using Gateway.Tests.Ppp.Session;
using static Gateway.Tests.BadInput.SessionRig;
using static Gateway.Tests.Ppp.Lcp.LcpTestKit;

namespace Gateway.Tests.BadInput;

/// <summary>
/// BAD-INPUT.md "LCP and NCPs": the cases LcpBadInputTests, LcpNegotiationTests and IpcpTests leave out, and the ones
/// that only a whole session can show (which protocols get a Protocol-Reject, and when; a packet above the MRU).
/// </summary>
public class LcpNcpBadInputTests
{
    [Fact]
    public void A_code_reject_is_cut_to_a_small_peer_mru()
    {
        var (a, _, pump) = OpenedPair(null, new LcpSettings { Mru = 300 });
        var unknown = Packet(200, 0x33, new byte[1000]);

        var reject = SingleSent(Inject(pump, a, unknown), ControlCode.CodeReject);

        Assert.Equal(300, reject.Packet.Length);
        Assert.Equal(300, BinaryPrimitives.ReadUInt16BigEndian(reject.Packet.AsSpan(2)));
        Assert.Equal(unknown[..296], reject.Packet[4..]);
        Assert.Equal(1, a.Counters.TruncatedReplies);
        AssertAnswersEcho(a);
    }

    [Fact]
    public void Repeated_terminate_requests_while_stopping_are_each_acked_and_do_not_hold_the_layer_open()
    {
        var (a, _, _) = OpenedPair();
        var first = a.Receive(Packet(ControlCode.TerminateRequest, 1));
        Assert.Equal(FsmState.Stopping, a.State);
        Assert.Contains(first, o => o is ThisLayer { Signal: LayerSignal.Down });
        Assert.Equal(1, SingleSent(first, ControlCode.TerminateAck).Identifier);
        Assert.Single(first.OfType<StartRestartTimer>());

        for (int id = 2; id < 50; id++)
        {
            var outputs = a.Receive(Packet(ControlCode.TerminateRequest, (byte)id));
            Assert.Equal(id, SingleSent(outputs, ControlCode.TerminateAck).Identifier); // RFC 1661 5.5: sta, same identifier
            Assert.Empty(outputs.OfType<StartRestartTimer>());                          // the timer zrc armed is not pushed back
            Assert.Equal(FsmState.Stopping, a.State);
        }

        // The restart timer armed by the first one still finishes the layer (TO- in Stopping: tlf, Stopped).
        var expired = a.RestartTimerExpired();
        Assert.Equal(FsmState.Stopped, a.State);
        Assert.Contains(expired, o => o is ThisLayer { Signal: LayerSignal.Finished });
        AssertRecoversAndAnswersEcho(a);
    }

    public static TheoryData<ushort> ProtocolsWeDoNotRun() => new() { 0xC022, 0x0000, 0x8037, 0xFEFF, 0x0022 };

    [Theory]
    [MemberData(nameof(ProtocolsWeDoNotRun))]
    public void A_protocol_we_do_not_run_gets_a_protocol_reject_in_the_network_phase(ushort protocol)
    {
        var pair = NetworkPair(FramingMode.Sync);
        var a = pair.A;
        int before = a.Sent.Count;
        byte[] information = [1, 2, 3];

        Receive(a, [0xFF, 0x03, (byte)(protocol >> 8), (byte)protocol, .. information]);

        var reject = Assert.Single(LcpSentSince(a, before, ControlCode.ProtocolReject));
        Assert.Equal(protocol, BinaryPrimitives.ReadUInt16BigEndian(reject.AsSpan(4)));
        Assert.Equal(information, reject[6..]);
        Assert.Equal(1, a.Session.Counters.ProtocolRejectsSent);
        Assert.Equal(LinkPhase.Network, a.Session.Phase);
        AssertAnswersEcho(a);
    }

    [Fact]
    public void Before_lcp_is_opened_a_protocol_we_do_not_run_is_counted_and_dropped_never_rejected()
    {
        var pair = new SessionPair(PppSessionTests.Gateway(FramingMode.Sync, PppSessionTests.Auth.Chap), PppSessionTests.Isp(FramingMode.Sync, PppSessionTests.Auth.Chap));
        var a = pair.A;
        a.Session.Start(); // Req-Sent: the peer has not answered yet
        Assert.Equal(FsmState.ReqSent, a.Session.LcpState);
        int before = a.Sent.Count;

        foreach (ushort protocol in new ushort[] { 0xC022, 0x0000, 0x8037, 0xFEFF, 0x0022 })
            Receive(a, [0xFF, 0x03, (byte)(protocol >> 8), (byte)protocol, 1, 2, 3]);

        Assert.Equal(before, a.Sent.Count);
        Assert.Equal(0, a.Session.Counters.ProtocolRejectsSent);
        Assert.Equal(5, a.Session.Counters.DiscardedByPhase);
        pair.B.Session.Start();
        pair.RunUntil(() => a.Session.Network is not null, TimeSpan.FromSeconds(30));
        AssertAnswersEcho(a);
    }

    [Fact]
    public void An_lcp_packet_longer_than_our_mru_on_an_async_link_is_dropped_by_the_framer_as_too_long()
    {
        var pair = NetworkPair(FramingMode.Async);
        var a = pair.A;
        int before = a.Sent.Count;
        long tooLongBefore = a.Session.FramingCounters.TooLong;
        byte[] echo = ControlPacket.Build(ControlCode.EchoRequest, 7, [.. U32(a.Session.Link!.PeerMagic), .. new byte[2000]]);

        Receive(a, Frame(FramingMode.Async, Lcp, echo));

        Assert.Equal(tooLongBefore + 1, a.Session.FramingCounters.TooLong);
        Assert.Equal(before, a.Sent.Count);
        AssertAnswersEcho(a);
    }

    [Fact]
    public void An_lcp_packet_longer_than_our_mru_on_a_datagram_link_is_answered_within_the_peers_mru()
    {
        var pair = NetworkPair(FramingMode.Sync);
        var a = pair.A;
        int before = a.Sent.Count;
        byte[] echo = ControlPacket.Build(ControlCode.EchoRequest, 7, [.. U32(a.Session.Link!.PeerMagic), .. new byte[2000]]);

        Receive(a, Frame(FramingMode.Sync, Lcp, echo));

        var reply = Assert.Single(LcpSentSince(a, before, ControlCode.EchoReply));
        Assert.Equal(a.Session.Link.PeerMru, reply.Length);
        Assert.Equal(1, a.Session.LcpCounters.TruncatedReplies);
        AssertAnswersEcho(a);
    }
}
