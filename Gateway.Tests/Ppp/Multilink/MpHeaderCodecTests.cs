using Gateway.Core.Ppp.Multilink;

namespace Gateway.Tests.Ppp.Multilink;

public class MpHeaderCodecTests
{
    [Theory]
    [InlineData(MpSequenceFormat.Long, true, true, 0x00ABCDEFu, new byte[] { 0xC0, 0xAB, 0xCD, 0xEF })]
    [InlineData(MpSequenceFormat.Long, true, false, 0u, new byte[] { 0x80, 0x00, 0x00, 0x00 })]
    [InlineData(MpSequenceFormat.Long, false, true, 0x00FFFFFFu, new byte[] { 0x40, 0xFF, 0xFF, 0xFF })]
    [InlineData(MpSequenceFormat.Short, true, true, 0xABCu, new byte[] { 0xCA, 0xBC })]
    [InlineData(MpSequenceFormat.Short, false, false, 0x001u, new byte[] { 0x00, 0x01 })]
    [InlineData(MpSequenceFormat.Short, false, true, 0xFFFu, new byte[] { 0x4F, 0xFF })]
    public void Header_is_written_and_read_as_RFC_1990_section_3_lays_it_out(MpSequenceFormat format, bool begin, bool end, uint sequence, byte[] wire)
    {
        var buffer = new byte[4];
        int n = MpHeaderCodec.Write(buffer, format, begin, end, sequence);
        Assert.Equal(wire, buffer[..n]);

        byte[] frame = [.. wire, 0x21, 0x45];
        Assert.Equal(MpHeaderStatus.Ok, MpHeaderCodec.TryRead(frame, format, out var header, out var payload));
        Assert.Equal(new MpHeader(begin, end, sequence), header);
        Assert.Equal(new byte[] { 0x21, 0x45 }, payload.ToArray());
    }

    [Fact]
    public void Sequence_numbers_are_written_modulo_their_space()
    {
        var buffer = new byte[4];
        MpHeaderCodec.Write(buffer, MpSequenceFormat.Short, false, false, 0x1001);
        Assert.Equal(new byte[] { 0x00, 0x01 }, buffer[..2]);
        MpHeaderCodec.Write(buffer, MpSequenceFormat.Long, false, false, 0x0100_0002);
        Assert.Equal(new byte[] { 0x00, 0x00, 0x00, 0x02 }, buffer);
    }

    [Theory]
    [InlineData(MpSequenceFormat.Long, new byte[] { 0xC1, 0, 0, 1 })]
    [InlineData(MpSequenceFormat.Long, new byte[] { 0x20, 0, 0, 1 })]
    [InlineData(MpSequenceFormat.Short, new byte[] { 0x10, 0x01 })]
    [InlineData(MpSequenceFormat.Short, new byte[] { 0xE0, 0x01 })]
    public void Reserved_bits_set_are_reported(MpSequenceFormat format, byte[] frame) =>
        Assert.Equal(MpHeaderStatus.ReservedBitsSet, MpHeaderCodec.TryRead(frame, format, out _, out _));

    [Theory]
    [InlineData(MpSequenceFormat.Long, new byte[] { 0x30 })] // the tail of "FF 03 00 3D 30"
    [InlineData(MpSequenceFormat.Long, new byte[] { 0xC0, 0, 0 })]
    [InlineData(MpSequenceFormat.Short, new byte[] { 0xC0 })]
    [InlineData(MpSequenceFormat.Short, new byte[0])]
    public void Truncated_headers_are_reported(MpSequenceFormat format, byte[] frame) =>
        Assert.Equal(MpHeaderStatus.Truncated, MpHeaderCodec.TryRead(frame, format, out _, out _));

    [Theory]
    [InlineData(new byte[] { 0x21, 0x45 }, true, 0x0021, 1)]
    [InlineData(new byte[] { 0x00, 0x21, 0x45 }, true, 0x0021, 2)]
    [InlineData(new byte[] { 0x80, 0x21 }, true, 0x8021, 2)]
    [InlineData(new byte[] { 0x00 }, false, 0, 0)]
    [InlineData(new byte[] { 0x00, 0x20 }, false, 0, 0)]
    [InlineData(new byte[0], false, 0, 0)]
    public void Protocol_field_is_read_compressed_or_not(byte[] packet, bool ok, ushort protocol, int length)
    {
        Assert.Equal(ok, MpHeaderCodec.TryReadProtocol(packet, out var p, out var n));
        Assert.Equal(protocol, p);
        Assert.Equal(length, n);
    }

    [Fact]
    public void Protocol_field_is_compressed_only_when_told_and_possible()
    {
        var b = new byte[2];
        Assert.Equal(1, MpHeaderCodec.WriteProtocol(b, 0x0021, compress: true));
        Assert.Equal(0x21, b[0]);
        Assert.Equal(2, MpHeaderCodec.WriteProtocol(b, 0x0021, compress: false));
        Assert.Equal(new byte[] { 0x00, 0x21 }, b);
        Assert.Equal(2, MpHeaderCodec.WriteProtocol(b, 0x8021, compress: true));
        Assert.Equal(new byte[] { 0x80, 0x21 }, b);
    }
}
