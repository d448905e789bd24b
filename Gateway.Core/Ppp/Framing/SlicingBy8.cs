using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Gateway.Core.Ppp.Framing;

/// <summary>
/// Table-driven reflected CRC, eight octets per step ("slicing by 8"), shared by <see cref="Fcs16"/> and
/// <see cref="Fcs32"/>: a reflected CRC of width 32 or less keeps its register in the low bits, so the same
/// tables and loop serve both widths.
/// </summary>
internal static class SlicingBy8
{
    /// <summary>Eight 256-entry tables, one after the other: table k is the CRC of an octet followed by k zero octets.</summary>
    public static uint[] BuildTables(uint reflectedPolynomial)
    {
        var tables = new uint[8 * 256];
        for (int i = 0; i < 256; i++)
        {
            uint crc = (uint)i;
            for (int bit = 0; bit < 8; bit++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ reflectedPolynomial : crc >> 1;
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

    /// <summary>Continues the CRC register <paramref name="crc"/> over <paramref name="data"/>.</summary>
    public static uint Update(uint[] tables, uint crc, ReadOnlySpan<byte> data)
    {
        ref uint t = ref MemoryMarshal.GetArrayDataReference(tables);
        ref byte octets = ref MemoryMarshal.GetReference(data);
        int blocks = data.Length / 8;
        for (int i = 0; i < blocks; i++)
        {
            ulong v = BitConverter.IsLittleEndian
                ? Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref octets, i * 8))
                : BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref octets, i * 8)));
            v ^= crc;
            crc = Unsafe.Add(ref t, (7 * 256) + (int)(v & 0xFF))
                ^ Unsafe.Add(ref t, (6 * 256) + (int)((v >> 8) & 0xFF))
                ^ Unsafe.Add(ref t, (5 * 256) + (int)((v >> 16) & 0xFF))
                ^ Unsafe.Add(ref t, (4 * 256) + (int)((v >> 24) & 0xFF))
                ^ Unsafe.Add(ref t, (3 * 256) + (int)((v >> 32) & 0xFF))
                ^ Unsafe.Add(ref t, (2 * 256) + (int)((v >> 40) & 0xFF))
                ^ Unsafe.Add(ref t, 256 + (int)((v >> 48) & 0xFF))
                ^ Unsafe.Add(ref t, (int)(v >> 56));
        }

        foreach (byte b in data[(blocks * 8)..])
            crc = (crc >> 8) ^ Unsafe.Add(ref t, (int)((crc ^ b) & 0xFF));
        return crc;
    }
}
