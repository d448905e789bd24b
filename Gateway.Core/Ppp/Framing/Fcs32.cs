using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Gateway.Core.Ppp.Framing;

/// <summary>
/// The 32-bit Frame Check Sequence of RFC 1662 appendix C.2 (the CRC-32 of ISO 3309 / IEEE 802.3: reflected
/// polynomial 0xEDB88320, initial value 0xFFFFFFFF, the complement transmitted least significant octet first).
/// Negotiated with the LCP FCS-Alternatives option (RFC 1570). Table driven, eight octets per step.
/// </summary>
public static class Fcs32
{
    /// <summary>Initial FCS value (RFC 1662 C.2 PPPINITFCS32).</summary>
    public const uint InitialValue = 0xFFFFFFFF;

    /// <summary>The running FCS over a frame and its own transmitted FCS when no error occurred (RFC 1662 C.2 PPPGOODFCS32).</summary>
    public const uint GoodResidue = 0xDEBB20E3;

    /// <summary>Number of FCS octets in a frame.</summary>
    public const int Length = 4;

    /// <summary>The bit-reversed generator polynomial (RFC 1662 C.2).</summary>
    private const uint ReflectedPolynomial = 0xEDB88320;

    // Eight 256-entry tables, one after the other: table k gives the CRC of a byte followed by k zero bytes.
    private static readonly uint[] Tables = BuildTables();

    /// <summary>Continues a running (uncomplemented) FCS over <paramref name="data"/>.</summary>
    public static uint Update(uint fcs, ReadOnlySpan<byte> data)
    {
        ref uint t = ref MemoryMarshal.GetArrayDataReference(Tables);
        uint crc = fcs;
        while (data.Length >= 8)
        {
            ulong v = BinaryPrimitives.ReadUInt64LittleEndian(data) ^ crc;
            crc = Unsafe.Add(ref t, (7 * 256) + (int)(v & 0xFF))
                ^ Unsafe.Add(ref t, (6 * 256) + (int)((v >> 8) & 0xFF))
                ^ Unsafe.Add(ref t, (5 * 256) + (int)((v >> 16) & 0xFF))
                ^ Unsafe.Add(ref t, (4 * 256) + (int)((v >> 24) & 0xFF))
                ^ Unsafe.Add(ref t, (3 * 256) + (int)((v >> 32) & 0xFF))
                ^ Unsafe.Add(ref t, (2 * 256) + (int)((v >> 40) & 0xFF))
                ^ Unsafe.Add(ref t, 256 + (int)((v >> 48) & 0xFF))
                ^ Unsafe.Add(ref t, (int)(v >> 56));
            data = data[8..];
        }

        foreach (byte b in data)
            crc = (crc >> 8) ^ Unsafe.Add(ref t, (int)((crc ^ b) & 0xFF));
        return crc;
    }

    /// <summary>The FCS to transmit after <paramref name="data"/>: the complemented running FCS.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(InitialValue, data);

    /// <summary>True when <paramref name="frameWithFcs"/> (address through FCS) has a correct FCS (RFC 1662 C.2).</summary>
    public static bool IsGood(ReadOnlySpan<byte> frameWithFcs) => Update(InitialValue, frameWithFcs) == GoodResidue;

    /// <summary>Writes the complemented FCS least significant octet first, as RFC 1662 section 3.1 sends it.</summary>
    public static void Write(uint fcs, Span<byte> destination) => BinaryPrimitives.WriteUInt32LittleEndian(destination, fcs);

    private static uint[] BuildTables()
    {
        var tables = new uint[8 * 256];
        for (int i = 0; i < 256; i++)
        {
            uint crc = (uint)i;
            for (int bit = 0; bit < 8; bit++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ ReflectedPolynomial : crc >> 1;
            tables[i] = crc;
        }

        for (int k = 1; k < 8; k++)
        {
            for (int i = 0; i < 256; i++)
            {
                uint previous = tables[((k - 1) * 256) + i];
                tables[(k * 256) + i] = (previous >> 8) ^ tables[previous & 0xFF];
            }
        }

        return tables;
    }
}
