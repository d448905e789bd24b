namespace Gateway.Core.Transport;

/// <summary>
/// One packet handed from a thread to an actor (a socket's loop to a bundle, a tun reader to a bundle, a bundle to a
/// modem link): a pooled buffer rented from a <see cref="PacketLane"/> with the bytes and where they came from or
/// go, told as the message itself and given back with <see cref="Release"/> by whoever consumes it. The producer
/// fills it before telling it and never touches it after; the consumer releases it exactly once.
/// </summary>
public sealed class Packet
{
    private readonly PacketLane lane;
    private byte[] buffer;

    internal Packet(PacketLane lane, int capacity)
    {
        this.lane = lane;
        buffer = new byte[capacity];
    }

    public int Length { get; private set; }

    /// <summary>The lane it was rented from (a consumer fed by several lanes tells them apart by it).</summary>
    public PacketLane Lane => lane;

    /// <summary>The packet's bytes (valid until <see cref="Release"/>).</summary>
    public ReadOnlySpan<byte> Span => buffer.AsSpan(0, Length);

    /// <summary>Who it came from (a bundle member's index, a sublink's key): the producer's to set.</summary>
    public int Source { get; set; }

    /// <summary>Where it goes or what it is (a UDP port, a protocol number): the producer's to set.</summary>
    public int Tag { get; set; }

    /// <summary>A peer address (IPv4, host order) and port, for datagrams sent through a link.</summary>
    public uint Address { get; set; }

    public ushort Port { get; set; }

    internal void Fill(ReadOnlySpan<byte> bytes)
    {
        if (buffer.Length < bytes.Length)
            buffer = new byte[bytes.Length];
        bytes.CopyTo(buffer);
        Length = bytes.Length;
    }

    /// <summary>Done with it: the buffer goes back to its lane and the lane's count of packets in flight drops by one.</summary>
    public void Release() => lane.Return(this);
}

/// <summary>
/// A bounded, pooled hand-over of packets from one thread to an actor, as a NIC's ring: at most <see cref="Limit"/>
/// packets in flight; one that finds the lane full is dropped and counted at the door instead of queueing without
/// bound, so memory stays bounded under overload and the control frames behind the data wait for at most that many
/// packets. Buffers are reused, so the steady state allocates nothing. Thread-safe.
/// </summary>
public sealed class PacketLane
{
    /// <summary>The default depth: room for bursts of a fast link, about 1.5 MB of 1500-byte packets.</summary>
    public const int DefaultLimit = 1024;

    /// <summary>A buffer's first size: a full Ethernet-size packet with room for PPP and Multilink headers.</summary>
    public const int DefaultBufferSize = 2048;

    /// <summary>The free list's first size: it grows (doubling, up to <see cref="Limit"/>) only as more packets are in flight at once.</summary>
    private const int FirstFreeSize = 8;

    private readonly Lock gate = new();
    // Released packets kept for reuse. It starts small: a concentrator holds thousands of idle lanes (two a bundle of
    // one sublink), and a full-size array from the start cost each 8 KiB that an idle lane never fills
    // (docs/BENCHMARKS.md, "Receiver cluster scale").
    private Packet?[] free;
    private readonly int bufferSize;
    private int freeCount;
    private int inFlight;
    private long dropped;

    public PacketLane(int limit = DefaultLimit, int bufferSize = DefaultBufferSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        Limit = limit;
        this.bufferSize = bufferSize;
        free = new Packet?[Math.Min(limit, FirstFreeSize)];
    }

    public int Limit { get; }

    /// <summary>Packets rented and not yet released.</summary>
    public int InFlight => Volatile.Read(ref inFlight);

    /// <summary>Packets dropped because the lane was full.</summary>
    public long Dropped => Interlocked.Read(ref dropped);

    /// <summary>A packet holding a copy of <paramref name="bytes"/>, or null (counted) when <see cref="Limit"/> are in flight.</summary>
    public Packet? TryRent(ReadOnlySpan<byte> bytes)
    {
        Packet? packet;
        lock (gate)
        {
            if (inFlight >= Limit)
            {
                dropped++;
                return null;
            }
            inFlight++;
            packet = freeCount > 0 ? free[--freeCount] : null;
            if (packet is not null)
                free[freeCount] = null;
        }
        packet ??= new Packet(this, Math.Max(bufferSize, bytes.Length));
        packet.Fill(bytes);
        packet.Source = 0;
        packet.Tag = 0;
        packet.Address = 0;
        packet.Port = 0;
        return packet;
    }

    internal void Return(Packet packet)
    {
        lock (gate)
        {
            inFlight--;
            if (freeCount == free.Length && free.Length < Limit)
                Array.Resize(ref free, Math.Min(Limit, free.Length * 2));
            if (freeCount < free.Length)
                free[freeCount++] = packet;
        }
    }
}
