using System.Buffers.Binary;
using Gateway.Core.Ip;
using Gateway.Core.Isp;

namespace Gateway.Fuzz;

/// <summary>
/// The user-space IPv4/UDP/ICMP parser (<see cref="IspIpStack.Receive"/>: <see cref="Ipv4"/>, <see cref="Udp"/>,
/// <see cref="IcmpEcho"/>, echo replies built from requests). Input: options (bit 0 the ISP end, which accepts any
/// destination; bit 1 fix the checksums first, so the fuzzer gets past them), then records, each a packet.
/// </summary>
internal sealed class IpTarget : IFuzzTarget, IIpDelivery
{
    private const uint LocalAddress = 0x0A000001; // 10.0.0.1

    public string Name => "ip";

    public string Description => "IspIpStack.Receive (IPv4, UDP, ICMP echo) per packet";

    public long AllocationBase => 16 * 1024;

    public long AllocationPerByte => 0;

    public void Run(ReadOnlySpan<byte> data)
    {
        var input = new FuzzInput(data);
        byte options = input.Byte();
        var stack = new IspIpStack(LocalAddress, acceptAnyDestination: (options & 1) != 0);
        Span<byte> packet = stackalloc byte[ushort.MaxValue];
        while (!input.IsEmpty)
        {
            var record = input.Chunk();
            var copy = packet[..record.Length];
            record.CopyTo(copy);
            if ((options & 2) != 0)
                FixChecksums(copy);
            stack.Receive(copy, this);
        }
    }

    /// <summary>Recomputes the header checksum and, for UDP and ICMP, the payload checksum, where the lengths allow.</summary>
    private static void FixChecksums(Span<byte> packet)
    {
        if (packet.Length < Ipv4.MinHeaderLength)
            return;
        int headerLength = (packet[0] & 0x0F) * 4;
        if (headerLength < Ipv4.MinHeaderLength || headerLength > packet.Length)
            return;
        int total = Math.Min(packet.Length, (int)BinaryPrimitives.ReadUInt16BigEndian(packet[2..]));
        packet[10] = packet[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(packet[10..], InternetChecksum.Compute(packet[..headerLength]));
        if (total <= headerLength)
            return;
        var payload = packet[headerLength..total];
        switch ((IpProtocol)packet[9])
        {
            case IpProtocol.Icmp when payload.Length >= 4:
                payload[2] = payload[3] = 0;
                BinaryPrimitives.WriteUInt16BigEndian(payload[2..], InternetChecksum.Compute(payload));
                break;
            case IpProtocol.Udp when payload.Length >= Udp.HeaderLength:
                payload[6] = payload[7] = 0;
                uint sum = InternetChecksum.AddPseudoHeader(0, BinaryPrimitives.ReadUInt32BigEndian(packet[12..]),
                    BinaryPrimitives.ReadUInt32BigEndian(packet[16..]), IpProtocol.Udp, payload.Length);
                ushort checksum = InternetChecksum.Finish(InternetChecksum.Add(sum, payload));
                BinaryPrimitives.WriteUInt16BigEndian(payload[6..], checksum == 0 ? (ushort)0xFFFF : checksum);
                break;
        }
    }

    public void SendIp(ReadOnlySpan<byte> packet)
    {
        if (packet.Length > IspIpStack.MaxPacket)
            throw new InvariantException($"a {packet.Length}-octet reply from a stack that builds at most {IspIpStack.MaxPacket}");
    }

    public void OnUdp(uint source, ushort sourcePort, uint destination, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
    }

    public void OnEchoReply(uint source, ushort identifier, ushort sequence, ReadOnlySpan<byte> data)
    {
    }
}
