using System.Buffers.Binary;
using Gateway.Core.Ip;

namespace Gateway.Emulation.Traffic;

/// <summary>Settings of the in-process traffic source and sink.</summary>
public sealed record TrafficOptions
{
    /// <summary>Probes sent per second (an ICMP-echo-like UDP exchange on port 7); 0 = none.</summary>
    public double ProbesPerSecond { get; init; } = 10;

    /// <summary>Bulk stream sent toward the peer, in bits per second (UDP to the discard port 9); 0 = none.</summary>
    public double BulkBitsPerSecond { get; init; }

    /// <summary>Size of each bulk packet (IP total length).</summary>
    public int BulkPacketSize { get; init; } = 1200;

    /// <summary>A probe unanswered after this long counts as lost.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Answer the peer's probes (the receiver end).</summary>
    public bool Reflect { get; init; } = true;
}

/// <summary>What the traffic endpoint wants sent; the span is valid during the call only.</summary>
public interface ITrafficOutput
{
    void Send(ReadOnlySpan<byte> ipPacket);
}

/// <summary>
/// A pure traffic source and sink at one end of a bundle: probes (UDP port 7, sequence number and send time,
/// reflected by the far end) give round-trip time and loss; a bulk stream (UDP port 9) gives goodput. Used where
/// no tun device carries real traffic: the demo, unprivileged runs, tests. Time comes in as <c>now</c>.
/// </summary>
public sealed class TrafficEndpoint
{
    public const ushort ProbePort = 7;    // RFC 862 echo
    public const ushort BulkPort = 9;     // RFC 863 discard
    private const ushort SourcePort = 40007;
    private const int ProbePayload = 16;  // sequence (8) + send time ticks (8)
    private const int MaxOutstanding = 4096;

    private readonly TrafficOptions options;
    // Sized for the largest packet written so far (a bundle that only reflects small probes keeps it small).
    private byte[] scratch = new byte[256];
    private readonly Dictionary<long, TimeSpan> outstanding = new();
    private readonly Queue<(long Seq, TimeSpan Sent)> order = new();
    private readonly IpCounters counters = new();
    private uint local;
    private uint peer;
    private long nextProbe;
    private TimeSpan lastTick;
    private double probeCredit;
    private double bulkCredit;
    private ushort identification;
    private TimeSpan? smoothedRtt;
    private (TimeSpan At, long Octets) rateMark;
    private double goodput;

    public TrafficEndpoint(TrafficOptions options) => this.options = options;

    public long ProbesSent { get; private set; }
    public long ProbesAnswered { get; private set; }
    public long ProbesLost { get; private set; }
    public long ProbesReflected { get; private set; }
    public long BulkPacketsSent { get; private set; }
    public long BulkOctetsReceived { get; private set; }
    public long BulkPacketsReceived { get; private set; }
    public long OtherPackets { get; private set; }
    public TimeSpan? LatestRtt { get; private set; }
    public TimeSpan? SmoothedRtt => smoothedRtt;

    /// <summary>Received bulk goodput over the last rate window, bits per second.</summary>
    public double GoodputBitsPerSecond => goodput;

    public double ProbeLossPercent => ProbesSent == 0 ? 0 : 100.0 * ProbesLost / ProbesSent;

    /// <summary>The bundle's addresses (IPCP's MYADDR and HISADDR); traffic starts once they are known.</summary>
    public void SetAddresses(uint myAddress, uint hisAddress, TimeSpan now)
    {
        local = myAddress;
        peer = hisAddress;
        lastTick = now;
        rateMark = (now, BulkOctetsReceived);
    }

    public void ClearAddresses() => local = peer = 0;

    /// <summary>Sends what is due since the last tick (probes and bulk at their rates) and ages out lost probes.</summary>
    public void Tick(TimeSpan now, ITrafficOutput output)
    {
        var elapsed = (now - lastTick).TotalSeconds;
        lastTick = now;
        ExpireProbes(now);
        UpdateGoodput(now);
        if (local == 0 || elapsed <= 0)
            return;
        // Credits are capped at one second's worth, so a stalled bundle does not burst afterwards.
        probeCredit = Math.Min(probeCredit + elapsed * options.ProbesPerSecond, Math.Max(1, options.ProbesPerSecond));
        while (probeCredit >= 1)
        {
            probeCredit--;
            SendProbe(now, output);
        }
        double bulkBytes = options.BulkBitsPerSecond / 8;
        bulkCredit = Math.Min(bulkCredit + elapsed * bulkBytes, Math.Max(options.BulkPacketSize, bulkBytes));
        while (bulkCredit >= options.BulkPacketSize)
        {
            bulkCredit -= options.BulkPacketSize;
            SendBulk(output);
        }
    }

    /// <summary>An IP packet came out of the bundle.</summary>
    public void Receive(ReadOnlySpan<byte> packet, TimeSpan now, ITrafficOutput output)
    {
        if (!Ipv4.TryParse(packet, counters, out var ip) || ip.Protocol != IpProtocol.Udp || !Udp.TryParse(ip, counters, out var udp))
        {
            OtherPackets++;
            return;
        }
        switch (udp.DestinationPort)
        {
            case BulkPort:
                BulkPacketsReceived++;
                BulkOctetsReceived += packet.Length;
                break;
            case ProbePort when options.Reflect && udp.Payload.Length >= ProbePayload:
                // Reflect: same payload back to where it came from.
                int length = Udp.Write(Scratch(Udp.PayloadOffset + udp.Payload.Length), ip.Destination, ip.Source, ProbePort, udp.SourcePort, udp.Payload, identification++);
                ProbesReflected++;
                output.Send(scratch.AsSpan(0, length));
                break;
            case SourcePort when udp.SourcePort == ProbePort && udp.Payload.Length >= ProbePayload:
                OnProbeAnswer(udp.Payload, now);
                break;
            default:
                OtherPackets++;
                break;
        }
    }

    private byte[] Scratch(int length)
    {
        if (scratch.Length < length)
            scratch = new byte[Math.Max(length, scratch.Length * 2)];
        return scratch;
    }

    private void SendProbe(TimeSpan now, ITrafficOutput output)
    {
        long seq = nextProbe++;
        Span<byte> payload = stackalloc byte[ProbePayload];
        BinaryPrimitives.WriteInt64BigEndian(payload, seq);
        BinaryPrimitives.WriteInt64BigEndian(payload[8..], now.Ticks);
        int length = Udp.Write(Scratch(Udp.PayloadOffset + payload.Length), local, peer, SourcePort, ProbePort, payload, identification++);
        if (outstanding.Count >= MaxOutstanding)
            ExpireOldest();
        outstanding[seq] = now;
        order.Enqueue((seq, now));
        ProbesSent++;
        output.Send(scratch.AsSpan(0, length));
    }

    private void SendBulk(ITrafficOutput output)
    {
        int payloadLength = Math.Max(0, options.BulkPacketSize - Udp.PayloadOffset);
        int length = Udp.WriteHeaders(Scratch(Udp.PayloadOffset + payloadLength), local, peer, SourcePort, BulkPort, payloadLength, identification++);
        BulkPacketsSent++;
        output.Send(scratch.AsSpan(0, length));
    }

    private void OnProbeAnswer(ReadOnlySpan<byte> payload, TimeSpan now)
    {
        long seq = BinaryPrimitives.ReadInt64BigEndian(payload);
        if (!outstanding.Remove(seq, out var sent))
            return; // late (already counted lost) or duplicate
        ProbesAnswered++;
        var rtt = now - sent;
        LatestRtt = rtt;
        smoothedRtt = smoothedRtt is { } s ? TimeSpan.FromTicks((long)(s.Ticks * 0.875 + rtt.Ticks * 0.125)) : rtt;
    }

    private void ExpireProbes(TimeSpan now)
    {
        while (order.Count > 0 && now - order.Peek().Sent > options.ProbeTimeout)
            ExpireOldest();
    }

    private void ExpireOldest()
    {
        var (seq, _) = order.Dequeue();
        if (outstanding.Remove(seq))
            ProbesLost++;
    }

    private void UpdateGoodput(TimeSpan now)
    {
        var window = now - rateMark.At;
        if (window < TimeSpan.FromSeconds(1))
            return;
        goodput = (BulkOctetsReceived - rateMark.Octets) * 8 / window.TotalSeconds;
        rateMark = (now, BulkOctetsReceived);
    }
}
