using System.Buffers.Binary;

namespace Gateway.Core.Ppp.Framing;

/// <summary>
/// The 32-bit Frame Check Sequence of RFC 1662 appendix C.2 (the CRC-32 of ISO 3309 / IEEE 802.3: reflected
/// polynomial 0xEDB88320, initial value 0xFFFFFFFF, the complement transmitted least significant octet first).
/// Negotiated with the LCP FCS-Alternatives option (RFC 1570). Table driven, eight octets per step (<see cref="SlicingBy8"/>).
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

    private static readonly uint[] Tables = SlicingBy8.BuildTables(ReflectedPolynomial);

    /// <summary>Continues a running (uncomplemented) FCS over <paramref name="data"/>.</summary>
    public static uint Update(uint fcs, ReadOnlySpan<byte> data) => SlicingBy8.Update(Tables, fcs, data);

    /// <summary>The FCS to transmit after <paramref name="data"/>: the complemented running FCS.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(InitialValue, data);

    /// <summary>True when <paramref name="frameWithFcs"/> (address through FCS) has a correct FCS (RFC 1662 C.2).</summary>
    public static bool IsGood(ReadOnlySpan<byte> frameWithFcs) => Update(InitialValue, frameWithFcs) == GoodResidue;

    /// <summary>Writes the complemented FCS least significant octet first, as RFC 1662 section 3.1 sends it.</summary>
    public static void Write(uint fcs, Span<byte> destination) => BinaryPrimitives.WriteUInt32LittleEndian(destination, fcs);
}
