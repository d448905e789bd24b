using System.Buffers.Binary;

namespace Gateway.Core.Ppp.Multilink;

/// <summary>The MP sequence-number format a direction uses (RFC 1990 section 3; short via LCP option 18, 5.1.2).</summary>
public enum MpSequenceFormat : byte
{
    /// <summary>24-bit sequence numbers, 4-byte header (the default).</summary>
    Long = 0,
    /// <summary>12-bit sequence numbers, 2-byte header (Short-Sequence-Number-Header-Format negotiated).</summary>
    Short = 1,
}

/// <summary>Why an MP fragment header did not decode.</summary>
public enum MpHeaderStatus : byte
{
    Ok = 0,
    /// <summary>Fewer bytes than the header of the negotiated format.</summary>
    Truncated = 1,
    /// <summary>Reserved bits not zero (RFC 1990 section 3 says they MUST be zero): dropped and counted.</summary>
    ReservedBitsSet = 2,
}

/// <summary>A decoded MP fragment header: Begin and End bits and the sequence number (12 or 24 bits).</summary>
public readonly record struct MpHeader(bool Begin, bool End, uint Sequence);

/// <summary>
/// Encoder and decoder of the MP fragment header (RFC 1990 section 3). The bytes handled here follow the
/// PPP protocol field 0x003D, which the member link's framing writes and strips.
/// <code>
/// long:  |B|E|0|0|0|0|0|0|   sequence (24 bits)   |
/// short: |B|E|0|0|  sequence (12 bits)  |
/// </code>
/// </summary>
public static class MpHeaderCodec
{
    /// <summary>Beginning-fragment bit (RFC 1990 section 3).</summary>
    public const byte BeginBit = 0x80;
    /// <summary>Ending-fragment bit (RFC 1990 section 3).</summary>
    public const byte EndBit = 0x40;
    /// <summary>Reserved bits of the long format's first octet (RFC 1990 section 3).</summary>
    public const byte LongReservedMask = 0x3F;
    /// <summary>Reserved bits of the short format's first octet (RFC 1990 section 3).</summary>
    public const byte ShortReservedMask = 0x30;
    /// <summary>Long header: flags octet plus 24-bit sequence number.</summary>
    public const int LongHeaderLength = 4;
    /// <summary>Short header: 4 flag bits plus 12-bit sequence number.</summary>
    public const int ShortHeaderLength = 2;
    public const int LongSequenceBits = 24;
    public const int ShortSequenceBits = 12;

    public static int HeaderLength(MpSequenceFormat format) =>
        format == MpSequenceFormat.Short ? ShortHeaderLength : LongHeaderLength;

    public static int SequenceBits(MpSequenceFormat format) =>
        format == MpSequenceFormat.Short ? ShortSequenceBits : LongSequenceBits;

    public static uint SequenceMask(MpSequenceFormat format) => (1u << SequenceBits(format)) - 1;

    /// <summary>
    /// Whether <paramref name="sequence"/> lies ahead of <paramref name="than"/> in the format's sequence space (serial
    /// arithmetic: by 1 to half the space).
    /// </summary>
    public static bool IsAhead(uint sequence, uint than, MpSequenceFormat format)
    {
        uint mask = SequenceMask(format);
        uint ahead = (sequence - than) & mask;
        return ahead != 0 && ahead <= mask >> 1;
    }

    /// <summary>Writes a header; the sequence number is taken modulo the format's space. Returns the bytes written.</summary>
    public static int Write(Span<byte> destination, MpSequenceFormat format, bool begin, bool end, uint sequence)
    {
        byte flags = (byte)((begin ? BeginBit : 0) | (end ? EndBit : 0));
        if (format == MpSequenceFormat.Short)
        {
            uint s = sequence & 0x0FFF;
            destination[0] = (byte)(flags | (s >> 8));
            destination[1] = (byte)s;
            return ShortHeaderLength;
        }
        BinaryPrimitives.WriteUInt32BigEndian(destination, ((uint)flags << 24) | (sequence & 0x00FF_FFFF));
        return LongHeaderLength;
    }

    /// <summary>Decodes a header; on success <paramref name="payload"/> is the fragment data after it.</summary>
    public static MpHeaderStatus TryRead(ReadOnlySpan<byte> fragment, MpSequenceFormat format, out MpHeader header, out ReadOnlySpan<byte> payload)
    {
        header = default;
        payload = default;
        int length = HeaderLength(format);
        if (fragment.Length < length)
            return MpHeaderStatus.Truncated;
        byte first = fragment[0];
        if (format == MpSequenceFormat.Short)
        {
            if ((first & ShortReservedMask) != 0)
                return MpHeaderStatus.ReservedBitsSet;
            header = new MpHeader((first & BeginBit) != 0, (first & EndBit) != 0, ((uint)(first & 0x0F) << 8) | fragment[1]);
        }
        else
        {
            if ((first & LongReservedMask) != 0)
                return MpHeaderStatus.ReservedBitsSet;
            header = new MpHeader((first & BeginBit) != 0, (first & EndBit) != 0, BinaryPrimitives.ReadUInt32BigEndian(fragment) & 0x00FF_FFFF);
        }
        payload = fragment[length..];
        return MpHeaderStatus.Ok;
    }

    /// <summary>
    /// Reads the protocol field at the start of a reassembled packet, compressed (one odd octet, RFC 1661 6.5)
    /// or not. A two-octet field must have an even first octet and an odd second one (RFC 1661 section 2).
    /// </summary>
    public static bool TryReadProtocol(ReadOnlySpan<byte> packet, out ushort protocol, out int fieldLength)
    {
        protocol = 0;
        fieldLength = 0;
        if (packet.IsEmpty)
            return false;
        if ((packet[0] & 1) != 0)
        {
            protocol = packet[0];
            fieldLength = 1;
            return true;
        }
        if (packet.Length < 2 || (packet[1] & 1) == 0)
            return false;
        protocol = BinaryPrimitives.ReadUInt16BigEndian(packet);
        fieldLength = 2;
        return true;
    }

    /// <summary>
    /// Writes a protocol field; compressed to one octet only when <paramref name="compress"/> is set and
    /// the value allows it (below 0x100, RFC 1661 6.5). Returns the bytes written.
    /// </summary>
    public static int WriteProtocol(Span<byte> destination, ushort protocol, bool compress)
    {
        if (compress && protocol < 0x100)
        {
            destination[0] = (byte)protocol;
            return 1;
        }
        BinaryPrimitives.WriteUInt16BigEndian(destination, protocol);
        return 2;
    }

    /// <summary>Length of the protocol field <see cref="WriteProtocol"/> would write.</summary>
    public static int ProtocolLength(ushort protocol, bool compress) => compress && protocol < 0x100 ? 1 : 2;
}
