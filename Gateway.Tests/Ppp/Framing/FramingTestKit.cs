using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Framing;

namespace Gateway.Tests.Ppp.Framing;

/// <summary>A decoded frame copied out of the decoder's buffer, so tests can keep it.</summary>
public sealed record DecodedFrame(ushort Protocol, byte[] Information)
{
    public bool Equals(DecodedFrame? other) => other is not null && Protocol == other.Protocol && Information.AsSpan().SequenceEqual(other.Information);

    public override int GetHashCode() => HashCode.Combine(Protocol, Information.Length);

    public override string ToString() => $"0x{Protocol:X4} [{Convert.ToHexString(Information)}]";
}

internal static class FramingTestKit
{
    /// <summary>LCP Echo-Request, identifier 1, magic 0x01020304: the frame every bad-input test checks still gets through.</summary>
    public static readonly byte[] EchoRequest = [(byte)ControlCode.EchoRequest, 0x01, 0x00, 0x08, 0x01, 0x02, 0x03, 0x04];

    /// <summary>LCP Configure-Request, identifier 1: MRU 1500, ACCM 0, Magic-Number 0x12345678, PFC, ACFC (RFC 1661 6.1-6.6, RFC 1662 7.1).</summary>
    public static readonly byte[] ConfigureRequest =
    [
        (byte)ControlCode.ConfigureRequest, 0x01, 0x00, 0x18,
        0x01, 0x04, 0x05, 0xDC,
        0x02, 0x06, 0x00, 0x00, 0x00, 0x00,
        0x05, 0x06, 0x12, 0x34, 0x56, 0x78,
        0x07, 0x02,
        0x08, 0x02,
    ];

    /// <summary>An ICMP echo request from 10.0.0.1 to 10.0.0.2 with a correct IPv4 header checksum.</summary>
    public static byte[] IcmpEchoPacket()
    {
        byte[] packet =
        [
            0x45, 0x00, 0x00, 0x1C, 0x12, 0x34, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00,
            10, 0, 0, 1, 10, 0, 0, 2,
            0x08, 0x00, 0x00, 0x00, 0xAB, 0xCD, 0x00, 0x01,
        ];
        WriteChecksum(packet, 10, packet.AsSpan(0, 20));
        WriteChecksum(packet, 22, packet.AsSpan(20));
        return packet;
    }

    public static byte[] Encode(HdlcEncoder encoder, ushort protocol, ReadOnlySpan<byte> information)
    {
        var buffer = new byte[HdlcEncoder.MaxEncodedLength(information.Length)];
        int written = encoder.Encode(protocol, information, buffer);
        return buffer[..written];
    }

    public static byte[] Encode(ushort protocol, ReadOnlySpan<byte> information) => Encode(new HdlcEncoder(), protocol, information);

    public static byte[] EncodeEchoRequest() => Encode((ushort)PppProtocol.Lcp, EchoRequest);

    /// <summary>Feeds every chunk in turn and collects every frame decoded.</summary>
    public static List<DecodedFrame> DecodeAll(HdlcDecoder decoder, IEnumerable<byte[]> chunks)
    {
        var frames = new List<DecodedFrame>();
        foreach (byte[] chunk in chunks)
        {
            ReadOnlySpan<byte> input = chunk;
            while (decoder.TryReadFrame(ref input, out PppFrame frame))
                frames.Add(new DecodedFrame(frame.Protocol, frame.Information.ToArray()));
            Assert.True(input.IsEmpty, "TryReadFrame returned false before using up its input");
        }

        return frames;
    }

    public static List<DecodedFrame> DecodeAll(HdlcDecoder decoder, params byte[][] chunks) => DecodeAll(decoder, (IEnumerable<byte[]>)chunks);

    /// <summary>The frames of an async stream: a fresh decoder, the stream in one piece.</summary>
    public static List<DecodedFrame> DecodeAll(params byte[][] chunks) => DecodeAll(new HdlcDecoder(), chunks);

    /// <summary>Asserts that the decoder, whatever it went through, still decodes an LCP Echo-Request.</summary>
    public static void AssertStillDecodesEchoRequest(HdlcDecoder decoder)
    {
        long before = decoder.Counters.FramesIn;
        List<DecodedFrame> frames = DecodeAll(decoder, [Hdlc.Flag], EncodeEchoRequest());
        Assert.Equal([new DecodedFrame((ushort)PppProtocol.Lcp, EchoRequest)], frames);
        Assert.Equal(before + 1, decoder.Counters.FramesIn);
    }

    /// <summary>The RFC 1662 transparency removal, written independently of the decoder: flags out, escapes undone.</summary>
    public static byte[] Unstuff(ReadOnlySpan<byte> encoded)
    {
        var output = new List<byte>();
        for (int i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] == 0x7E)
                continue;
            output.Add(encoded[i] == 0x7D ? (byte)(encoded[++i] ^ 0x20) : encoded[i]);
        }

        return output.ToArray();
    }

    private static void WriteChecksum(byte[] packet, int at, ReadOnlySpan<byte> covered)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < covered.Length; i += 2)
            sum += (uint)((covered[i] << 8) | covered[i + 1]);
        if (covered.Length % 2 == 1)
            sum += (uint)(covered[^1] << 8);
        while (sum > 0xFFFF)
            sum = (sum & 0xFFFF) + (sum >> 16);
        ushort checksum = (ushort)~sum;
        packet[at] = (byte)(checksum >> 8);
        packet[at + 1] = (byte)checksum;
    }
}
