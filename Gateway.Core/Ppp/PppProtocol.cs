namespace Gateway.Core.Ppp;

/// <summary>PPP protocol field values (RFC 1661 section 2, IANA "PPP DLL Protocol Numbers").</summary>
public enum PppProtocol : ushort
{
    /// <summary>Internet Protocol version 4 (RFC 1332).</summary>
    Ip = 0x0021,
    /// <summary>Multilink PPP fragment (RFC 1990 section 3).</summary>
    Multilink = 0x003D,
    /// <summary>Internet Protocol version 6.</summary>
    Ipv6 = 0x0057,
    /// <summary>Compressed datagram (RFC 1962).</summary>
    CompressedDatagram = 0x00FD,
    /// <summary>IP Control Protocol (RFC 1332).</summary>
    Ipcp = 0x8021,
    /// <summary>IPv6 Control Protocol (RFC 5072).</summary>
    Ipv6cp = 0x8057,
    /// <summary>Compression Control Protocol (RFC 1962).</summary>
    Ccp = 0x80FD,
    /// <summary>Link Control Protocol (RFC 1661).</summary>
    Lcp = 0xC021,
    /// <summary>Password Authentication Protocol (RFC 1334).</summary>
    Pap = 0xC023,
    /// <summary>Link Quality Report (RFC 1989).</summary>
    Lqr = 0xC025,
    /// <summary>Challenge Handshake Authentication Protocol (RFC 1994).</summary>
    Chap = 0xC223,
}
