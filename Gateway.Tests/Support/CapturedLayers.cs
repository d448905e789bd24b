using System.Buffers.Binary;

namespace Gateway.Tests.Support;

/// <summary>A UDP datagram found in a captured packet.</summary>
public sealed record CapturedUdp(ushort SourcePort, ushort DestinationPort, byte[] Payload);

/// <summary>
/// Pulls UDP payloads and PPP frames out of captured packets for the link types our captures use.
/// Fragments, options it does not know and truncated headers make it answer false, never throw.
/// </summary>
public static class CapturedLayers
{
    public const uint LinkTypeNull = 0;          // BSD loopback: 4-octet address family in host order
    public const uint LinkTypeEthernet = 1;
    public const uint LinkTypePpp = 9;           // PPP frame, possibly starting FF 03 (RFC 1661)
    public const uint LinkTypeRaw = 101;         // raw IPv4/IPv6 (also 12 and 14 on some systems)
    public const uint LinkTypePppHdlc = 50;      // PPP in HDLC-like framing, unstuffed, FCS per tshark's ppp.fcs_type
    public const uint LinkTypeLoop = 108;        // OpenBSD loopback: 4-octet address family, big-endian
    public const uint LinkTypeLinuxSll = 113;
    public const uint LinkTypePppWithDirection = 204;
    public const uint LinkTypeIpv4 = 228;
    public const uint LinkTypeLinuxSll2 = 276;

    private const ushort EtherTypeIpv4 = 0x0800;
    private const ushort EtherTypeVlan = 0x8100;
    private const ushort EtherTypeQinQ = 0x88A8;
    private const ushort EtherTypePpp = 0x880B;
    private const ushort EtherTypePppoeSession = 0x8864;
    private const byte IpProtocolUdp = 17;

    /// <summary>The UDP datagram of an IPv4 packet in Ethernet, loopback, Linux cooked or raw-IP captures.</summary>
    public static bool TryGetUdp(uint linkType, ReadOnlySpan<byte> packet, out CapturedUdp udp)
    {
        udp = new CapturedUdp(0, 0, []);
        return TryGetIpv4(linkType, packet, out ReadOnlySpan<byte> ip) && TryParseUdp(ip, out udp);
    }

    /// <summary>
    /// The PPP frame (address through information, no FCS unless the capture kept one) of a PPP capture (link
    /// types 9, 50, 204) or of PPP carried in Ethernet (EtherType 0x880B, or a PPPoE session).
    /// </summary>
    public static bool TryGetPppFrame(uint linkType, ReadOnlySpan<byte> packet, out byte[] frame)
    {
        frame = [];
        switch (linkType)
        {
            case LinkTypePpp:
            case LinkTypePppHdlc:
                frame = packet.ToArray();
                return true;
            case LinkTypePppWithDirection when packet.Length >= 1:
                frame = packet[1..].ToArray();
                return true;
            case LinkTypeEthernet:
                if (!TryGetEtherPayload(packet, out ushort etherType, out ReadOnlySpan<byte> payload))
                    return false;
                if (etherType == EtherTypePpp)
                {
                    frame = payload.ToArray();
                    return true;
                }

                // RFC 2516 section 4: version/type, code, session id, length, then the PPP protocol field.
                if (etherType == EtherTypePppoeSession && payload.Length >= 6)
                {
                    frame = payload[6..].ToArray();
                    return true;
                }

                return false;
            default:
                return false;
        }
    }

    private static bool TryGetIpv4(uint linkType, ReadOnlySpan<byte> packet, out ReadOnlySpan<byte> ip)
    {
        ip = default;
        switch (linkType)
        {
            case LinkTypeEthernet:
                if (!TryGetEtherPayload(packet, out ushort etherType, out ip) || etherType != EtherTypeIpv4)
                    return false;
                return true;
            case LinkTypeNull when packet.Length >= 4:
                // Host byte order of the capturing machine: accept AF_INET (2) either way round.
                uint family = BinaryPrimitives.ReadUInt32LittleEndian(packet);
                ip = packet[4..];
                return family == 2 || family == 0x02000000;
            case LinkTypeLoop when packet.Length >= 4:
                ip = packet[4..];
                return BinaryPrimitives.ReadUInt32BigEndian(packet) == 2;
            case LinkTypeLinuxSll when packet.Length >= 16:
                ip = packet[16..];
                return BinaryPrimitives.ReadUInt16BigEndian(packet[14..]) == EtherTypeIpv4;
            case LinkTypeLinuxSll2 when packet.Length >= 20:
                ip = packet[20..];
                return BinaryPrimitives.ReadUInt16BigEndian(packet) == EtherTypeIpv4;
            case LinkTypeRaw or 12 or 14 or LinkTypeIpv4:
                ip = packet;
                return packet.Length > 0 && packet[0] >> 4 == 4;
            default:
                return false;
        }
    }

    private static bool TryGetEtherPayload(ReadOnlySpan<byte> frame, out ushort etherType, out ReadOnlySpan<byte> payload)
    {
        etherType = 0;
        payload = default;
        int offset = 12;
        while (true)
        {
            if (frame.Length < offset + 2)
                return false;
            etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]);
            if (etherType is not (EtherTypeVlan or EtherTypeQinQ))
                break;
            offset += 4;
        }

        payload = frame[(offset + 2)..];
        return true;
    }

    private static bool TryParseUdp(ReadOnlySpan<byte> ip, out CapturedUdp udp)
    {
        udp = new CapturedUdp(0, 0, []);
        if (ip.Length < 20 || ip[0] >> 4 != 4)
            return false;
        int headerLength = (ip[0] & 0x0F) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(ip[6..]);
        bool isFragment = (fragment & 0x3FFF) != 0;  // more-fragments bit or a non-zero offset
        if (headerLength < 20 || totalLength < headerLength + 8 || isFragment || ip[9] != IpProtocolUdp)
            return false;
        ReadOnlySpan<byte> datagram = ip[headerLength..Math.Min(totalLength, ip.Length)];
        if (datagram.Length < 8)
            return false;
        int udpLength = BinaryPrimitives.ReadUInt16BigEndian(datagram[4..]);
        if (udpLength < 8)
            return false;
        udp = new CapturedUdp(
            BinaryPrimitives.ReadUInt16BigEndian(datagram),
            BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]),
            datagram[8..Math.Min(udpLength, datagram.Length)].ToArray());
        return true;
    }
}
