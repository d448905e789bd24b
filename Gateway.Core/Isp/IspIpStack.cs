using System.Buffers.Binary;
using System.Net;
using Gateway.Core.Ip;

namespace Gateway.Core.Isp;

/// <summary>What <see cref="IspIpStack.Receive"/> hands on.</summary>
public interface IIpDelivery
{
    /// <summary>An IPv4 packet to send on the PPP link (an ICMP echo reply built by the stack).</summary>
    void SendIp(ReadOnlySpan<byte> packet);

    /// <summary>A UDP datagram arrived. Addresses in host order.</summary>
    void OnUdp(uint source, ushort sourcePort, uint destination, ushort destinationPort, ReadOnlySpan<byte> payload);

    /// <summary>An ICMP echo reply arrived (to a request we sent).</summary>
    void OnEchoReply(uint source, ushort identifier, ushort sequence, ReadOnlySpan<byte> data);
}

/// <summary>
/// User-space IPv4 over one ISP's PPP session: builds UDP datagrams from MYADDR and ICMP
/// echo requests, and sorts what arrives: UDP to the owner (demultiplexed by port there), ICMP echo requests answered
/// here, echo replies to the owner, anything else counted and dropped. No sockets, threads or clocks; one caller at a
/// time. Packets are built in one reused buffer: the span a Build method returns is valid until the next call.
/// </summary>
public sealed class IspIpStack
{
    /// <summary>Largest packet built or answered (the PPP MRU we use, RFC 1661 6.1 default).</summary>
    public const int MaxPacket = 1500;

    private readonly byte[] buffer = new byte[MaxPacket];
    private ushort identification;

    /// <param name="localAddress">MYADDR (host order).</param>
    /// <param name="acceptAnyDestination">True for the ISP end (it routes every address); false for a client, which
    /// drops packets not addressed to MYADDR.</param>
    public IspIpStack(uint localAddress, bool acceptAnyDestination = false)
    {
        LocalAddress = localAddress;
        AcceptAnyDestination = acceptAnyDestination;
    }

    public uint LocalAddress { get; }

    public bool AcceptAnyDestination { get; }

    /// <summary>Parse failures and accepted packets, per the codec.</summary>
    public IpCounters Counters { get; } = new();

    /// <summary>Packets for another address (client side only).</summary>
    public long NotForUs { get; private set; }

    /// <summary>ICMP messages other than echo request and reply.</summary>
    public long OtherIcmp { get; private set; }

    public long EchoRequestsAnswered { get; private set; }

    /// <summary>Builds an IPv4/UDP packet from MYADDR:<paramref name="localPort"/>. Empty when the payload does not fit.</summary>
    public ReadOnlySpan<byte> BuildUdp(ushort localPort, uint destination, ushort destinationPort, ReadOnlySpan<byte> payload) =>
        BuildUdp(LocalAddress, localPort, destination, destinationPort, payload);

    /// <summary>Builds an IPv4/UDP packet with any source (the ISP end answers from the address that was asked).</summary>
    public ReadOnlySpan<byte> BuildUdp(uint source, ushort sourcePort, uint destination, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaxPacket - Udp.PayloadOffset)
            return [];
        var n = Udp.Write(buffer, source, destination, sourcePort, destinationPort, payload, ++identification);
        return buffer.AsSpan(0, n);
    }

    /// <summary>Builds an ICMP echo request from MYADDR. Empty when the data does not fit.</summary>
    public ReadOnlySpan<byte> BuildEchoRequest(uint destination, ushort identifier, ushort sequence, ReadOnlySpan<byte> data)
    {
        if (data.Length > MaxPacket - IcmpEcho.DataOffset)
            return [];
        var n = IcmpEcho.Write(buffer, IcmpType.EchoRequest, LocalAddress, destination, identifier, sequence, data, ++identification);
        return buffer.AsSpan(0, n);
    }

    /// <summary>Sorts one received IPv4 packet. Never throws on peer bytes.</summary>
    public void Receive(ReadOnlySpan<byte> packet, IIpDelivery delivery)
    {
        if (!Ipv4.TryParse(packet, Counters, out var ip))
            return;
        if (!AcceptAnyDestination && ip.Destination != LocalAddress)
        {
            NotForUs++;
            return;
        }
        switch (ip.Protocol)
        {
            case IpProtocol.Udp:
                if (Udp.TryParse(ip, Counters, out var udp))
                    delivery.OnUdp(ip.Source, udp.SourcePort, ip.Destination, udp.DestinationPort, udp.Payload);
                break;
            case IpProtocol.Icmp:
                if (!IcmpEcho.TryParse(ip, Counters, out var icmp))
                    break;
                if (icmp.IsEcho && icmp.Type == IcmpType.EchoRequest && ip.Payload.Length <= MaxPacket - Ipv4.MinHeaderLength)
                {
                    var n = IcmpEcho.WriteReply(ip, icmp, buffer, ++identification);
                    EchoRequestsAnswered++;
                    delivery.SendIp(buffer.AsSpan(0, n));
                }
                else if (icmp.IsEcho && icmp.Type == IcmpType.EchoReply)
                {
                    delivery.OnEchoReply(ip.Source, icmp.Identifier, icmp.Sequence, icmp.Data);
                }
                else
                {
                    OtherIcmp++;
                }
                break;
            default:
                Counters.CountUnknownProtocol();
                break;
        }
    }

    /// <summary>An IPv4 address in host order.</summary>
    public static uint ToUInt32(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || !address.TryWriteBytes(bytes, out _))
            throw new ArgumentException($"{address} is not an IPv4 address", nameof(address));
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    public static IPAddress ToAddress(uint address)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, address);
        return new IPAddress(bytes);
    }
}
