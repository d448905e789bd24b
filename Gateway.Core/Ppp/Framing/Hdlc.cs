namespace Gateway.Core.Ppp.Framing;

/// <summary>Octet values and defaults of PPP in HDLC-like framing (RFC 1662).</summary>
public static class Hdlc
{
    /// <summary>Flag Sequence: begins and ends every frame (RFC 1662 section 3.1).</summary>
    public const byte Flag = 0x7E;

    /// <summary>Control Escape: the next octet was exclusive-or'd with <see cref="EscapeXor"/> (RFC 1662 section 4.2).</summary>
    public const byte ControlEscape = 0x7D;

    /// <summary>Value exclusive-or'd with an escaped octet (RFC 1662 section 4.2).</summary>
    public const byte EscapeXor = 0x20;

    /// <summary>All-Stations address (RFC 1662 section 3.1).</summary>
    public const byte AllStationsAddress = 0xFF;

    /// <summary>Unnumbered Information command with the Poll/Final bit clear (RFC 1662 section 3.1).</summary>
    public const byte UnnumberedInformation = 0x03;

    /// <summary>Octets below this value are the control characters the ACCM maps (RFC 1662 section 7.1).</summary>
    public const byte ControlCharacterLimit = 0x20;

    /// <summary>The ACCM in force until LCP negotiates another: every control character escaped (RFC 1662 section 7.1).</summary>
    public const uint DefaultAccm = 0xFFFFFFFF;

    /// <summary>Default Maximum-Receive-Unit, the information field plus padding (RFC 1661 section 6.1).</summary>
    public const int DefaultMru = 1500;

    /// <summary>
    /// Fewest octets between flags (after transparency removal) that can make a frame with the 16-bit FCS;
    /// shorter ones are silently discarded (RFC 1662 section 4.3).
    /// </summary>
    public const int MinimumFrameLengthFcs16 = 4;

    /// <summary>Flag octets LQR counts per frame, whatever was sent (RFC 1989 section 2.2).</summary>
    public const int QualityFlagOctets = 1;

    /// <summary>True when octet <paramref name="c"/> is a control character that <paramref name="accm"/> maps.</summary>
    public static bool IsMapped(uint accm, byte c) => c < ControlCharacterLimit && (accm & (1u << c)) != 0;
}

/// <summary>The Frame Check Sequence in use (RFC 1662 appendix C; the 32-bit one is negotiated per RFC 1570).</summary>
public enum FcsKind : byte
{
    /// <summary>16-bit FCS, the default (RFC 1662 C.1).</summary>
    Fcs16 = 16,

    /// <summary>32-bit FCS (RFC 1662 C.2).</summary>
    Fcs32 = 32,
}

/// <summary>Header compressions the peer agreed to receive; the sender uses them only when negotiated.</summary>
[Flags]
public enum PppHeaderCompression : byte
{
    None = 0,

    /// <summary>Address-and-Control-Field-Compression: omit <c>FF 03</c> (RFC 1661 section 6.6).</summary>
    AddressControl = 1,

    /// <summary>Protocol-Field-Compression: one-octet protocol field for values 0x0001-0x00FF (RFC 1661 section 6.5).</summary>
    Protocol = 2,

    Both = AddressControl | Protocol,
}
