using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Framing;
using static Gateway.Tests.Ppp.Framing.FramingTestKit;

namespace Gateway.Tests.Ppp.Framing;

/// <summary>The decoder against the Framing section of BAD-INPUT.md, and its documented receive policy.</summary>
public class HdlcDecoderTests
{
    private const ushort Lcp = (ushort)PppProtocol.Lcp;
    private const ushort Ip = (ushort)PppProtocol.Ip;

    [Fact]
    public void Decodes_an_encoded_frame()
    {
        var decoder = new HdlcDecoder();
        byte[] wire = EncodeEchoRequest();
        Assert.Equal([new DecodedFrame(Lcp, EchoRequest)], DecodeAll(decoder, wire));
        FramingCounters counters = decoder.Counters;
        Assert.Equal(1, counters.FramesIn);
        Assert.Equal(wire.Length, counters.OctetsIn);
        Assert.Equal(wire.Length - 1, counters.GoodOctets); // the opening flag is idle fill, the closing one belongs to the frame
        Assert.Equal(0, counters.InErrors);
    }

    [Theory]
    [InlineData("7E 41 7E")]
    [InlineData("7E 41 42 7E")]
    [InlineData("7E FF 7D 23 C0 7E")]
    [InlineData("7E 21 7D 5E 7E")]
    public void Frames_of_one_to_three_octets_are_counted_as_runts_and_dropped(string hex)
    {
        var decoder = new HdlcDecoder();
        Assert.Empty(DecodeAll(decoder, Hex(hex)));
        Assert.Equal(1, decoder.Counters.Runts);
        Assert.Equal(0, decoder.Counters.FramesIn);
        AssertStillDecodesEchoRequest(decoder);
    }

    [Theory]
    [InlineData("7E 00 00 7E")]
    [InlineData("7E 7D 20 00 7E")]
    public void An_empty_frame_with_a_valid_fcs_is_a_runt(string hex)
    {
        Assert.Equal(0x0000, Fcs16.Compute([])); // so 00 00 really is the FCS of nothing
        var decoder = new HdlcDecoder { ReceiveAccm = 0 };
        Assert.Empty(DecodeAll(decoder, Hex(hex)));
        Assert.Equal(1, decoder.Counters.Runts);
        Assert.Equal(0, decoder.Counters.BadFcs);
        AssertStillDecodesEchoRequest(decoder);
    }

    [Theory]
    [InlineData("7E 00 00 7E", 2, 0)] // both NULs are line noise under the default ACCM: nothing is left, idle fill
    [InlineData("7E 7D 20 00 7E", 1, 1)] // the escaped NUL stays, the bare one goes: a one-octet runt
    public void An_empty_frame_under_the_default_receive_accm_loses_its_bare_nuls(string hex, int discarded, int runts)
    {
        var decoder = new HdlcDecoder();
        Assert.Empty(DecodeAll(decoder, Hex(hex)));
        Assert.Equal(discarded, decoder.Counters.DiscardedControlCharacters);
        Assert.Equal(runts, decoder.Counters.Runts);
        AssertStillDecodesEchoRequest(decoder);
    }

    [Fact]
    public void Flags_with_nothing_between_them_are_idle_fill_not_errors()
    {
        var decoder = new HdlcDecoder();
        Assert.Empty(DecodeAll(decoder, Hex("7E 7E 7E 7E")));
        Assert.Equal(0, decoder.Counters.InErrors);
        Assert.Equal(4, decoder.Counters.OctetsIn);
    }

    [Fact]
    public void One_flag_then_100_KB_without_another_keeps_the_buffer_bounded_and_resynchronises_on_the_next_flag()
    {
        var decoder = new HdlcDecoder();
        var noise = new byte[100 * 1024];
        new Random(1).NextBytes(noise);
        for (int i = 0; i < noise.Length; i++)
        {
            if (noise[i] is Hdlc.Flag)
                noise[i] = 0x55;
        }

        Assert.Empty(DecodeAll(decoder, [Hdlc.Flag]));
        for (int offset = 0; offset < noise.Length; offset += 1000)
        {
            Assert.Empty(DecodeAll(decoder, noise[offset..Math.Min(offset + 1000, noise.Length)]));
            Assert.InRange(decoder.BufferedLength, 0, decoder.MaxFrameLength);
        }

        Assert.Equal(1, decoder.Counters.TooLong);
        Assert.Equal([new DecodedFrame(Lcp, EchoRequest)], DecodeAll(decoder, EncodeEchoRequest()));
        Assert.Equal(1, decoder.Counters.TooLong);
        Assert.Equal(1 + noise.Length + 1, decoder.Counters.ErrorOctets + 1); // noise and the flag that ended it, not the idle opening flag
    }

    [Fact]
    public void A_frame_just_over_the_maximum_is_dropped_and_one_at_the_maximum_is_kept()
    {
        var decoder = new HdlcDecoder(64) { ReceiveAccm = 0 };
        var encoder = new HdlcEncoder { SendAccm = 0 };
        byte[] fits = new byte[64 - 4 - 2];
        byte[] tooLong = new byte[fits.Length + 1];
        List<DecodedFrame> frames = DecodeAll(decoder, Encode(encoder, Ip, tooLong), Encode(encoder, Ip, fits));
        Assert.Equal([new DecodedFrame(Ip, fits)], frames);
        Assert.Equal(1, decoder.Counters.TooLong);
    }

    [Fact]
    public void A_bad_fcs_is_counted_and_the_frame_dropped()
    {
        var decoder = new HdlcDecoder();
        byte[] wire = EncodeEchoRequest();
        wire[6] ^= 0x01; // inside the information field, not an escape
        Assert.Empty(DecodeAll(decoder, wire));
        Assert.Equal(1, decoder.Counters.BadFcs);
        Assert.Equal(wire.Length - 1, decoder.Counters.ErrorOctets);
        AssertStillDecodesEchoRequest(decoder);
    }

    [Fact]
    public void With_acfc_and_pfc_the_fcs_covers_the_compressed_frame()
    {
        byte[] packet = IcmpEchoPacket();
        var encoder = new HdlcEncoder { Compression = PppHeaderCompression.Both };
        Assert.Equal([new DecodedFrame(Ip, packet)], DecodeAll(Encode(encoder, Ip, packet)));

        // The same compressed frame with an FCS computed over the uncompressed header must fail.
        ushort wrongFcs = Fcs16.Compute([0xFF, 0x03, 0x00, 0x21, .. packet]);
        byte[] wrong = [0x21, .. packet, (byte)wrongFcs, (byte)(wrongFcs >> 8)];
        var decoder = new HdlcDecoder { ReceiveAccm = 0 };
        Assert.Empty(DecodeAll(decoder, [Hdlc.Flag, .. Stuff(wrong), Hdlc.Flag]));
        Assert.Equal(1, decoder.Counters.BadFcs);
    }

    [Fact]
    public void Control_escape_then_flag_aborts_the_frame_and_the_flag_starts_the_next()
    {
        var decoder = new HdlcDecoder();
        byte[] wire = EncodeEchoRequest();
        byte[] aborted = [.. wire[..8], Hdlc.ControlEscape, Hdlc.Flag];
        // The echo request's own opening flag is dropped: the abort's flag must serve as its opening flag.
        List<DecodedFrame> frames = DecodeAll(decoder, [.. aborted, .. wire[1..]]);
        Assert.Equal([new DecodedFrame(Lcp, EchoRequest)], frames);
        Assert.Equal(1, decoder.Counters.Aborts);
        Assert.Equal(0, decoder.Counters.BadFcs);
    }

    [Fact]
    public void Control_escape_as_the_last_octet_of_a_read_is_resumed_in_the_next_read()
    {
        var encoder = new HdlcEncoder { SendAccm = 0 };
        byte[] information = [0x10, 0x7E, 0x20, 0x7D, 0x30];
        byte[] wire = Encode(encoder, Ip, information);
        int escapeAt = Array.IndexOf(wire, Hdlc.ControlEscape);
        var decoder = new HdlcDecoder { ReceiveAccm = 0 };
        List<DecodedFrame> frames = DecodeAll(decoder, wire[..(escapeAt + 1)], wire[(escapeAt + 1)..]);
        Assert.Equal([new DecodedFrame(Ip, information)], frames);
    }

    [Fact]
    public void Control_escape_as_the_last_octet_then_a_flag_in_the_next_read_is_an_abort()
    {
        var decoder = new HdlcDecoder();
        byte[] wire = EncodeEchoRequest();
        Assert.Empty(DecodeAll(decoder, [.. wire[..8], Hdlc.ControlEscape]));
        Assert.Equal([new DecodedFrame(Lcp, EchoRequest)], DecodeAll(decoder, [Hdlc.Flag, .. wire[1..]]));
        Assert.Equal(1, decoder.Counters.Aborts);
    }

    [Fact]
    public void An_escaped_flag_inside_the_data_is_a_0x7E_data_octet()
    {
        byte[] content = [0x00, 0x21, 0x7E, 0x7E, 0x01];
        ushort fcs = Fcs16.Compute(content);
        byte[] wire = [0x7E, 0x00, 0x21, 0x7D, 0x5E, 0x7D, 0x5E, 0x01, (byte)fcs, (byte)(fcs >> 8), 0x7E];
        var decoder = new HdlcDecoder { ReceiveAccm = 0 };
        Assert.Equal([new DecodedFrame(Ip, [0x7E, 0x7E, 0x01])], DecodeAll(decoder, StuffFcsOnly(wire)));
    }

    [Fact]
    public void Unescaped_control_characters_in_the_receive_accm_are_removed()
    {
        byte[] wire = EncodeEchoRequest();
        // XON and XOFF injected by a modem in the middle of the frame, and between an escape and its octet.
        int escapeAt = Array.IndexOf(wire, Hdlc.ControlEscape, 5);
        byte[] noisy = [.. wire[..4], 0x11, .. wire[4..escapeAt], Hdlc.ControlEscape, 0x13, .. wire[(escapeAt + 1)..]];
        var decoder = new HdlcDecoder(); // receive ACCM all ones until LCP says otherwise
        Assert.Equal([new DecodedFrame(Lcp, EchoRequest)], DecodeAll(decoder, noisy));
        Assert.Equal(2, decoder.Counters.DiscardedControlCharacters);
    }

    [Fact]
    public void Unescaped_control_characters_outside_the_receive_accm_are_data()
    {
        var encoder = new HdlcEncoder { SendAccm = 0 };
        byte[] information = [0x00, 0x11, 0x13, 0x1F];
        var decoder = new HdlcDecoder { ReceiveAccm = 0x000A0000 }; // only XON and XOFF mapped
        byte[] wire = Encode(encoder, Ip, information);
        Assert.Empty(DecodeAll(decoder, wire)); // 0x11 and 0x13 arrived unescaped: removed, so the FCS fails
        Assert.Equal(2, decoder.Counters.DiscardedControlCharacters);
        Assert.Equal(1, decoder.Counters.BadFcs);

        var lenient = new HdlcDecoder { ReceiveAccm = 0 };
        Assert.Equal([new DecodedFrame(Ip, information)], DecodeAll(lenient, wire));
    }

    [Fact]
    public void Missing_address_and_control_and_a_one_octet_protocol_are_accepted_though_not_negotiated()
    {
        // Policy (see PppHeader): accept compressed headers always; LTE modems send them and pppd takes them.
        byte[] packet = IcmpEchoPacket();
        var decoder = new HdlcDecoder();
        byte[] wire = Encode(new HdlcEncoder { Compression = PppHeaderCompression.Both }, Ip, packet);
        ReadOnlySpan<byte> input = wire;
        Assert.True(decoder.TryReadFrame(ref input, out PppFrame frame));
        Assert.Equal(Ip, frame.Protocol);
        Assert.True(frame.AddressControlOmitted);
        Assert.True(frame.ProtocolCompressed);
        Assert.True(frame.Information.SequenceEqual(packet));
    }

    [Fact]
    public void An_address_octet_not_followed_by_the_ui_control_octet_is_a_bad_header()
    {
        byte[] content = [0xFF, 0x13, 0x00, 0x21, 0x45];
        ushort fcs = Fcs16.Compute(content);
        var decoder = new HdlcDecoder { ReceiveAccm = 0 };
        Assert.Empty(DecodeAll(decoder, [0x7E, .. content, (byte)fcs, (byte)(fcs >> 8), 0x7E]));
        Assert.Equal(1, decoder.Counters.BadHeaders);
        AssertStillDecodesEchoRequest(decoder);
    }

    [Fact]
    public void A_protocol_that_breaks_the_rfc1661_bit_rules_is_delivered_for_protocol_reject()
    {
        var decoder = new HdlcDecoder();
        Assert.Equal([new DecodedFrame(0x3030, [0x01])], DecodeAll(decoder, Encode(0x3030, [0x01])));
    }

    [Fact]
    public void A_frame_without_an_opening_flag_decodes_and_its_closing_flag_opens_the_next()
    {
        byte[] first = EncodeEchoRequest();
        byte[] second = Encode(Ip, IcmpEchoPacket());
        // slirp style: no opening flags at all, only closing ones.
        List<DecodedFrame> frames = DecodeAll(new HdlcDecoder(), [.. first[1..], .. second[1..]]);
        Assert.Equal([new DecodedFrame(Lcp, EchoRequest), new DecodedFrame(Ip, IcmpEchoPacket())], frames);
    }

    [Fact]
    public void Fcs32_frames_decode_with_a_decoder_set_to_fcs32_and_fail_with_one_set_to_fcs16()
    {
        byte[] wire = Encode(new HdlcEncoder { Fcs = FcsKind.Fcs32 }, Lcp, EchoRequest);
        Assert.Equal([new DecodedFrame(Lcp, EchoRequest)], DecodeAll(new HdlcDecoder { Fcs = FcsKind.Fcs32 }, wire));
        var fcs16 = new HdlcDecoder();
        Assert.Empty(DecodeAll(fcs16, wire));
        Assert.Equal(1, fcs16.Counters.BadFcs);
    }

    [Fact]
    public void A_compressed_protocol_field_with_no_information_is_below_the_rfc1662_minimum_and_dropped()
    {
        var decoder = new HdlcDecoder();
        byte[] wire = Encode(new HdlcEncoder { Compression = PppHeaderCompression.Both }, Ip, []);
        Assert.Empty(DecodeAll(decoder, wire));
        Assert.Equal(1, decoder.Counters.Runts);
        Assert.Equal([new DecodedFrame(Ip, [0x45])], DecodeAll(decoder, Encode(new HdlcEncoder { Compression = PppHeaderCompression.Both }, Ip, [0x45])));
    }

    [Fact]
    public void Fcs32_runts_are_frames_under_six_octets()
    {
        var decoder = new HdlcDecoder { Fcs = FcsKind.Fcs32, ReceiveAccm = 0 };
        Assert.Empty(DecodeAll(decoder, Hex("7E 21 00 00 00 00 7E")));
        Assert.Equal(1, decoder.Counters.Runts);
    }

    [Fact]
    public void Reset_forgets_a_partial_frame()
    {
        var decoder = new HdlcDecoder();
        byte[] wire = EncodeEchoRequest();
        Assert.Empty(DecodeAll(decoder, wire[..6]));
        Assert.True(decoder.BufferedLength > 0);
        decoder.Reset();
        Assert.Equal(0, decoder.BufferedLength);
        Assert.Equal([new DecodedFrame(Lcp, EchoRequest)], DecodeAll(decoder, wire));
    }

    [Fact]
    public void Every_frame_that_ends_is_counted_exactly_once()
    {
        var decoder = new HdlcDecoder();
        byte[] good = EncodeEchoRequest();
        byte[] bad = EncodeEchoRequest();
        bad[7] ^= 0x40;
        DecodeAll(decoder, good, Hex("7E 41 7E"), bad, Hex("7E 41 42 43 7D 7E"), good);
        FramingCounters c = decoder.Counters;
        Assert.Equal(2, c.FramesIn);
        Assert.Equal(3, c.InErrors);
        Assert.Equal((1, 1, 1), (c.Runts, c.BadFcs, c.Aborts));
        Assert.Equal(c.OctetsIn, c.GoodOctets + c.ErrorOctets + 5); // five idle opening flags
    }

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    private static byte[] Stuff(ReadOnlySpan<byte> content)
    {
        var output = new List<byte>();
        foreach (byte b in content)
        {
            if (b is 0x7D or 0x7E)
                output.AddRange([0x7D, (byte)(b ^ 0x20)]);
            else
                output.Add(b);
        }

        return output.ToArray();
    }

    // The hand-built frame above already has its escapes; only FCS octets that happen to be 7D/7E need stuffing.
    private static byte[] StuffFcsOnly(byte[] wire) => [.. wire[..8], .. Stuff(wire.AsSpan(8, 2)), 0x7E];
}
