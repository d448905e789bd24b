namespace Gateway.Core.Ppp.Multilink;

/// <summary>Where <see cref="MpDelayEqualiser"/> hands a fragment once it is due (the reassembler's input).</summary>
public interface IMpFragmentSink
{
    void Receive(int member, ReadOnlySpan<byte> fragment, TimeSpan now);
}

/// <summary>Settings of a <see cref="MpDelayEqualiser"/>.</summary>
public sealed record MpDelayEqualiserOptions
{
    /// <summary>Member identifiers 0 .. MaxMembers-1, as the bundle's other halves.</summary>
    public int MaxMembers { get; init; } = 32;

    /// <summary>The largest fragment held; a larger one goes on at once (after what its member already holds).</summary>
    public int SlotSize { get; init; } = 2048;

    /// <summary>Bound on what is held at once (in slots of <see cref="SlotSize"/>): beyond it a member's queue is released early (counted).</summary>
    public int MaxHeldBytes { get; init; } = 4 << 20;

    /// <summary>A member whose last fragment is older than this carries no data now, and its delay sets no target.</summary>
    public TimeSpan CarryingWindow { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Hold up to the slowest member's delay whether or not it carries data now (this end's <c>set schedule
    /// throughput</c>, where both ends spread by rate): the first packets after an idle spell are held too, so no
    /// connection ever sees the fast path's round trip alone.
    /// </summary>
    public bool Always { get; init; }

    /// <summary>No fragment is held longer than this, whatever the delays measured.</summary>
    public TimeSpan MaxHold { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A hold shorter than this is not worth a timer (the reassembler's reorder wait covers it): the fragment goes on at once.</summary>
    public TimeSpan MinHold { get; init; } = TimeSpan.FromMilliseconds(5);
}

/// <summary>What a <see cref="MpDelayEqualiser"/> has done.</summary>
public readonly record struct MpDelayEqualiserStatistics(long Held, long Passed, long Overflows, int HeldNow, TimeSpan Target);

/// <summary>
/// Receive-side delay equalisation for a bundle over paths of unequal delay: a fragment that arrives on a member
/// faster than the slowest member now carrying data is held for the difference, so that every fragment reaches the
/// reassembler as late as the slowest path would have brought it.
/// <para>
/// Why. A sender that spreads one stream over all its members by rate (MLVPN's weighted round robin, our
/// <c>set schedule throughput</c>) makes every packet wait in the reassembler for the slowest path anyway, except the
/// few that happen to cross only fast members while nothing is outstanding. Those few give a TCP sender a round-trip
/// sample of the fast path alone: BBR keeps the smallest it sees for 10 seconds and caps what it has in flight at
/// twice rate times that, which on a 40 ms skew starves the whole bundle (measured: 0.09 of the links). Held here, no
/// packet and no acknowledgement sees a round trip shorter than the bundle's real one.
/// </para>
/// <para>
/// The bundle runs it only under the throughput schedule, with <see cref="MpDelayEqualiserOptions.Always"/>: every
/// fragment is held to the slowest member's delay. Without <c>Always</c> it holds only while a slower member has
/// carried a fragment within <see cref="MpDelayEqualiserOptions.CarryingWindow"/>; measured under earliest delivery
/// first, where the slow member carries a packet now and then, that made a BBR stream's round trip swing between the
/// fast and the slow path's and halved it (0.45 of four links at +40 ms, 0.71 without). Delays are each member's one-way delay
/// as its LCP echo measures it (half the smoothed round trip: a path whose two directions differ is equalised by the
/// mean). Per member, fragments leave in the order they came (its queue is a FIFO; a shorter hold never overtakes a
/// longer one), so RFC 1990's per-link sequence order holds.
/// </para>
/// <para>Zero allocation in steady state: slots come from chunks of 64 allocated as the hold first needs them, up to
/// the bound, and kept; a bundle that never holds anything allocates only its per-member arrays.</para>
/// </summary>
public sealed class MpDelayEqualiser
{
    private const int ChunkSlots = 64;
    private const int None = -1;
    private static readonly long TargetRecomputeTicks = TimeSpan.FromMilliseconds(50).Ticks;

    private readonly MpDelayEqualiserOptions options;
    private readonly double[] delay;     // seconds; < 0 unknown
    private readonly long[] lastCarried; // ticks of the last fragment per member; long.MinValue never
    private readonly int[] head;
    private readonly int[] tail;
    private readonly int[] held;         // slots queued per member
    private readonly List<byte[]> chunks = [];
    private readonly int maxSlots;
    // Per slot, grown a chunk at a time with the slots themselves: an idle bundle (a concentrator holds thousands)
    // pays for none of the 4 MiB it may hold.
    private int[] slotNext = [];
    private int[] slotLength = [];
    private long[] slotDue = [];
    private int[] free = [];
    private int freeCount;
    private int slotsMade;
    private int heldNow;
    private double target;
    private long targetValidUntil = long.MinValue;

    public MpDelayEqualiser(MpDelayEqualiserOptions? options = null)
    {
        this.options = options ??= new MpDelayEqualiserOptions();
        if (options.MaxMembers is < 1 or > 1024)
            throw new ArgumentOutOfRangeException(nameof(options), "MaxMembers must be 1 to 1024");
        if (options.SlotSize < 1 || options.MaxHeldBytes < options.SlotSize)
            throw new ArgumentOutOfRangeException(nameof(options), "SlotSize must be positive and MaxHeldBytes at least one slot");
        int n = options.MaxMembers;
        delay = new double[n];
        lastCarried = new long[n];
        head = new int[n];
        tail = new int[n];
        held = new int[n];
        Array.Fill(delay, -1);
        Array.Fill(lastCarried, long.MinValue);
        Array.Fill(head, None);
        Array.Fill(tail, None);
        maxSlots = options.MaxHeldBytes / options.SlotSize;
    }

    public long Held { get; private set; }

    public long Passed { get; private set; }

    /// <summary>Fragments that could not be held (no slot left, or larger than a slot): their member's queue went on early.</summary>
    public long Overflows { get; private set; }

    /// <summary>Fragments held now.</summary>
    public int HeldNow => heldNow;

    /// <summary>The one-way delay every fragment is held up to: the largest among the members carrying data (zero when none is known).</summary>
    public TimeSpan Target => TimeSpan.FromSeconds(target);

    public MpDelayEqualiserStatistics Statistics => new(Held, Passed, Overflows, heldNow, Target);

    /// <summary>When the next held fragment is due; null when none is held.</summary>
    public TimeSpan? NextDue
    {
        get
        {
            long due = long.MaxValue;
            for (int m = 0; m < head.Length; m++)
                if (head[m] != None && slotDue[head[m]] < due)
                    due = slotDue[head[m]];
            return due == long.MaxValue ? null : TimeSpan.FromTicks(due);
        }
    }

    /// <summary>Sets a member's one-way delay (half its smoothed echo round trip); null forgets it.</summary>
    public void SetDelay(int member, TimeSpan? oneWay)
    {
        if ((uint)member >= (uint)delay.Length)
            return;
        delay[member] = oneWay is { } d && d >= TimeSpan.Zero ? d.TotalSeconds : -1;
        targetValidUntil = long.MinValue;
    }

    /// <summary>How long a fragment arriving on <paramref name="member"/> now is held.</summary>
    public TimeSpan HoldFor(int member, TimeSpan now) =>
        (uint)member < (uint)delay.Length ? TimeSpan.FromSeconds(HoldSeconds(member, now.Ticks)) : TimeSpan.Zero;

    /// <summary>
    /// A fragment arrived on <paramref name="member"/>: it goes to <paramref name="sink"/> now, or is held (copied) until
    /// <see cref="NextDue"/> and <see cref="Release"/>.
    /// </summary>
    public void Receive(int member, ReadOnlySpan<byte> fragment, TimeSpan now, IMpFragmentSink sink)
    {
        if ((uint)member >= (uint)delay.Length)
        {
            sink.Receive(member, fragment, now);
            return;
        }
        long ticks = now.Ticks;
        lastCarried[member] = ticks;
        double hold = HoldSeconds(member, ticks);
        if (head[member] == None && hold < options.MinHold.TotalSeconds)
        {
            Passed++;
            sink.Receive(member, fragment, now);
            return;
        }
        if (fragment.Length > options.SlotSize || !TryTakeSlot(out int slot))
        {
            // Nowhere to keep it: what the member holds goes first, then this one, so its order is kept.
            Overflows++;
            Flush(member, now, sink);
            Passed++;
            sink.Receive(member, fragment, now);
            return;
        }
        fragment.CopyTo(Slot(slot));
        slotLength[slot] = fragment.Length;
        long due = ticks + (long)(hold * TimeSpan.TicksPerSecond);
        if (tail[member] != None && slotDue[tail[member]] > due)
            due = slotDue[tail[member]];
        slotDue[slot] = due;
        slotNext[slot] = None;
        if (tail[member] == None)
            head[member] = slot;
        else
            slotNext[tail[member]] = slot;
        tail[member] = slot;
        held[member]++;
        heldNow++;
        Held++;
    }

    /// <summary>Hands every fragment due by <paramref name="now"/> to <paramref name="sink"/>, each member's in its order.</summary>
    public void Release(TimeSpan now, IMpFragmentSink sink)
    {
        long ticks = now.Ticks;
        for (int m = 0; m < head.Length; m++)
            while (head[m] != None && slotDue[head[m]] <= ticks)
                ReleaseHead(m, now, sink);
    }

    /// <summary>A member left: what it holds goes on now (it arrived; the reassembler decides what it is worth).</summary>
    public void RemoveMember(int member, TimeSpan now, IMpFragmentSink sink)
    {
        if ((uint)member >= (uint)delay.Length)
            return;
        Flush(member, now, sink);
        delay[member] = -1;
        lastCarried[member] = long.MinValue;
        targetValidUntil = long.MinValue;
    }

    /// <summary>Drops everything held (the bundle closed).</summary>
    public void Clear()
    {
        for (int m = 0; m < head.Length; m++)
        {
            while (head[m] != None)
            {
                int slot = head[m];
                head[m] = slotNext[slot];
                free[freeCount++] = slot;
            }
            tail[m] = None;
            held[m] = 0;
            lastCarried[m] = long.MinValue;
        }
        heldNow = 0;
        targetValidUntil = long.MinValue;
    }

    private void Flush(int member, TimeSpan now, IMpFragmentSink sink)
    {
        while (head[member] != None)
            ReleaseHead(member, now, sink);
    }

    private void ReleaseHead(int member, TimeSpan now, IMpFragmentSink sink)
    {
        int slot = head[member];
        head[member] = slotNext[slot];
        if (head[member] == None)
            tail[member] = None;
        held[member]--;
        heldNow--;
        // The slot is free again only after the call: the sink reads from it.
        sink.Receive(member, Slot(slot)[..slotLength[slot]], now);
        free[freeCount++] = slot;
    }

    private double HoldSeconds(int member, long ticks)
    {
        if (ticks >= targetValidUntil)
        {
            target = 0;
            long carrying = ticks - options.CarryingWindow.Ticks;
            for (int m = 0; m < delay.Length; m++)
                if (delay[m] > target && (options.Always || lastCarried[m] >= carrying))
                    target = delay[m];
            target = Math.Min(target, options.MaxHold.TotalSeconds);
            targetValidUntil = ticks + TargetRecomputeTicks;
        }
        return delay[member] < 0 ? 0 : Math.Max(0, target - delay[member]);
    }

    private bool TryTakeSlot(out int slot)
    {
        if (freeCount > 0)
        {
            slot = free[--freeCount];
            return true;
        }
        if (slotsMade >= maxSlots)
        {
            slot = None;
            return false;
        }
        int add = Math.Min(ChunkSlots, maxSlots - slotsMade);
        chunks.Add(new byte[add * options.SlotSize]);
        Array.Resize(ref slotNext, slotsMade + add);
        Array.Resize(ref slotLength, slotsMade + add);
        Array.Resize(ref slotDue, slotsMade + add);
        Array.Resize(ref free, slotsMade + add);
        for (int i = add - 1; i >= 0; i--)
            free[freeCount++] = slotsMade + i;
        slotsMade += add;
        slot = free[--freeCount];
        return true;
    }

    private Span<byte> Slot(int slot)
    {
        int chunk = slot / ChunkSlots, index = slot % ChunkSlots;
        return chunks[chunk].AsSpan(index * options.SlotSize, options.SlotSize);
    }
}
