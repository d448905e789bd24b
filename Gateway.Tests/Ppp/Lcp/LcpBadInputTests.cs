using System.Buffers.Binary;
using CsCheck;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Lcp;
using static Gateway.Tests.Ppp.Lcp.LcpTestKit;

namespace Gateway.Tests.Ppp.Lcp;

/// <summary>
/// BAD-INPUT.md, LCP section: every hostile input is counted and dropped or answered as the RFC says, nothing throws,
/// and LCP still answers a valid Echo-Request afterwards.
/// </summary>
public class LcpBadInputTests
{
    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 9 })]
    [InlineData(new byte[] { 9, 1 })]
    [InlineData(new byte[] { 9, 1, 0 })]
    public void Truncated_packet_is_counted_and_dropped(byte[] packet)
    {
        var (a, _, pump) = OpenedPair();
        Assert.Empty(Inject(pump, a, packet));
        Assert.Equal(1, a.Counters.MalformedPackets);
        AssertAnswersEcho(a);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Length_field_below_the_header_is_counted_and_dropped(int length)
    {
        var (a, _, pump) = OpenedPair();
        Assert.Empty(Inject(pump, a, [9, 1, 0, (byte)length, 0, 0, 0, 0]));
        Assert.Equal(1, a.Counters.MalformedPackets);
        AssertAnswersEcho(a);
    }

    [Fact]
    public void Length_longer_than_the_bytes_is_counted_and_dropped()
    {
        var (a, _, pump) = OpenedPair();
        var echo = Packet(ControlCode.EchoRequest, 1, [.. U32(a.Negotiated!.PeerMagic), 1, 2]);
        echo[3] += 1;
        Assert.Empty(Inject(pump, a, echo));
        Assert.Equal(1, a.Counters.MalformedPackets);
        AssertAnswersEcho(a);
    }

    [Fact]
    public void Length_shorter_than_the_bytes_ignores_the_padding()
    {
        var (a, _, pump) = OpenedPair();
        byte[] padded = [.. Packet(ControlCode.EchoRequest, 1, [.. U32(a.Negotiated!.PeerMagic), 1, 2]), 0xEE, 0xEE, 0xEE];
        var reply = SingleSent(Inject(pump, a, padded), ControlCode.EchoReply);
        Assert.Equal(10, reply.Packet.Length);
        Assert.Equal(1, a.Counters.PaddedPackets);
        AssertAnswersEcho(a);
    }

    [Theory]
    [InlineData(new byte[] { 1, 0 })]
    [InlineData(new byte[] { 1, 1 })]
    [InlineData(new byte[] { 1, 9, 5, 0xDC })]
    [InlineData(new byte[] { 1 })]
    public void Malformed_option_in_a_request_is_rejected_to_the_end_of_the_packet(byte[] badTail)
    {
        var (a, b, pump) = OpenedPair();
        byte[] options = [.. Option(LcpOptionType.MaximumReceiveUnit, U16(1500)), .. badTail];
        var reject = SingleSent(Inject(pump, a, Packet(ControlCode.ConfigureRequest, 77, options)), ControlCode.ConfigureReject);
        Assert.Equal(77, reject.Identifier);
        Assert.Equal(badTail, reject.Packet[4..]);
        Assert.Equal(1, a.Counters.MalformedOptions);
        Assert.Equal(FsmState.Opened, b.State);
        AssertAnswersEcho(a);
    }

    [Theory]
    [InlineData(LcpOptionType.MaximumReceiveUnit, new byte[] { 5 })]
    [InlineData(LcpOptionType.MaximumReceiveUnit, new byte[] { 5, 0xDC, 0 })]
    [InlineData(LcpOptionType.AsyncControlCharacterMap, new byte[] { 0, 0, 0 })]
    [InlineData(LcpOptionType.AsyncControlCharacterMap, new byte[] { 0, 0, 0, 0, 0 })]
    [InlineData(LcpOptionType.MagicNumber, new byte[] { 1, 2, 3 })]
    [InlineData(LcpOptionType.MagicNumber, new byte[] { 1, 2, 3, 4, 5 })]
    [InlineData(LcpOptionType.ProtocolFieldCompression, new byte[] { 1 })]
    [InlineData(LcpOptionType.MultilinkMrru, new byte[] { 5 })]
    [InlineData(LcpOptionType.EndpointDiscriminator, new byte[] { 2, 1, 2, 3 })]
    [InlineData(LcpOptionType.EndpointDiscriminator, new byte[] { 6, 1 })]
    public void Fixed_size_option_of_the_wrong_size_is_rejected(LcpOptionType type, byte[] value)
    {
        var (a, _, pump) = OpenedPair(null, null);
        var bad = Option(type, value);
        var reject = SingleSent(Inject(pump, a, Packet(ControlCode.ConfigureRequest, 5, bad)), ControlCode.ConfigureReject);
        Assert.Equal(bad, reject.Packet[4..]);
        Assert.Equal(1, a.Counters.RejectedOptions);
        AssertAnswersEcho(a);
    }

    [Fact]
    public void Two_mru_options_in_one_request_reject_the_second()
    {
        var (lcp, _) = RequestSent();
        var second = Option(LcpOptionType.MaximumReceiveUnit, U16(1400));
        var reject = SingleSent(lcp.Receive(Packet(ControlCode.ConfigureRequest, 1, [.. Option(LcpOptionType.MaximumReceiveUnit, U16(1500)), .. second])), ControlCode.ConfigureReject);
        Assert.Equal(second, reject.Packet[4..]);
        AssertRecoversAndAnswersEcho(lcp);
    }

    [Fact]
    public void Pap_and_chap_asked_in_one_request_reject_the_second()
    {
        var (lcp, _) = RequestSent();
        var chap = Option(LcpOptionType.AuthenticationProtocol, 0xC2, 0x23, 5);
        var reject = SingleSent(lcp.Receive(Packet(ControlCode.ConfigureRequest, 1, [.. Option(LcpOptionType.AuthenticationProtocol, 0xC0, 0x23), .. chap])), ControlCode.ConfigureReject);
        Assert.Equal(chap, reject.Packet[4..]);
        AssertRecoversAndAnswersEcho(lcp);
    }

    [Fact]
    public void Magic_number_zero_is_naked_with_a_non_zero_number()
    {
        var (lcp, _) = RequestSent();
        var nak = SingleSent(lcp.Receive(Packet(ControlCode.ConfigureRequest, 1, Option(LcpOptionType.MagicNumber, 0, 0, 0, 0))), ControlCode.ConfigureNak);
        Assert.Equal((byte)LcpOptionType.MagicNumber, nak.Packet[4]);
        Assert.NotEqual(0u, BinaryPrimitives.ReadUInt32BigEndian(nak.Packet.AsSpan(6)));
        AssertRecoversAndAnswersEcho(lcp);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(63)]
    public void Mru_below_the_minimum_is_naked_with_our_minimum(int mru)
    {
        var (lcp, _) = RequestSent();
        var nak = SingleSent(lcp.Receive(Packet(ControlCode.ConfigureRequest, 1, Option(LcpOptionType.MaximumReceiveUnit, U16((ushort)mru)))), ControlCode.ConfigureNak);
        Assert.Equal(Option(LcpOptionType.MaximumReceiveUnit, U16(LcpSettings.MinimumMru)), nak.Packet[4..]);
        AssertRecoversAndAnswersEcho(lcp);
    }

    [Fact]
    public void Peer_mru_65535_is_accepted_but_our_replies_stay_within_our_buffers()
    {
        var (a, _, pump) = OpenedPair(null, new LcpSettings { Mru = 65535 });
        Assert.Equal(65535, a.Negotiated!.PeerMru);
        var bigEcho = Packet(ControlCode.EchoRequest, 1, [.. U32(a.Negotiated.PeerMagic), .. new byte[3000]]);
        var reply = SingleSent(Inject(pump, a, bigEcho), ControlCode.EchoReply);
        Assert.Equal(FsmSettings.DefaultMaxPacketSize, reply.Packet.Length);
        var codeReject = SingleSent(Inject(pump, a, Packet(200, 1, new byte[3000])), ControlCode.CodeReject);
        Assert.Equal(FsmSettings.DefaultMaxPacketSize, codeReject.Packet.Length);
        Assert.Equal(2, a.Counters.TruncatedReplies);
        AssertAnswersEcho(a);
    }

    [Fact]
    public void Echo_data_above_the_peer_mru_is_truncated_in_the_reply()
    {
        var (a, _, pump) = OpenedPair(null, new LcpSettings { Mru = 300 });
        var reply = SingleSent(Inject(pump, a, Packet(ControlCode.EchoRequest, 1, [.. U32(a.Negotiated!.PeerMagic), .. new byte[1000]])), ControlCode.EchoReply);
        Assert.Equal(300, reply.Packet.Length);
    }

    [Fact]
    public void Configure_nak_proposing_an_mru_below_64_is_clamped_not_applied()
    {
        var (lcp, request) = RequestSent();
        var outputs = lcp.Receive(Packet(ControlCode.ConfigureNak, request.Identifier, Option(LcpOptionType.MaximumReceiveUnit, U16(10))));
        var next = SingleSent(outputs, ControlCode.ConfigureRequest);
        Assert.Equal(Option(LcpOptionType.MaximumReceiveUnit, U16(LcpSettings.MinimumMru)), next.Packet[4..8]);
        AssertRecoversAndAnswersEcho(lcp);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(25)]
    [InlineData(128)]
    [InlineData(200)]
    public void Unknown_code_is_code_rejected_with_a_fresh_identifier(int code)
    {
        var (a, _, pump) = OpenedPair();
        var unknown = Packet((byte)code, 0x33, 1, 2, 3);
        var first = SingleSent(Inject(pump, a, unknown), ControlCode.CodeReject);
        var second = SingleSent(Inject(pump, a, unknown), ControlCode.CodeReject);
        Assert.Equal(unknown, first.Packet[4..]);
        Assert.NotEqual(first.Identifier, second.Identifier);
        Assert.Equal(2, a.Counters.UnknownCodes);
        AssertAnswersEcho(a);
    }

    [Theory]
    [InlineData(ControlCode.EchoReply)]
    [InlineData(ControlCode.ConfigureRequest)]
    [InlineData(ControlCode.EchoRequest)]
    [InlineData(ControlCode.TerminateAck)]
    public void Code_reject_of_a_code_lcp_needs_is_catastrophic(ControlCode rejected)
    {
        var (a, _, pump) = OpenedPair();
        var outputs = pump.Process(a, a.Receive(Packet(ControlCode.CodeReject, 9, [(byte)rejected, 1, 0, 4])));
        Assert.True(Assert.Single(outputs.OfType<CodeRejectReceived>()).Catastrophic);
        Assert.Equal(FsmState.Stopping, a.State);
        Assert.Contains(outputs, o => o is ThisLayer { Signal: LayerSignal.Down });
        SingleSent(outputs, ControlCode.TerminateRequest);
    }

    [Fact]
    public void Code_reject_of_an_optional_code_is_permitted()
    {
        var (a, _, pump) = OpenedPair();
        var outputs = Inject(pump, a, Packet(ControlCode.CodeReject, 9, [(byte)ControlCode.Identification, 1, 0, 4]));
        Assert.False(Assert.Single(outputs.OfType<CodeRejectReceived>()).Catastrophic);
        AssertAnswersEcho(a);
    }

    [Fact]
    public void Empty_code_reject_is_counted_and_dropped()
    {
        var (a, _, pump) = OpenedPair();
        Assert.Empty(Inject(pump, a, Packet(ControlCode.CodeReject, 9)));
        Assert.Equal(1, a.Counters.MalformedPackets);
        AssertAnswersEcho(a);
    }

    [Fact]
    public void Configure_request_storm_naks_max_failure_times_then_rejects()
    {
        var (lcp, _) = RequestSent();
        var codes = new List<ControlCode>();
        for (var id = 1; id <= 12; id++)
        {
            var outputs = lcp.Receive(Packet(ControlCode.ConfigureRequest, (byte)id, Option(LcpOptionType.MaximumReceiveUnit, U16(10))));
            codes.Add(Assert.Single(outputs.OfType<SendControlPacket>()).Code);
        }
        Assert.Equal(Enumerable.Repeat(ControlCode.ConfigureNak, FsmSettings.DefaultMaxFailure), codes.Take(FsmSettings.DefaultMaxFailure));
        Assert.All(codes.Skip(FsmSettings.DefaultMaxFailure), c => Assert.Equal(ControlCode.ConfigureReject, c));
        Assert.Equal(12 - FsmSettings.DefaultMaxFailure, lcp.Counters.NaksConvertedToRejects);
        Assert.Equal(FsmState.ReqSent, lcp.State);
        AssertRecoversAndAnswersEcho(lcp);
    }

    [Fact]
    public void Configure_ack_with_the_wrong_identifier_is_counted_and_dropped()
    {
        var (lcp, request) = RequestSent();
        Assert.Empty(lcp.Receive(Packet(ControlCode.ConfigureAck, (byte)(request.Identifier + 1), request.Packet[4..])));
        Assert.Equal(1, lcp.Counters.UnexpectedIdentifiers);
        Assert.Equal(FsmState.ReqSent, lcp.State);
        AssertRecoversAndAnswersEcho(lcp);
    }

    [Fact]
    public void Configure_ack_with_changed_options_is_counted_and_dropped()
    {
        var (lcp, request) = RequestSent();
        var changed = request.Packet[4..];
        changed[3] ^= 0xFF; // the MRU value
        Assert.Empty(lcp.Receive(Packet(ControlCode.ConfigureAck, request.Identifier, changed)));
        Assert.Equal(1, lcp.Counters.MismatchedReplies);
        Assert.Equal(FsmState.ReqSent, lcp.State);
        AssertRecoversAndAnswersEcho(lcp);
    }

    [Fact]
    public void Configure_ack_with_reordered_options_is_counted_and_dropped()
    {
        var (lcp, request) = RequestSent();
        var options = request.Packet[4..];
        var first = options[..options[1]];
        byte[] reordered = [.. options[options[1]..], .. first];
        Assert.Empty(lcp.Receive(Packet(ControlCode.ConfigureAck, request.Identifier, reordered)));
        Assert.Equal(1, lcp.Counters.MismatchedReplies);
        AssertRecoversAndAnswersEcho(lcp);
    }

    [Theory]
    [InlineData(ControlCode.ConfigureAck)]
    [InlineData(ControlCode.ConfigureNak)]
    [InlineData(ControlCode.ConfigureReject)]
    public void Empty_ack_nak_or_reject_is_counted_and_dropped(ControlCode code)
    {
        var (lcp, request) = RequestSent();
        Assert.Empty(lcp.Receive(Packet(code, request.Identifier)));
        Assert.Equal(1, lcp.Counters.MismatchedReplies);
        Assert.Equal(FsmState.ReqSent, lcp.State);
        AssertRecoversAndAnswersEcho(lcp);
    }

    [Fact]
    public void Configure_reject_of_an_option_we_did_not_send_is_counted_and_dropped()
    {
        var (lcp, request) = RequestSent();
        Assert.Empty(lcp.Receive(Packet(ControlCode.ConfigureReject, request.Identifier, Option(LcpOptionType.MultilinkMrru, U16(1500)))));
        Assert.Equal(1, lcp.Counters.MismatchedReplies);
        AssertRecoversAndAnswersEcho(lcp);
    }

    [Fact]
    public void Configure_reject_in_a_different_order_is_counted_and_dropped()
    {
        var (lcp, request) = RequestSent();
        var options = request.Packet[4..];
        var first = options[..options[1]];
        var second = options[options[1]..(options[1] + options[options[1] + 1])];
        Assert.Empty(lcp.Receive(Packet(ControlCode.ConfigureReject, request.Identifier, [.. second, .. first])));
        Assert.Equal(1, lcp.Counters.MismatchedReplies);
        AssertRecoversAndAnswersEcho(lcp);
    }

    [Fact]
    public void A_second_ack_for_the_same_request_is_counted_and_dropped()
    {
        var (lcp, request) = RequestSent();
        var ack = Packet(ControlCode.ConfigureAck, request.Identifier, request.Packet[4..]);
        lcp.Receive(ack);
        Assert.Equal(FsmState.AckRcvd, lcp.State);
        Assert.Empty(lcp.Receive(ack));
        Assert.Equal(FsmState.AckRcvd, lcp.State);
        Assert.Equal(1, lcp.Counters.UnexpectedIdentifiers);
        AssertRecoversAndAnswersEcho(lcp);
    }

    [Theory]
    [InlineData(ControlCode.ConfigureAck)]
    [InlineData(ControlCode.ConfigureNak)]
    [InlineData(ControlCode.ConfigureReject)]
    public void Unsolicited_ack_nak_or_reject_in_opened_is_counted_and_lcp_stays_up(ControlCode code)
    {
        var (a, _, pump) = OpenedPair();
        Assert.Empty(Inject(pump, a, Packet(code, 200, Option(LcpOptionType.MaximumReceiveUnit, U16(1500)))));
        Assert.Equal(1, a.Counters.UnexpectedIdentifiers);
        AssertAnswersEcho(a);
    }

    [Fact]
    public void Protocol_reject_of_lcp_brings_the_link_down()
    {
        var (a, _, pump) = OpenedPair();
        var outputs = pump.Process(a, a.Receive(Packet(ControlCode.ProtocolReject, 4, [0xC0, 0x21, 1, 1, 0, 4])));
        Assert.Equal(FsmState.Stopping, a.State);
        Assert.Contains(outputs, o => o is ThisLayer { Signal: LayerSignal.Down });
        Assert.Empty(outputs.OfType<ProtocolRejected>());
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0xC0 })]
    public void Protocol_reject_shorter_than_six_bytes_is_ignored(byte[] data)
    {
        var (a, _, pump) = OpenedPair();
        Assert.Empty(Inject(pump, a, Packet(ControlCode.ProtocolReject, 4, data)));
        Assert.Equal(1, a.Counters.MalformedPackets);
        AssertAnswersEcho(a);
    }

    [Fact]
    public void Echo_request_with_a_wrong_magic_gets_no_reply()
    {
        var (a, _, pump) = OpenedPair();
        Assert.Empty(Inject(pump, a, Packet(ControlCode.EchoRequest, 1, [.. U32(a.Negotiated!.PeerMagic + 1), 1])));
        Assert.Equal(1, a.Counters.BadEchoes);
        AssertAnswersEcho(a);
    }

    [Fact]
    public void Echo_request_with_a_zero_magic_after_magic_was_negotiated_gets_no_reply()
    {
        var (a, _, pump) = OpenedPair();
        Assert.Empty(Inject(pump, a, Packet(ControlCode.EchoRequest, 1, 0, 0, 0, 0)));
        Assert.Equal(1, a.Counters.BadEchoes);
        AssertAnswersEcho(a);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void Echo_request_shorter_than_eight_bytes_gets_no_reply(int dataLength)
    {
        var (a, _, pump) = OpenedPair();
        Assert.Empty(Inject(pump, a, Packet(ControlCode.EchoRequest, 1, U32(a.Negotiated!.PeerMagic)[..dataLength])));
        Assert.Equal(1, a.Counters.BadEchoes);
        AssertAnswersEcho(a);
    }

    [Fact]
    public void Echo_request_outside_opened_is_discarded()
    {
        var (lcp, _) = RequestSent();
        Assert.Empty(lcp.Receive(Packet(ControlCode.EchoRequest, 1, 0, 0, 0, 0)));
        Assert.Equal(1, lcp.Counters.DiscardedOutsideOpened);
        AssertRecoversAndAnswersEcho(lcp);
    }

    [Fact]
    public void Echo_reply_with_a_wrong_magic_is_counted_not_reported()
    {
        var (a, _, pump) = OpenedPair();
        Assert.Empty(Inject(pump, a, Packet(ControlCode.EchoReply, 1, [.. U32(a.LocalMagic), 1])));
        Assert.Equal(1, a.Counters.BadEchoes);
        AssertAnswersEcho(a);
    }

    [Fact]
    public void Configure_request_in_starting_is_an_illegal_event_counted_and_dropped()
    {
        var lcp = new LinkControlProtocol();
        lcp.Open();
        Assert.Empty(lcp.Receive(Packet(ControlCode.ConfigureRequest, 1)));
        Assert.Equal(1, lcp.Counters.IllegalEvents);
        Assert.Equal(FsmState.Starting, lcp.State);
    }

    [Fact]
    public void Random_bytes_never_throw_and_every_packet_sent_fits_the_reply_limit()
    {
        var (a, _, _) = OpenedPair(null, new LcpSettings { Mru = 200 });
        Gen.Byte.Array[0, 400].Sample(bytes =>
        {
            foreach (var output in a.Receive(bytes))
            {
                if (output is SendControlPacket send)
                    Assert.True(send.Packet.Length <= Math.Max(a.ReplyLimit, 200), $"{send} exceeds the limit");
            }
        }, iter: 2000);
    }

    [Fact]
    public void Random_packets_with_a_valid_header_never_throw_and_lcp_recovers()
    {
        var gen = Gen.Select(Gen.Byte[0, 15], Gen.Byte, Gen.Byte.Array[0, 64]);
        gen.Sample((code, id, data) =>
        {
            var (a, _, pump) = OpenedPair();
            Inject(pump, a, Packet(code, id, data));
            if (a.State != FsmState.Opened)
            {
                pump.Process(a, a.Open());
                pump.Process(pump.B, pump.B.Open());
                pump.Run();
            }
            if (a.State == FsmState.Opened)
                AssertAnswersEcho(a);
        }, iter: 300);
    }
}
