using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Gateway.Core.Ppp.Framing;

/// <summary>
/// The 16-bit Frame Check Sequence of RFC 1662 appendix C.1 (CRC-16/X-25: reflected polynomial
/// x^16 + x^12 + x^5 + 1, initial value 0xFFFF, the complement transmitted least significant octet first).
/// Table driven, eight octets per step ("slicing by 8").
/// </summary>
public static class Fcs16
{
    /// <summary>Initial FCS value (RFC 1662 C.1 PPPINITFCS16).</summary>
    public const ushort InitialValue = 0xFFFF;

    /// <summary>The running FCS over a frame and its own transmitted FCS when no error occurred (RFC 1662 C.1 PPPGOODFCS16).</summary>
    public const ushort GoodResidue = 0xF0B8;

    /// <summary>Number of FCS octets in a frame.</summary>
    public const int Length = 2;

    /// <summary>The bit-reversed generator polynomial (RFC 1662 C.1).</summary>
    private const ushort ReflectedPolynomial = 0x8408;

    // Eight 256-entry tables, one after the other: table k gives the CRC of a byte followed by k zero bytes.
    private static readonly ushort[] Tables = BuildTables();

    /// <summary>Continues a running (uncomplemented) FCS over <paramref name="data"/>.</summary>
    public static ushort Update(ushort fcs, ReadOnlySpan<byte> data)
    {
        ref ushort t = ref MemoryMarshal.GetArrayDataReference(Tables);
        uint crc = fcs;
        while (data.Length >= 8)
        {
            ulong v = BinaryPrimitives.ReadUInt64LittleEndian(data) ^ crc;
            crc = (uint)(Unsafe.Add(ref t, (7 * 256) + (int)(v & 0xFF))
                ^ Unsafe.Add(ref t, (6 * 256) + (int)((v >> 8) & 0xFF))
                ^ Unsafe.Add(ref t, (5 * 256) + (int)((v >> 16) & 0xFF))
                ^ Unsafe.Add(ref t, (4 * 256) + (int)((v >> 24) & 0xFF))
                ^ Unsafe.Add(ref t, (3 * 256) + (int)((v >> 32) & 0xFF))
                ^ Unsafe.Add(ref t, (2 * 256) + (int)((v >> 40) & 0xFF))
                ^ Unsafe.Add(ref t, 256 + (int)((v >> 48) & 0xFF))
                ^ Unsafe.Add(ref t, (int)(v >> 56)));
            data = data[8..];
        }

        foreach (byte b in data)
            crc = (crc >> 8) ^ Unsafe.Add(ref t, (int)((crc ^ b) & 0xFF));
        return (ushort)crc;
    }

    /// <summary>The FCS to transmit after <paramref name="data"/>: the complemented running FCS.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => (ushort)~Update(InitialValue, data);

    /// <summary>True when <paramref name="frameWithFcs"/> (address through FCS) has a correct FCS (RFC 1662 C.1).</summary>
    public static bool IsGood(ReadOnlySpan<byte> frameWithFcs) => Update(InitialValue, frameWithFcs) == GoodResidue;

    /// <summary>Writes the complemented FCS least significant octet first, as RFC 1662 section 3.1 sends it.</summary>
    public static void Write(ushort fcs, Span<byte> destination) => BinaryPrimitives.WriteUInt16LittleEndian(destination, fcs);

    private static ushort[] BuildTables()
    {
        var tables = new ushort[8 * 256];
        for (int i = 0; i < 256; i++)
        {
            uint crc = (uint)i;
            for (int bit = 0; bit < 8; bit++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ ReflectedPolynomial : crc >> 1;
            tables[i] = (ushort)crc;
        }

        for (int k = 1; k < 8; k++)
        {
            for (int i = 0; i < 256; i++)
            {
                ushort previous = tables[((k - 1) * 256) + i];
                tables[(k * 256) + i] = (ushort)((previous >> 8) ^ tables[previous & 0xFF]);
            }
        }

        return tables;
    }
}
