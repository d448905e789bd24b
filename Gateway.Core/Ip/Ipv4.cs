using System.Buffers.Binary;

namespace Gateway.Core.Ip;

/// <summary>A received IPv4 datagram: header fields and the payload (a slice of the input, Total Length bounded).</summary>
public readonly ref struct Ipv4Datagram
{
    internal Ipv4Datagram(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        Header = header;
        Payload = payload;
    }

    /// <summary>The header, options included (IHL * 4 bytes).</summary>
    public ReadOnlySpan<byte> Header { get; }

    /// <summary>The payload: bytes IHL*4 to Total Length; link-layer padding after Total Length is not included.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    public byte TypeOfService => Header[1];
    public ushort TotalLength => BinaryPrimitives.ReadUInt16BigEndian(Header[2..]);
    public ushort Identification => BinaryPrimitives.ReadUInt16BigEndian(Header[4..]);
    public bool DontFragment => (Header[6] & 0x40) != 0;
    public byte TimeToLive => Header[8];
    public IpProtocol Protocol => (IpProtocol)Header[9];
    public uint Source => BinaryPrimitives.ReadUInt32BigEndian(Header[12..]);
    public uint Destination => BinaryPrimitives.ReadUInt32BigEndian(Header[16..]);
}

/// <summary>
/// IPv4 (RFC 791) build and parse for the datagrams the gateway sends through an ISP's PPP session.
/// Addresses are host-order <see cref="uint"/> values (127.0.0.1 = 0x7F000001). Builders write into a
/// caller buffer and allocate nothing; the parser returns spans into the input.
/// </summary>
public static class Ipv4
{
    public const int Version = 4;                 // RFC 791 3.1
    public const int MinHeaderLength = 20;        // RFC 791 3.1: IHL minimum 5 words
    public const int MinIhl = 5;
    public const byte DefaultTtl = 64;            // RFC 1700 / IANA recommended default
    private const byte FlagDontFragment = 0x40;   // RFC 791 3.1 Flags bit 1
    private const byte FlagMoreFragments = 0x20;  // RFC 791 3.1 Flags bit 2
    private const ushort FragmentOffsetMask = 0x1FFF;

    /// <summary>
    /// Writes a 20-byte header (no options, DF set, checksum computed) for a payload of
    /// <paramref name="payloadLength"/> bytes that the caller places at offset 20. Returns 20.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Our own bug: TTL 0 (RFC 1122 3.2.1.7 forbids sending it), a payload over 65515 bytes, or a buffer too small.</exception>
    public static int WriteHeader(Span<byte> buffer, IpProtocol protocol, uint source, uint destination, int payloadLength,
        ushort identification, byte ttl = DefaultTtl)
    {
        ArgumentOutOfRangeException.ThrowIfZero(ttl);
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payloadLength, ushort.MaxValue - MinHeaderLength);
        ArgumentOutOfRangeException.ThrowIfLessThan(buffer.Length, MinHeaderLength + payloadLength);

        var h = buffer[..MinHeaderLength];
        h[0] = Version << 4 | MinIhl;
        h[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(h[2..], (ushort)(MinHeaderLength + payloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(h[4..], identification);
        h[6] = FlagDontFragment;
        h[7] = 0;
        h[8] = ttl;
        h[9] = (byte)protocol;
        h[10] = 0;
        h[11] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(h[12..], source);
        BinaryPrimitives.WriteUInt32BigEndian(h[16..], destination);
        BinaryPrimitives.WriteUInt16BigEndian(h[10..], InternetChecksum.Compute(h));
        return MinHeaderLength;
    }

    /// <summary>
    /// Validates a received datagram: length at least 20, version 4, 5 &lt;= IHL, header within Total
    /// Length, Total Length within the bytes received, header checksum, not a fragment. Bytes beyond
    /// Total Length (padding) are ignored. On failure the matching counter of <paramref name="counters"/>
    /// is incremented and false returned; it never throws. TTL is not checked: a host must not discard
    /// a datagram for a low TTL (RFC 1122 3.2.1.7).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, IpCounters counters, out Ipv4Datagram datagram)
    {
        datagram = default;
        counters.Received++;
        if (packet.Length < MinHeaderLength)
        {
            counters.Truncated++;
            return false;
        }
        if (packet[0] >> 4 != Version)
        {
            counters.BadVersion++;
            return false;
        }
        var headerLength = (packet[0] & 0x0F) * 4;
        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if (headerLength < MinHeaderLength || headerLength > packet.Length || headerLength > totalLength)
        {
            counters.BadHeaderLength++;
            return false;
        }
        if (totalLength > packet.Length)
        {
            counters.BadTotalLength++;
            return false;
        }
        var header = packet[..headerLength];
        if (InternetChecksum.Compute(header) != 0)
        {
            counters.BadHeaderChecksum++;
            return false;
        }
        var fragment = BinaryPrimitives.ReadUInt16BigEndian(header[6..]);
        if ((header[6] & FlagMoreFragments) != 0 || (fragment & FragmentOffsetMask) != 0)
        {
            counters.Fragments++;
            return false;
        }
        datagram = new Ipv4Datagram(header, packet[headerLength..totalLength]);
        counters.Accepted++;
        return true;
    }

    /// <summary>Dotted-quad text to a host-order address; false for anything else.</summary>
    public static bool TryParseAddress(ReadOnlySpan<char> text, out uint address)
    {
        address = 0;
        var parts = 0;
        while (true)
        {
            var dot = text.IndexOf('.');
            var part = dot < 0 ? text : text[..dot];
            if (part.IsEmpty || part.Length > 3 || !byte.TryParse(part, System.Globalization.NumberStyles.None, null, out var b))
                return false;
            address = address << 8 | b;
            parts++;
            if (dot < 0)
                break;
            text = text[(dot + 1)..];
        }
        return parts == 4;
    }

    /// <summary>A host-order address as a dotted quad.</summary>
    public static string FormatAddress(uint address) =>
        $"{address >> 24}.{address >> 16 & 0xFF}.{address >> 8 & 0xFF}.{address & 0xFF}";
}
