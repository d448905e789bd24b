namespace Gateway.Core.Actors;

/// <summary>
/// Bounds the data packets queued in actor mailboxes between a producer (a socket's or a tun device's reading
/// thread, a bundle fanning fragments out) and the actor that consumes them, as a NIC bounds its ring: a packet that
/// finds the gate full is dropped and counted at the door instead of piling up without limit, so memory stays
/// bounded under overload and the control frames behind the data (LCP echo) wait for at most <see cref="Limit"/>
/// packets. Lock-free; <see cref="TryEnter"/> on the producer's thread, <see cref="Leave"/> where the packet is done.
/// </summary>
public sealed class PacketGate(int limit)
{
    /// <summary>The default depth: room for bursts of a fast link, about 1.5 MB of 1500-byte packets.</summary>
    public const int DefaultLimit = 1024;

    private int inFlight;
    private long dropped;

    public PacketGate() : this(DefaultLimit)
    {
    }

    public int Limit { get; } = limit > 0 ? limit : throw new ArgumentOutOfRangeException(nameof(limit));

    /// <summary>Packets past the gate and not yet done.</summary>
    public int InFlight => Volatile.Read(ref inFlight);

    /// <summary>Packets dropped because the gate was full.</summary>
    public long Dropped => Interlocked.Read(ref dropped);

    /// <summary>True: the packet may go (call <see cref="Leave"/> when it is done); false: drop it (counted).</summary>
    public bool TryEnter()
    {
        if (Interlocked.Increment(ref inFlight) <= Limit)
            return true;
        Interlocked.Decrement(ref inFlight);
        Interlocked.Increment(ref dropped);
        return false;
    }

    public void Leave() => Interlocked.Decrement(ref inFlight);
}
