using System.Buffers.Binary;

namespace Gateway.Core.Ppp.Framing;

/// <summary>
/// The 16-bit Frame Check Sequence of RFC 1662 appendix C.1 (CRC-16/X-25: reflected polynomial
/// x^16 + x^12 + x^5 + 1, initial value 0xFFFF, the complement transmitted least significant octet first).
/// Table driven, eight octets per step (<see cref="SlicingBy8"/>).
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

    private static readonly uint[] Tables = SlicingBy8.BuildTables(ReflectedPolynomial);

    /// <summary>Continues a running (uncomplemented) FCS over <paramref name="data"/>.</summary>
    public static ushort Update(ushort fcs, ReadOnlySpan<byte> data) => (ushort)SlicingBy8.Update(Tables, fcs, data);

    /// <summary>The FCS to transmit after <paramref name="data"/>: the complemented running FCS.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => (ushort)~Update(InitialValue, data);

    /// <summary>True when <paramref name="frameWithFcs"/> (address through FCS) has a correct FCS (RFC 1662 C.1).</summary>
    public static bool IsGood(ReadOnlySpan<byte> frameWithFcs) => Update(InitialValue, frameWithFcs) == GoodResidue;

    /// <summary>Writes the complemented FCS least significant octet first, as RFC 1662 section 3.1 sends it.</summary>
    public static void Write(ushort fcs, Span<byte> destination) => BinaryPrimitives.WriteUInt16LittleEndian(destination, fcs);
}
