namespace Gateway.Core.Ppp.Multilink;

/// <summary>What a sample of <see cref="DeliveryWatch"/> changed.</summary>
public enum DeliveryChange
{
    None,
    /// <summary>Fragments have kept arriving and nothing was reassembled for the watch's period.</summary>
    Stalled,
    /// <summary>A packet was reassembled again after a stall.</summary>
    Recovered,
    /// <summary>A stall ended because fragments stopped arriving for the watch's period (nothing was reassembled).</summary>
    Quiet,
}

/// <summary>
/// Watches one bundle's receive side for "members up but nothing delivered" (issue 17): Multilink fragments keep
/// arriving on its members, yet the reassembler has put out no packet for <see cref="StallAfter"/>. A bundle that
/// receives nothing is idle, not stalled, and so is one whose last few fragments were lost before it fell silent:
/// fragments must still be arriving. The owner samples the reassembler's counters (fragments in over all members,
/// packets reassembled) on its status tick, with its own clock; pure, no timers.
/// </summary>
public sealed class DeliveryWatch
{
    /// <summary>The default period: five status ticks, longer than any reorder timeout the reassembler uses.</summary>
    public static readonly TimeSpan DefaultStallAfter = TimeSpan.FromSeconds(5);

    private long packetsSeen;
    private long fragmentsSeen;
    private long fragmentsAtDelivery;
    private TimeSpan lastDelivery;
    private TimeSpan lastFragment;

    public DeliveryWatch(TimeSpan? stallAfter = null)
    {
        StallAfter = stallAfter ?? DefaultStallAfter;
        if (StallAfter <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(stallAfter), StallAfter, "the stall period must be positive");
    }

    public TimeSpan StallAfter { get; }

    /// <summary>When the last packet came out of the reassembler, while stalled; null otherwise.</summary>
    public TimeSpan? StalledSince { get; private set; }

    /// <summary>Fragments that arrived since the last packet came out (while stalled; 0 otherwise).</summary>
    public long FragmentsSinceDelivery => StalledSince is null ? 0 : fragmentsSeen - fragmentsAtDelivery;

    /// <summary>Starts watching afresh (the bundle came up, or its reassembler was replaced) at these counters.</summary>
    public void Reset(TimeSpan now, long fragmentsIn, long packetsReassembled)
    {
        packetsSeen = packetsReassembled;
        fragmentsSeen = fragmentsAtDelivery = fragmentsIn;
        lastDelivery = lastFragment = now;
        StalledSince = null;
    }

    /// <summary>One sample of the reassembler's counters (they only grow; a smaller value restarts the watch).</summary>
    public DeliveryChange Sample(TimeSpan now, long fragmentsIn, long packetsReassembled)
    {
        bool wasStalled = StalledSince is not null;
        if (packetsReassembled != packetsSeen || fragmentsIn < fragmentsSeen)
        {
            Reset(now, fragmentsIn, packetsReassembled);
            return wasStalled ? DeliveryChange.Recovered : DeliveryChange.None;
        }
        if (fragmentsIn > fragmentsSeen)
        {
            fragmentsSeen = fragmentsIn;
            lastFragment = now;
        }
        bool arriving = now - lastFragment < StallAfter;
        if (wasStalled)
        {
            if (arriving)
                return DeliveryChange.None;
            Reset(now, fragmentsIn, packetsReassembled);
            return DeliveryChange.Quiet;
        }
        if (fragmentsSeen > fragmentsAtDelivery && lastFragment == now && now - lastDelivery >= StallAfter)
        {
            StalledSince = lastDelivery;
            return DeliveryChange.Stalled;
        }
        return DeliveryChange.None;
    }
}
