using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Framing;
using static Gateway.Tests.Ppp.Framing.FramingTestKit;

namespace Gateway.Tests.Ppp.Framing;

public class HdlcEncoderTests
{
    private const ushort Lcp = (ushort)PppProtocol.Lcp;
    private const ushort Ip = (ushort)PppProtocol.Ip;

    [Fact]
    public void Encodes_a_frame_as_flag_header_information_fcs_flag()
    {
        byte[] encoded = Encode(Lcp, [0x09, 0x01, 0x00, 0x04]);
        ushort fcs = Fcs16.Compute([0xFF, 0x03, 0xC0, 0x21, 0x09, 0x01, 0x00, 0x04]);
        byte[] expectedContent = [0xFF, 0x03, 0xC0, 0x21, 0x09, 0x01, 0x00, 0x04, (byte)fcs, (byte)(fcs >> 8)];
        Assert.Equal(Hdlc.Flag, encoded[0]);
        Assert.Equal(Hdlc.Flag, encoded[^1]);
        Assert.Equal(expectedContent, Unstuff(encoded));
        // FF, then 03 escaped by the default ACCM.
        Assert.Equal(new byte[] { 0x7E, 0xFF, 0x7D, 0x23, 0xC0, 0x21, 0x7D, 0x29, 0x7D, 0x21, 0x7D, 0x20, 0x7D, 0x24 }, encoded[..14]);
    }

    [Fact]
    public void Lcp_goes_with_full_header_and_every_control_character_escaped_whatever_was_negotiated()
    {
        var encoder = new HdlcEncoder { SendAccm = 0, Compression = PppHeaderCompression.Both };
        byte[] encoded = Encode(encoder, Lcp, ConfigureRequest);
        Assert.Equal(new byte[] { 0x7E, 0xFF, 0x7D, 0x23, 0xC0, 0x21 }, encoded[..6]);
        Assert.DoesNotContain(encoded, b => b < 0x20);
        Assert.Equal([0xFF, 0x03, 0xC0, 0x21, .. ConfigureRequest], Unstuff(encoded)[..^2]);
    }

    [Fact]
    public void Ip_uses_address_control_and_protocol_compression_only_when_negotiated()
    {
        byte[] packet = IcmpEchoPacket();
        Assert.Equal([0xFF, 0x03, 0x00, 0x21, .. packet], Unstuff(Encode(new HdlcEncoder(), Ip, packet))[..^2]);
        Assert.Equal([0x00, 0x21, .. packet], Unstuff(Encode(new HdlcEncoder { Compression = PppHeaderCompression.AddressControl }, Ip, packet))[..^2]);
        Assert.Equal([0xFF, 0x03, 0x21, .. packet], Unstuff(Encode(new HdlcEncoder { Compression = PppHeaderCompression.Protocol }, Ip, packet))[..^2]);
        Assert.Equal([0x21, .. packet], Unstuff(Encode(new HdlcEncoder { Compression = PppHeaderCompression.Both }, Ip, packet))[..^2]);
    }

    [Fact]
    public void Protocol_field_compression_never_shortens_a_protocol_above_0xFF()
    {
        var encoder = new HdlcEncoder { Compression = PppHeaderCompression.Both };
        Assert.Equal([0x80, 0x21, 0x01], Unstuff(Encode(encoder, (ushort)PppProtocol.Ipcp, [0x01]))[..^2]);
    }

    [Fact]
    public void Send_accm_zero_leaves_control_characters_alone_but_always_escapes_flag_and_control_escape()
    {
        var encoder = new HdlcEncoder { SendAccm = 0, Compression = PppHeaderCompression.Both };
        byte[] information = [.. Enumerable.Range(0, 0x20).Select(i => (byte)i), 0x7D, 0x7E];
        byte[] encoded = Encode(encoder, Ip, information);
        byte[] expectedStart = [0x7E, 0x21, .. Enumerable.Range(0, 0x20).Select(i => (byte)i), 0x7D, 0x5D, 0x7D, 0x5E];
        Assert.Equal(expectedStart, encoded[..expectedStart.Length]);
    }

    [Fact]
    public void Send_accm_bits_choose_which_control_characters_are_escaped()
    {
        // XON (0x11) and XOFF (0x13), the classic asyncmap 000a0000.
        var encoder = new HdlcEncoder { SendAccm = 0x000A0000, Compression = PppHeaderCompression.Both };
        byte[] encoded = Encode(encoder, Ip, [0x10, 0x11, 0x12, 0x13, 0x14]);
        Assert.Equal(new byte[] { 0x7E, 0x21, 0x10, 0x7D, 0x31, 0x12, 0x7D, 0x33, 0x14 }, encoded[..9]);
    }

    [Fact]
    public void Fcs32_appends_four_octets_that_leave_the_fcs32_residue()
    {
        var encoder = new HdlcEncoder { Fcs = FcsKind.Fcs32 };
        byte[] content = Unstuff(Encode(encoder, Lcp, EchoRequest));
        Assert.Equal(4 + EchoRequest.Length + 4, content.Length);
        Assert.True(Fcs32.IsGood(content));
    }

    [Fact]
    public void Max_encoded_length_holds_a_frame_where_every_octet_is_escaped()
    {
        var encoder = new HdlcEncoder { Fcs = FcsKind.Fcs32 };
        byte[] information = Enumerable.Repeat((byte)0x7E, 1500).ToArray();
        var destination = new byte[HdlcEncoder.MaxEncodedLength(information.Length)];
        Assert.True(encoder.TryEncode(Lcp, information, destination, out int written));
        Assert.InRange(written, 2 + 5 + 3000 + 2, destination.Length);
        var decoder = new HdlcDecoder(2000) { Fcs = FcsKind.Fcs32 };
        Assert.Equal([new DecodedFrame(Lcp, information)], DecodeAll(decoder, destination[..written]));
    }

    [Fact]
    public void Too_small_a_destination_is_refused_and_not_counted()
    {
        var encoder = new HdlcEncoder();
        var destination = new byte[10];
        Assert.False(encoder.TryEncode(Lcp, EchoRequest, destination, out int written));
        Assert.Equal(0, written);
        Assert.Equal(0, encoder.FramesOut);
        Assert.Throws<ArgumentException>(() => encoder.Encode(Lcp, EchoRequest, destination));
    }

    [Fact]
    public void Counts_frames_and_octets_sent()
    {
        var encoder = new HdlcEncoder();
        int first = Encode(encoder, Lcp, EchoRequest).Length;
        int second = Encode(encoder, Ip, IcmpEchoPacket()).Length;
        Assert.Equal(2, encoder.FramesOut);
        Assert.Equal(first + second, encoder.OctetsOut);
    }

    [Fact]
    public void Encoding_and_decoding_allocate_nothing_per_frame()
    {
        var encoder = new HdlcEncoder { Compression = PppHeaderCompression.Both, SendAccm = 0 };
        var decoder = new HdlcDecoder { ReceiveAccm = 0 };
        byte[] information = new byte[1500];
        new Random(7).NextBytes(information);
        var wire = new byte[HdlcEncoder.MaxEncodedLength(information.Length)];
        long decoded = 0;

        void RoundTrip()
        {
            int written = encoder.Encode(Ip, information, wire);
            ReadOnlySpan<byte> input = wire.AsSpan(0, written);
            while (decoder.TryReadFrame(ref input, out PppFrame frame))
                decoded += frame.Information.Length;
        }

        RoundTrip();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
            RoundTrip();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(1001 * 1500, decoded);
    }
}
