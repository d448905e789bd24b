namespace Gateway.Core.Ppp.Framing;

/// <summary>Outcome of reading the address, control and protocol fields of a frame.</summary>
public enum PppHeaderStatus : byte
{
    Ok,

    /// <summary>The frame ends before a whole protocol field.</summary>
    TooShort,

    /// <summary>The frame starts with the All-Stations address 0xFF but the control field is not 0x03.</summary>
    BadControlField,
}

/// <summary>
/// Writes and reads the address, control and protocol fields shared by async (RFC 1662) and sync framing.
/// </summary>
/// <remarks>
/// Receive policy: compressed headers are accepted whether or not ACFC or PFC was negotiated. A frame without
/// <c>FF 03</c> is taken as address-and-control compressed (RFC 1661 section 6.6), and a protocol field whose
/// first octet is odd is taken as one octet long (RFC 1661 section 6.5). The RFCs let a receiver drop such
/// frames when compression was not agreed, but real LTE modems send them early and pppd accepts them, so we
/// do too; the frame says which compressions it arrived with (<see cref="PppFrame.AddressControlOmitted"/>,
/// <see cref="PppFrame.ProtocolCompressed"/>) for a layer that wants to be stricter.
/// A two-octet protocol field whose value breaks the RFC 1661 section 2 bit rules is still delivered: that
/// section says such frames are treated as an unrecognised protocol, which LCP answers with Protocol-Reject.
/// </remarks>
public static class PppHeader
{
    /// <summary>Largest header: address, control and a two-octet protocol field.</summary>
    public const int MaxLength = 4;

    /// <summary>
    /// Writes the header for <paramref name="protocol"/> using the compressions in <paramref name="compression"/>
    /// where the RFCs allow them: never for LCP (RFC 1661 sections 6.5 and 6.6), and the protocol field only for
    /// values 0x0001-0x00FF with an odd low octet. Returns the octets written (1 to 4).
    /// </summary>
    public static int Write(Span<byte> destination, ushort protocol, PppHeaderCompression compression)
    {
        if (protocol == (ushort)PppProtocol.Lcp)
            compression = PppHeaderCompression.None;

        int written = 0;
        if ((compression & PppHeaderCompression.AddressControl) == 0)
        {
            destination[0] = Hdlc.AllStationsAddress;
            destination[1] = Hdlc.UnnumberedInformation;
            written = 2;
        }

        if ((compression & PppHeaderCompression.Protocol) != 0 && (protocol & 0xFF01) == 0x0001)
        {
            destination[written] = (byte)protocol;
            return written + 1;
        }

        destination[written] = (byte)(protocol >> 8);
        destination[written + 1] = (byte)protocol;
        return written + 2;
    }

    /// <summary>Octets <see cref="Write"/> would write.</summary>
    public static int Length(ushort protocol, PppHeaderCompression compression)
    {
        if (protocol == (ushort)PppProtocol.Lcp)
            return MaxLength;
        int length = (compression & PppHeaderCompression.AddressControl) == 0 ? 2 : 0;
        return length + ((compression & PppHeaderCompression.Protocol) != 0 && (protocol & 0xFF01) == 0x0001 ? 1 : 2);
    }

    /// <summary>
    /// Reads the header of <paramref name="frame"/> (address through information, no FCS) and, when it parses,
    /// the frame with its information field.
    /// </summary>
    public static PppHeaderStatus TryRead(ReadOnlySpan<byte> frame, out PppFrame decoded)
    {
        decoded = default;
        int offset = 0;
        bool addressControlOmitted = true;
        if (frame.Length > 0 && frame[0] == Hdlc.AllStationsAddress)
        {
            if (frame.Length < 2)
                return PppHeaderStatus.TooShort;
            if (frame[1] != Hdlc.UnnumberedInformation)
                return PppHeaderStatus.BadControlField;
            offset = 2;
            addressControlOmitted = false;
        }

        if (offset >= frame.Length)
            return PppHeaderStatus.TooShort;

        // RFC 1661 section 2: the low bit of the last protocol octet is 1, of every other octet 0.
        byte first = frame[offset];
        if ((first & 1) != 0)
        {
            decoded = new PppFrame(first, frame[(offset + 1)..], addressControlOmitted, protocolCompressed: true);
            return PppHeaderStatus.Ok;
        }

        if (offset + 2 > frame.Length)
            return PppHeaderStatus.TooShort;
        ushort protocol = (ushort)((first << 8) | frame[offset + 1]);
        decoded = new PppFrame(protocol, frame[(offset + 2)..], addressControlOmitted, protocolCompressed: false);
        return PppHeaderStatus.Ok;
    }
}
