using System.Buffers.Binary;

namespace Gateway.Core.Ip;

/// <summary>ICMP types handled here (RFC 792).</summary>
public enum IcmpType : byte
{
    EchoReply = 0,
    EchoRequest = 8,
}

/// <summary>A received ICMP message; <see cref="IsEcho"/> tells whether identifier/sequence mean anything.</summary>
public readonly ref struct IcmpMessage
{
    internal IcmpMessage(ReadOnlySpan<byte> message) => Message = message;

    /// <summary>The whole ICMP message (header and data).</summary>
    public ReadOnlySpan<byte> Message { get; }
    public IcmpType Type => (IcmpType)Message[0];
    public byte Code => Message[1];
    public bool IsEcho => Code == 0 && Type is IcmpType.EchoRequest or IcmpType.EchoReply;
    public ushort Identifier => BinaryPrimitives.ReadUInt16BigEndian(Message[4..]);
    public ushort Sequence => BinaryPrimitives.ReadUInt16BigEndian(Message[6..]);
    public ReadOnlySpan<byte> Data => Message[IcmpEcho.HeaderLength..];
}

/// <summary>ICMP echo request and reply (RFC 792) over IPv4: builders into a caller buffer and a validating parser.</summary>
public static class IcmpEcho
{
    public const int HeaderLength = 8;                                  // RFC 792: type, code, checksum, identifier, sequence
    public const int DataOffset = Ipv4.MinHeaderLength + HeaderLength;

    /// <summary>Builds a whole IPv4 packet carrying an echo request or reply. Returns its length.</summary>
    public static int Write(Span<byte> packet, IcmpType type, uint source, uint destination, ushort identifier, ushort sequence,
        ReadOnlySpan<byte> data, ushort ipIdentification, byte ttl = Ipv4.DefaultTtl)
    {
        var length = HeaderLength + data.Length;
        Ipv4.WriteHeader(packet, IpProtocol.Icmp, source, destination, length, ipIdentification, ttl);
        var icmp = packet.Slice(Ipv4.MinHeaderLength, length);
        data.CopyTo(icmp[HeaderLength..]); // before the header: data may overlap a reply built in place
        icmp[0] = (byte)type;
        icmp[1] = 0;
        icmp[2] = 0;
        icmp[3] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], identifier);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], sequence);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.Compute(icmp));
        return Ipv4.MinHeaderLength + length;
    }

    /// <summary>
    /// Validates the ICMP part of an accepted IPv4 datagram: protocol 1, at least 8 bytes, checksum.
    /// Counts and returns false on failure; never throws. Any type is returned; check <see cref="IcmpMessage.IsEcho"/>.
    /// </summary>
    public static bool TryParse(in Ipv4Datagram ip, IpCounters counters, out IcmpMessage message)
    {
        message = default;
        if (ip.Protocol != IpProtocol.Icmp)
        {
            counters.UnknownProtocol++;
            return false;
        }
        if (ip.Payload.Length < HeaderLength)
        {
            counters.IcmpTruncated++;
            return false;
        }
        if (InternetChecksum.Compute(ip.Payload) != 0)
        {
            counters.IcmpBadChecksum++;
            return false;
        }
        message = new IcmpMessage(ip.Payload);
        counters.IcmpAccepted++;
        return true;
    }

    /// <summary>Builds the echo reply to an accepted echo request: addresses swapped, same identifier, sequence and data. Returns the length, or 0 if <paramref name="request"/> is not an echo request.</summary>
    public static int WriteReply(in Ipv4Datagram ip, in IcmpMessage request, Span<byte> packet, ushort ipIdentification, byte ttl = Ipv4.DefaultTtl)
    {
        if (!request.IsEcho || request.Type != IcmpType.EchoRequest)
            return 0;
        return Write(packet, IcmpType.EchoReply, ip.Destination, ip.Source, request.Identifier, request.Sequence, request.Data, ipIdentification, ttl);
    }
}
