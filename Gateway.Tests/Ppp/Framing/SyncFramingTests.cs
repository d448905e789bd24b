using CsCheck;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Framing;
using static Gateway.Tests.Ppp.Framing.FramingTestKit;

namespace Gateway.Tests.Ppp.Framing;

public class SyncFramingTests
{
    private const ushort Lcp = (ushort)PppProtocol.Lcp;
    private const ushort Ip = (ushort)PppProtocol.Ip;

    [Fact]
    public void Encodes_address_control_protocol_and_information_with_no_flags_escapes_or_fcs()
    {
        var destination = new byte[SyncFrameEncoder.MaxEncodedLength(EchoRequest.Length)];
        int written = SyncFrameEncoder.Encode(PppProtocol.Lcp, EchoRequest, destination);
        Assert.Equal([0xFF, 0x03, 0xC0, 0x21, .. EchoRequest], destination[..written]);
    }

    [Fact]
    public void Compresses_only_what_was_negotiated_and_never_lcp()
    {
        var destination = new byte[64];
        int written = SyncFrameEncoder.Encode(Ip, [0x45], destination, PppHeaderCompression.Both);
        Assert.Equal(new byte[] { 0x21, 0x45 }, destination[..written]);
        written = SyncFrameEncoder.Encode(Lcp, EchoRequest, destination, PppHeaderCompression.Both);
        Assert.Equal([0xFF, 0x03, 0xC0, 0x21, .. EchoRequest], destination[..written]);
    }

    [Fact]
    public void Refuses_a_destination_too_small()
    {
        Assert.False(SyncFrameEncoder.TryEncode(Lcp, EchoRequest, new byte[11], out int written));
        Assert.Equal(0, written);
    }

    [Theory]
    [InlineData("FF03C02109010008", "C021")]
    [InlineData("FF03002145", "0021")]
    [InlineData("002145", "0021")]
    [InlineData("FF032145", "0021")]
    [InlineData("2145", "0021")]
    [InlineData("C021", "C021")]
    [InlineData("FF033D", "003D")]
    public void Accepts_full_and_compressed_headers(string hex, string protocol)
    {
        byte[] datagram = Convert.FromHexString(hex);
        var decoder = new SyncFrameDecoder();
        Assert.True(decoder.TryDecode(datagram, out PppFrame frame));
        Assert.Equal(Convert.ToUInt16(protocol, 16), frame.Protocol);
        Assert.Equal(1, decoder.Counters.FramesIn);
    }

    [Theory]
    [InlineData("", nameof(FramingCounters.Runts))]
    [InlineData("FF", nameof(FramingCounters.Runts))]
    [InlineData("FF03", nameof(FramingCounters.Runts))]
    [InlineData("FF0380", nameof(FramingCounters.Runts))]
    [InlineData("80", nameof(FramingCounters.Runts))]
    [InlineData("FF0580", nameof(FramingCounters.BadHeaders))]
    [InlineData("FFFF0021", nameof(FramingCounters.BadHeaders))]
    public void Counts_and_drops_datagrams_too_short_or_malformed(string hex, string counter)
    {
        byte[] datagram = Convert.FromHexString(hex);
        var decoder = new SyncFrameDecoder();
        Assert.False(decoder.TryDecode(datagram, out _));
        FramingCounters c = decoder.Counters;
        Assert.Equal(1, counter == nameof(FramingCounters.Runts) ? c.Runts : c.BadHeaders);
        Assert.Equal(1, c.InErrors);
        Assert.Equal(datagram.Length, c.ErrorOctets);
        Assert.True(decoder.TryDecode([0xFF, 0x03, 0xC0, 0x21, .. EchoRequest], out PppFrame echo));
        Assert.Equal(Lcp, echo.Protocol);
    }

    [Fact]
    public void Encode_then_decode_is_the_identity() =>
        Gen.Select(Gen.UShort, Gen.Byte.Array[0, 200], Gen.Int[0, 3]).Sample((protocol, information, compression) =>
        {
            protocol = (ushort)((protocol & 0xFEFF) | 0x0001); // a well-formed protocol number (RFC 1661 section 2)
            var destination = new byte[SyncFrameEncoder.MaxEncodedLength(information.Length)];
            int written = SyncFrameEncoder.Encode(protocol, information, destination, (PppHeaderCompression)compression);
            Assert.True(new SyncFrameDecoder().TryDecode(destination.AsSpan(0, written), out PppFrame frame));
            Assert.Equal(protocol, frame.Protocol);
            Assert.True(frame.Information.SequenceEqual(information));
        });

    [Fact]
    public void Random_datagrams_are_each_decoded_or_counted_exactly_once() =>
        Gen.Byte.Array[0, 40].List[1, 20].Sample(datagrams =>
        {
            var decoder = new SyncFrameDecoder();
            foreach (byte[] datagram in datagrams)
                decoder.TryDecode(datagram, out _);
            FramingCounters c = decoder.Counters;
            Assert.Equal(datagrams.Count, c.FramesIn + c.InErrors);
            Assert.Equal(datagrams.Sum(d => d.Length), c.GoodOctets + c.ErrorOctets);
            Assert.Equal(c.OctetsIn, c.GoodOctets + c.ErrorOctets);
        });

    [Fact]
    public void The_information_field_is_a_slice_of_the_datagram_not_a_copy()
    {
        byte[] datagram = [0xFF, 0x03, 0x00, 0x21, 0x45, 0x00];
        Assert.True(new SyncFrameDecoder().TryDecode(datagram, out PppFrame frame));
        Assert.True(System.Runtime.CompilerServices.Unsafe.AreSame(
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(frame.Information), ref datagram[4]));
    }
}
