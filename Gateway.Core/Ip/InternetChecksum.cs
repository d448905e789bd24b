using System.Buffers.Binary;

namespace Gateway.Core.Ip;

/// <summary>The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum.</summary>
public static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/> to a running 32-bit sum as big-endian 16-bit words; an odd last byte is padded with zero (RFC 1071 4.1).</summary>
    public static uint Add(uint sum, ReadOnlySpan<byte> data)
    {
        ulong acc = sum;
        var i = 0;
        for (; i + 4 <= data.Length; i += 4)
            acc += BinaryPrimitives.ReadUInt32BigEndian(data[i..]);
        for (; i + 2 <= data.Length; i += 2)
            acc += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (i < data.Length)
            acc += (uint)data[i] << 8;
        return Fold(acc);
    }

    /// <summary>Folds a running sum to 16 bits and complements it: the value to put in a checksum field.</summary>
    public static ushort Finish(uint sum)
    {
        while (sum >> 16 != 0)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>The checksum of <paramref name="data"/>; 0 when <paramref name="data"/> already contains a correct checksum field.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Add(0, data));

    /// <summary>Adds the IPv4 pseudo-header (RFC 768, RFC 793 3.1) to a running sum.</summary>
    public static uint AddPseudoHeader(uint sum, uint source, uint destination, IpProtocol protocol, int length)
    {
        ulong acc = sum;
        acc += source >> 16;
        acc += source & 0xFFFF;
        acc += destination >> 16;
        acc += destination & 0xFFFF;
        acc += (byte)protocol;
        acc += (uint)length;
        return Fold(acc);
    }

    // One's complement: 2^16 = 1 (mod 0xFFFF), so carries wrap around into the low 16 bits.
    private static uint Fold(ulong acc)
    {
        while (acc >> 16 != 0)
            acc = (acc & 0xFFFF) + (acc >> 16);
        return (uint)acc;
    }
}
