using System.Buffers.Binary;

namespace Gateway.Core.Ip;

/// <summary>A received UDP datagram: ports and the payload (a slice bounded by the UDP Length field).</summary>
public readonly ref struct UdpDatagram
{
    internal UdpDatagram(ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        SourcePort = sourcePort;
        DestinationPort = destinationPort;
        Payload = payload;
    }

    public ushort SourcePort { get; }
    public ushort DestinationPort { get; }
    public ReadOnlySpan<byte> Payload { get; }
}

/// <summary>UDP over IPv4 (RFC 768): whole-packet builders into a caller buffer and a validating parser.</summary>
public static class Udp
{
    public const int HeaderLength = 8;                                   // RFC 768
    /// <summary>Where the UDP payload starts in a packet built by <see cref="WriteHeaders"/>.</summary>
    public const int PayloadOffset = Ipv4.MinHeaderLength + HeaderLength;
    /// <summary>Largest payload that fits in one IPv4 datagram.</summary>
    public const int MaxPayload = ushort.MaxValue - PayloadOffset;

    /// <summary>
    /// Builds IPv4 + UDP around a payload the caller has already placed at <see cref="PayloadOffset"/>
    /// (zero-copy). The UDP checksum is always computed (0 sent as 0xFFFF, RFC 768). Returns the packet length.
    /// </summary>
    public static int WriteHeaders(Span<byte> packet, uint source, uint destination, ushort sourcePort, ushort destinationPort,
        int payloadLength, ushort identification, byte ttl = Ipv4.DefaultTtl)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payloadLength, MaxPayload);
        var udpLength = HeaderLength + payloadLength;
        Ipv4.WriteHeader(packet, IpProtocol.Udp, source, destination, udpLength, identification, ttl);
        var udp = packet.Slice(Ipv4.MinHeaderLength, udpLength);
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udpLength);
        udp[6] = 0;
        udp[7] = 0;
        var sum = InternetChecksum.AddPseudoHeader(0, source, destination, IpProtocol.Udp, udpLength);
        var checksum = InternetChecksum.Finish(InternetChecksum.Add(sum, udp));
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], checksum == 0 ? (ushort)0xFFFF : checksum);
        return Ipv4.MinHeaderLength + udpLength;
    }

    /// <summary>Copies <paramref name="payload"/> to <see cref="PayloadOffset"/> and builds the headers. Returns the packet length.</summary>
    public static int Write(Span<byte> packet, uint source, uint destination, ushort sourcePort, ushort destinationPort,
        ReadOnlySpan<byte> payload, ushort identification, byte ttl = Ipv4.DefaultTtl)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(packet.Length, PayloadOffset + payload.Length);
        payload.CopyTo(packet[PayloadOffset..]);
        return WriteHeaders(packet, source, destination, sourcePort, destinationPort, payload.Length, identification, ttl);
    }

    /// <summary>
    /// Validates the UDP part of an accepted IPv4 datagram: protocol 17, at least 8 bytes, 8 &lt;= Length
    /// &lt;= IP payload, checksum verified when non-zero. Counts and returns false on failure; never throws.
    /// </summary>
    public static bool TryParse(in Ipv4Datagram ip, IpCounters counters, out UdpDatagram datagram)
    {
        datagram = default;
        if (ip.Protocol != IpProtocol.Udp)
        {
            counters.UnknownProtocol++;
            return false;
        }
        var segment = ip.Payload;
        if (segment.Length < HeaderLength)
        {
            counters.UdpTruncated++;
            return false;
        }
        var length = BinaryPrimitives.ReadUInt16BigEndian(segment[4..]);
        if (length < HeaderLength || length > segment.Length)
        {
            counters.UdpBadLength++;
            return false;
        }
        segment = segment[..length];
        if (BinaryPrimitives.ReadUInt16BigEndian(segment[6..]) != 0)
        {
            var sum = InternetChecksum.AddPseudoHeader(0, ip.Source, ip.Destination, IpProtocol.Udp, length);
            if (InternetChecksum.Finish(InternetChecksum.Add(sum, segment)) != 0)
            {
                counters.UdpBadChecksum++;
                return false;
            }
        }
        datagram = new UdpDatagram(
            BinaryPrimitives.ReadUInt16BigEndian(segment),
            BinaryPrimitives.ReadUInt16BigEndian(segment[2..]),
            segment[HeaderLength..]);
        counters.UdpAccepted++;
        return true;
    }
}
