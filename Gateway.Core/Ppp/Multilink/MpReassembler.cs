namespace Gateway.Core.Ppp.Multilink;

/// <summary>Receives the packets a reassembler rebuilds. The span is valid only during the call.</summary>
public interface IMpPacketSink
{
    void Deliver(ushort protocol, ReadOnlySpan<byte> information);
}

/// <summary>Settings of the receiving half of a bundle.</summary>
public sealed record MpReassemblerOptions
{
    /// <summary>Sequence format we receive (we asked for short sequence numbers, RFC 1990 5.1.2).</summary>
    public MpSequenceFormat Format { get; init; } = MpSequenceFormat.Long;

    /// <summary>Our MRRU (RFC 1990 5.1.1): a rebuilt Information field above it is dropped and counted.</summary>
    public ushort Mrru { get; init; } = 1500;

    /// <summary>Hard cap on fragment data held for reordering, in bytes.</summary>
    public int MaxBufferedBytes { get; init; } = 1 << 20;

    /// <summary>Hard cap on fragments held for reordering.</summary>
    public int MaxBufferedFragments { get; init; } = 1024;

    /// <summary>Largest fragment data accepted (at least the largest member MRU); larger fragments are dropped and counted.</summary>
    public int MaxFragmentSize { get; init; } = 2048;

    /// <summary>
    /// Sequence numbers accepted ahead of the next expected one (a power of two, at most half the sequence
    /// space). Default: 1024 for short sequence numbers, 8192 for long ones.
    /// </summary>
    public int? Window { get; init; }

    /// <summary>
    /// How far ahead of the newest sequence number received so far (on any member) a fragment may be and still be
    /// believed, at most <see cref="Window"/>. A sender numbers its fragments one by one, so a legitimate fragment is
    /// only as far ahead as the fragments still in flight on other members or lost; one far beyond is a buggy,
    /// restarted or forged peer, and taking it would let the reorder timeout skip every number below it, the
    /// packets still in flight among them. Such a fragment is dropped and counted as out of window. Default: a
    /// quarter of the window (256 for short sequence numbers, 2048 for long ones). The first fragment of a bundle may
    /// lie anywhere (RFC 1990 does not make senders start at 0): outside the window, the reassembler resynchronises on
    /// it. So may the first after every member heard from has left.
    /// </summary>
    public int? MaxJump { get; init; }

    /// <summary>
    /// Fixed reorder timeout: a buffered fragment never waits longer than this for a missing one. Null (the
    /// default) adapts it to the spread of member delays: each time a missing fragment turns up, how long
    /// the oldest buffered fragment waited for it is a sample of that spread (a fragment that turns up after
    /// its gap was given up counts as a sample of the whole timeout); the timeout is twice the largest
    /// recent sample (a peak that decays by 1/1024 a sample) plus <see cref="MinReorderTimeout"/>, kept
    /// between <see cref="MinReorderTimeout"/> and <see cref="MaxReorderTimeout"/>. Before any sample the
    /// peak is half of <see cref="InitialReorderTimeout"/>.
    /// </summary>
    public TimeSpan? ReorderTimeout { get; init; }

    public TimeSpan InitialReorderTimeout { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MinReorderTimeout { get; init; } = TimeSpan.FromMilliseconds(10);
    public TimeSpan MaxReorderTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Sequence number expected first (FreeBSD and pppd senders start at 0).</summary>
    public uint InitialSequence { get; init; }

    /// <summary>
    /// After this many consecutive fragments outside the window, each within <see cref="MaxJump"/> of the one before
    /// (one numbering that moved on, not scattered numbers), the reassembler resynchronises on the latest.
    /// </summary>
    public int ResyncAfterOutOfWindow { get; init; } = 64;

    /// <summary>Member identifiers are 0 .. MaxMembers-1.</summary>
    public int MaxMembers { get; init; } = 32;
}

/// <summary>What happened to one received fragment.</summary>
public enum MpReceiveStatus : byte
{
    /// <summary>Buffered (and possibly delivered at once).</summary>
    Accepted = 0,
    NotMember,
    Truncated,
    ReservedBitsSet,
    Duplicate,
    /// <summary>Its sequence number was already given up (delivered past, or declared lost).</summary>
    Late,
    /// <summary>Too far from the expected sequence number to be believed.</summary>
    OutOfWindow,
    /// <summary>Data above <see cref="MpReassemblerOptions.MaxFragmentSize"/>.</summary>
    Oversize,
}

/// <summary>Per-member receive statistics. PacketsIn counts fragments carrying the B bit (packets begun on this member).</summary>
public readonly record struct MpMemberReceiveStatistics(long FragmentsIn, long PacketsIn, long BytesIn);

/// <summary>Bundle-wide receive statistics.</summary>
public readonly record struct MpReassemblerStatistics
{
    /// <summary>Fragments handed in on member links, whatever became of them (members that left still count).</summary>
    public long ReceivedFragments { get; init; }
    public long ReassembledPackets { get; init; }
    /// <summary>Loss events: places in the stream where one or more packets were lost (a lower bound on lost packets).</summary>
    public long LostPackets { get; init; }
    /// <summary>Sequence numbers declared missing (by the M rule, the reorder timeout or the caps).</summary>
    public long LostFragments { get; init; }
    /// <summary>Fragments received and then thrown away because their packet could not be completed.</summary>
    public long DiscardedFragments { get; init; }
    public long DuplicateFragments { get; init; }
    public long LateFragments { get; init; }
    public long OutOfWindowFragments { get; init; }
    public long ReservedBitsFragments { get; init; }
    public long TruncatedFragments { get; init; }
    public long NotMemberFragments { get; init; }
    public long OversizeFragments { get; init; }
    /// <summary>Rebuilt packets above the MRRU, dropped.</summary>
    public long OversizePackets { get; init; }
    /// <summary>Rebuilt packets without a valid protocol field, dropped.</summary>
    public long MalformedPackets { get; init; }
    /// <summary>Times the oldest partial packet was given up to stay under the caps.</summary>
    public long CapEvictions { get; init; }
    /// <summary>Losses declared by the reorder timeout (included in LostFragments).</summary>
    public long TimeoutLosses { get; init; }
    public long Resyncs { get; init; }
    public int ReorderDepth { get; init; }
    public int PeakReorderDepth { get; init; }
    public long BufferedBytes { get; init; }
    public long PeakBufferedBytes { get; init; }
    public TimeSpan ReorderTimeout { get; init; }
}

/// <summary>
/// The receiving half of an RFC 1990 bundle (section 4.1), driven by explicit time.
/// <para>
/// Fragments are kept in sequence order in a ring indexed by sequence number, with 12- or 24-bit
/// wrap-around handled by serial-number arithmetic against the next expected number. Each member link
/// remembers the most recent sequence number received on it; M is the minimum of these over the active
/// members (a member that has received nothing yet holds M back). A missing fragment with a sequence
/// number below M can no longer arrive (every member has sent past it, and a member delivers in order),
/// so it is declared lost and the reassembler skips to the next fragment carrying B. Removing a member
/// recomputes M at once.
/// </para>
/// <para>
/// Beyond the RFC (and FreeBSD ppp): a reorder timeout (no buffered fragment waits longer than it, even
/// when a silent member holds M back), and hard caps on buffered bytes and fragments: when a new fragment
/// would exceed them, the oldest partial packet is given up first. Memory held is at most
/// MaxBufferedFragments buffers of MaxFragmentSize bytes (allocated lazily, then reused), the ring and one
/// MRRU-sized assembly buffer; nothing is allocated per packet.
/// </para>
/// <para>
/// A sane window (issue 17): a fragment more than <see cref="MpReassemblerOptions.MaxJump"/> ahead of the newest
/// sequence number received, or outside <see cref="MpReassemblerOptions.Window"/> around the expected one, is
/// dropped and counted (OutOfWindowFragments) without moving its member's last number (M) or anything else, so a
/// forged or confused fragment cannot make the reorder timeout skip the packets still in flight. Only a run of
/// out-of-window fragments that follow one another, as a peer whose numbering really moved on sends them,
/// resynchronises the reassembler. The numbering is forgotten, and the next fragment taken wherever it lies, only when
/// every member whose fragments were taken has left (their LCP went down): the peer's bundle may have re-formed and
/// numbered afresh, and its fragments on the members that joined since would otherwise all be dropped as late.
/// </para>
/// <para>Never throws on peer input: everything malformed is counted and dropped.</para>
/// </summary>
public sealed class MpReassembler
{
    private const byte Empty = 0, Buffered = 1, Consumed = 2;

    private struct Slot
    {
        public long Sequence;
        public long ArrivalTicks;
        public int Buffer;
        public int Length;
        public byte State;
        public bool Begin;
        public bool End;
    }

    private readonly MpReassemblerOptions options;
    private readonly uint sequenceMask;
    private readonly long sequenceSpace;
    private readonly int window;
    private readonly int maxJump;
    // The ring, the arrival FIFO and the buffer pool come with the first fragment (a bundle that carries nothing pays
    // nothing), start small, and double while the reorder depth asks for more, up to the window: a bundle that only
    // ever sees its IPCP exchange and a trickle (an idle gateway on a concentrator) keeps a few KB instead of the
    // ~75 KB a full window costs. The invariant: every buffered sequence lies in [expected, expected + ring.Length).
    private const int InitialRing = 64, InitialPool = 16;
    private long ringMask;
    private Slot[] ring = [];
    private byte[][] pool = [];
    private int[] freeBuffers = [];
    private readonly int maxFragments;
    private int freeCount;
    private int poolAllocated;
    private readonly byte[] assembly;
    private readonly int maxPacketLength;

    // arrival-order FIFO of buffered fragments (lazy deletion), to find the one that has waited longest
    private long[] arrivalSequence = [];
    private long[] arrivalTicks = [];
    private int arrivalMask;
    private int arrivalHead, arrivalCount;

    private readonly MemberSet members;
    private readonly bool[] hasLast;
    private readonly long[] lastSequence;
    private readonly long[] memberFragments, memberPackets, memberBytes;

    private long expected;
    private int bufferedCount;
    private long bufferedBytes;
    private int outOfWindowRun;
    private long outOfWindowLast;
    // the newest sequence number accepted (unwrapped like expected); a fragment beyond it by more than maxJump is not
    // believed, once one was accepted (a peer may start its numbering anywhere in the window, RFC 1990 does not say 0)
    private long front;
    private bool anyAccepted;
    private bool scanValid;
    private long scanBase, scanNext;
    private int scanTotal;
    private bool lossPending;

    // each sample lowers the remembered peak by 1/1024 before comparing, so a spread that shrinks is forgotten slowly
    private const double PeakWaitDecay = 1 - 1.0 / 1024;
    private double timeoutTicks;
    private double peakWait;

    private long received, reassembled, lostPackets, lostFragments, discarded, duplicates, late, outOfWindow, reserved, truncated,
        notMember, oversizeFragments, oversizePackets, malformed, capEvictions, timeoutLosses, resyncs, peakBytes;
    private int peakDepth;

    public MpReassembler(MpReassemblerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        sequenceMask = MpHeaderCodec.SequenceMask(options.Format);
        sequenceSpace = (long)sequenceMask + 1;
        window = options.Window ?? (options.Format == MpSequenceFormat.Short ? 1024 : 8192);
        if (window < 8 || (window & (window - 1)) != 0 || window > sequenceSpace / 2)
            throw new ArgumentOutOfRangeException(nameof(options), "Window must be a power of two, at least 8 and at most half the sequence space");
        maxJump = options.MaxJump ?? window / 4;
        if (maxJump < 1 || maxJump > window)
            throw new ArgumentOutOfRangeException(nameof(options), "MaxJump must be 1 to Window");
        if (options.MaxBufferedFragments < 1 || options.MaxBufferedBytes < 1 || options.MaxFragmentSize < 1 || options.MaxMembers is < 1 or > 1024)
            throw new ArgumentOutOfRangeException(nameof(options));
        maxFragments = Math.Min(options.MaxBufferedFragments, window);
        maxPacketLength = options.Mrru + 2;
        assembly = new byte[maxPacketLength];
        int n = options.MaxMembers;
        members = new MemberSet(n);
        hasLast = new bool[n];
        lastSequence = new long[n];
        memberFragments = new long[n];
        memberPackets = new long[n];
        memberBytes = new long[n];
        expected = options.InitialSequence & sequenceMask;
        front = expected - 1;
        peakWait = options.InitialReorderTimeout.Ticks / 2.0;
        timeoutTicks = options.ReorderTimeout?.Ticks ?? AdaptiveTimeout();
    }

    public MpReassemblerOptions Options => options;

    /// <summary>The reorder timeout now in force.</summary>
    public TimeSpan ReorderTimeout => TimeSpan.FromTicks((long)timeoutTicks);

    /// <summary>Sequence number (modulo the format's space) the reassembler waits for next.</summary>
    public uint ExpectedSequence => (uint)(expected & sequenceMask);

    public bool IsMember(int member) => members.Contains(member);

    /// <summary>Adds a member link; until it has received a fragment it holds M back (the reorder timeout still applies).</summary>
    public bool AddMember(int member)
    {
        if (!members.InRange(member))
            return false;
        members.Add(member);
        hasLast[member] = false;
        return true;
    }

    /// <summary>Removes a member: M is recomputed without it at once, and whatever that completes or resolves is delivered now.</summary>
    public bool RemoveMember(int member, TimeSpan now, IMpPacketSink sink)
    {
        if (!members.Remove(member))
            return false;
        hasLast[member] = false;
        if (anyAccepted && !AnyMemberHeard())
        {
            // Every member whose fragments were taken has left, and with them the evidence that the peer's numbering
            // is still the one we follow: a peer whose bundle re-formed (all its links renegotiated) numbers afresh,
            // possibly from 0, and its fragments on the members that joined since would all look late. The next
            // fragment is taken wherever it lies, as a new bundle's first is. Only the members' own LCP leaving
            // leads here, which forged MP fragments cannot cause.
            anyAccepted = false;
            outOfWindowRun = 0;
        }
        Process(now.Ticks, sink);
        return true;
    }

    private bool AnyMemberHeard()
    {
        for (int k = 0; k < members.Count; k++)
        {
            if (hasLast[members[k]])
                return true;
        }
        return false;
    }

    /// <summary>
    /// When the reorder timeout will next give up a gap if nothing arrives: the oldest buffered fragment's
    /// arrival plus the timeout; null when nothing is buffered. The actor arms one timer for it and calls <see cref="Tick"/>.
    /// </summary>
    public TimeSpan? NextTimeout =>
        bufferedCount > 0 && TryOldestArrival(out long oldest) ? TimeSpan.FromTicks(oldest + (long)timeoutTicks) : null;

    /// <summary>Feeds a timer tick: applies the reorder timeout (see <see cref="NextTimeout"/>).</summary>
    public void Tick(TimeSpan now, IMpPacketSink sink) => Process(now.Ticks, sink);

    /// <summary>
    /// Hint from the bundle (for example the difference between the largest and smallest member RTT/2):
    /// taken as a sample of the delay spread for the adaptive reorder timeout.
    /// </summary>
    public void ObserveDelaySpread(TimeSpan spread) => AddWaitSample(Math.Max(0, spread.Ticks));

    public MpMemberReceiveStatistics MemberStatistics(int member) =>
        members.InRange(member) ? new(memberFragments[member], memberPackets[member], memberBytes[member]) : default;

    public MpReassemblerStatistics Statistics => new()
    {
        ReceivedFragments = received,
        ReassembledPackets = reassembled,
        LostPackets = lostPackets,
        LostFragments = lostFragments,
        DiscardedFragments = discarded,
        DuplicateFragments = duplicates,
        LateFragments = late,
        OutOfWindowFragments = outOfWindow,
        ReservedBitsFragments = reserved,
        TruncatedFragments = truncated,
        NotMemberFragments = notMember,
        OversizeFragments = oversizeFragments,
        OversizePackets = oversizePackets,
        MalformedPackets = malformed,
        CapEvictions = capEvictions,
        TimeoutLosses = timeoutLosses,
        Resyncs = resyncs,
        ReorderDepth = bufferedCount,
        PeakReorderDepth = peakDepth,
        BufferedBytes = bufferedBytes,
        PeakBufferedBytes = peakBytes,
        ReorderTimeout = ReorderTimeout,
    };

    /// <summary>
    /// Takes one MP fragment (the bytes after the 0x003D protocol field) received on a member link at
    /// <paramref name="now"/>, and delivers every packet it completes or unblocks to <paramref name="sink"/>.
    /// </summary>
    public MpReceiveStatus Receive(int member, ReadOnlySpan<byte> fragment, TimeSpan now, IMpPacketSink sink)
    {
        if (!IsMember(member))
        {
            notMember++;
            return MpReceiveStatus.NotMember;
        }
        received++;
        var status = MpHeaderCodec.TryRead(fragment, options.Format, out var header, out var data);
        if (status != MpHeaderStatus.Ok)
        {
            if (status == MpHeaderStatus.Truncated)
            {
                truncated++;
                return MpReceiveStatus.Truncated;
            }
            reserved++;
            return MpReceiveStatus.ReservedBitsSet;
        }
        if (ring.Length == 0)
        {
            int size = Math.Min(InitialRing, window);
            ring = new Slot[size];
            ringMask = size - 1;
            int poolSize = Math.Min(InitialPool, maxFragments);
            pool = new byte[poolSize][];
            freeBuffers = new int[poolSize];
            arrivalSequence = new long[size * 2];
            arrivalTicks = new long[size * 2];
            arrivalMask = size * 2 - 1;
        }
        memberFragments[member]++;
        memberBytes[member] += fragment.Length;
        if (header.Begin)
            memberPackets[member]++;

        long nowTicks = now.Ticks;
        long delta = (header.Sequence - expected) & sequenceMask;
        if (delta >= sequenceSpace / 2)
            delta -= sequenceSpace;
        long sequence = expected + delta;

        if (!anyAccepted && (delta < 0 || delta >= window))
        {
            // The first fragment of a new bundle, or the first since every member heard from left (RemoveMember): a
            // peer that numbers on from where its bundle was, or from 0 again, is followed wherever it is.
            Resync(sequence & sequenceMask);
            sequence = expected;
        }
        else if (delta < 0)
        {
            ref Slot old = ref ring[sequence & ringMask];
            if (-delta <= window)
            {
                if (old.Sequence == sequence && old.State == Consumed)
                {
                    duplicates++;
                    return MpReceiveStatus.Duplicate;
                }
                late++;
                // it waited longer than the timeout allowed: let the timeout grow
                AddWaitSample((long)timeoutTicks);
                return MpReceiveStatus.Late;
            }
            if (!OutOfWindow(ref sequence))
                return MpReceiveStatus.OutOfWindow;
        }
        else if ((delta >= window || anyAccepted && sequence - Math.Max(front, expected - 1) > maxJump) && !OutOfWindow(ref sequence))
        {
            return MpReceiveStatus.OutOfWindow;
        }
        outOfWindowRun = 0;
        anyAccepted = true;
        if (sequence > front)
            front = sequence;

        if (!hasLast[member] || sequence > lastSequence[member])
        {
            lastSequence[member] = sequence;
            hasLast[member] = true;
        }

        if (sequence - expected >= ring.Length)
            GrowRing(sequence - expected);
        ref Slot slot = ref ring[sequence & ringMask];
        if (slot.State == Buffered && slot.Sequence == sequence)
        {
            duplicates++;
            return MpReceiveStatus.Duplicate;
        }
        if (data.Length > options.MaxFragmentSize)
        {
            oversizeFragments++;
            Process(nowTicks, sink);
            return MpReceiveStatus.Oversize;
        }

        // stay under the caps: give up the oldest partial packet(s) first
        while (bufferedCount > 0 && (bufferedBytes + data.Length > options.MaxBufferedBytes || bufferedCount + 1 > maxFragments))
        {
            capEvictions++;
            EvictHead();
            Process(nowTicks, sink);
        }
        if (sequence < expected)
        {
            late++;
            return MpReceiveStatus.Late;
        }
        if (data.Length > options.MaxBufferedBytes)
        {
            oversizeFragments++;
            return MpReceiveStatus.Oversize;
        }

        bool fillsHead = sequence == expected && bufferedCount > 0;
        int buffer = RentBuffer();
        data.CopyTo(pool[buffer]);
        slot.Sequence = sequence;
        slot.ArrivalTicks = nowTicks;
        slot.Buffer = buffer;
        slot.Length = data.Length;
        slot.State = Buffered;
        slot.Begin = header.Begin;
        slot.End = header.End;
        bufferedCount++;
        bufferedBytes += data.Length;
        if (bufferedCount > peakDepth)
            peakDepth = bufferedCount;
        if (bufferedBytes > peakBytes)
            peakBytes = bufferedBytes;
        if (fillsHead && options.ReorderTimeout is null && TryOldestArrival(out long oldest))
            AddWaitSample(nowTicks - oldest);
        PushArrival(sequence, nowTicks);

        Process(nowTicks, sink);
        return MpReceiveStatus.Accepted;
    }

    /// <summary>
    /// Counts an out-of-window fragment; after a run of them that follow one another (each within maxJump of the one
    /// before, not a repeat) resynchronises on it. Returns true to accept it.
    /// </summary>
    private bool OutOfWindow(ref long sequence)
    {
        outOfWindow++;
        long wire = sequence & sequenceMask;
        if (outOfWindowRun > 0)
        {
            long step = (wire - outOfWindowLast) & sequenceMask;
            if (step >= sequenceSpace / 2)
                step -= sequenceSpace;
            if (step == 0 || Math.Abs(step) > maxJump)
                outOfWindowRun = 0; // scattered numbers are no numbering that moved on: this one starts a new run
        }
        outOfWindowLast = wire;
        if (++outOfWindowRun < options.ResyncAfterOutOfWindow)
            return false;
        // the peer's numbering moved on without us (a long outage): start again from this fragment
        Resync(wire);
        sequence = wire;
        return true;
    }

    /// <summary>Forgets every buffered fragment and each member's last number, and expects <paramref name="wire"/> next.</summary>
    private void Resync(long wire)
    {
        resyncs++;
        outOfWindowRun = 0;
        while (bufferedCount > 0)
            DiscardHeadSlot();
        expected = wire;
        front = wire - 1;
        Array.Clear(ring);
        arrivalCount = 0;
        scanValid = false;
        Array.Clear(hasLast);
    }

    private void Process(long now, IMpPacketSink sink)
    {
        if (ring.Length == 0)
            return;
        while (true)
        {
            ref Slot head = ref ring[expected & ringMask];
            if (head.State == Buffered && head.Sequence == expected)
            {
                if (!head.Begin)
                {
                    // its Begin fragment is gone: skip to the next B (RFC 1990 4.1)
                    DiscardHeadSlot();
                    lossPending = true;
                    continue;
                }
                // resume where the last scan of this head packet stopped (the fragments before are unchanged)
                bool resume = scanValid && scanBase == expected;
                long s = resume ? scanNext : expected;
                int total = resume ? scanTotal : 0;
                bool complete = false, broken = false;
                while (true)
                {
                    ref Slot x = ref ring[s & ringMask];
                    if (x.State != Buffered || x.Sequence != s)
                        break;
                    if (s != expected && x.Begin)
                    {
                        broken = true; // a new packet begins before this one ended: its End was lost
                        break;
                    }
                    total += x.Length;
                    if (total > maxPacketLength || s - expected >= maxPacketLength || s - expected >= window - 1)
                    {
                        // larger than the MRRU allows, or more pieces than it has octets: never a packet
                        broken = true;
                        oversizePackets++;
                        s++;
                        break;
                    }
                    if (x.End)
                    {
                        complete = true;
                        break;
                    }
                    s++;
                }
                scanValid = false;
                if (complete)
                {
                    Deliver(s, total, sink);
                    continue;
                }
                if (broken)
                {
                    while (expected < s)
                        DiscardHeadSlot();
                    lossPending = true;
                    continue;
                }
                if (IsLost(s, now))
                {
                    while (expected < s)
                        DiscardHeadSlot();
                    PassMissingHead();
                    continue;
                }
                scanValid = true;
                scanBase = expected;
                scanNext = s;
                scanTotal = total;
                return;
            }
            if (bufferedCount == 0)
            {
                // Nothing held: whatever every member has already passed is lost, all of it in one step (stepping
                // one number at a time would walk up to a window's worth of numbers for nothing).
                long m = MinimumLast();
                if (expected < m)
                {
                    lostFragments += m - expected;
                    expected = m;
                    lossPending = true;
                }
                return;
            }
            if (!IsLost(expected, now))
                return;
            PassMissingHead();
        }
    }

    /// <summary>Whether the missing fragment <paramref name="sequence"/> is given up: below M, or the oldest buffered fragment waited the reorder timeout.</summary>
    private bool IsLost(long sequence, long now)
    {
        if (sequence < MinimumLast())
            return true;
        if (bufferedCount > 0 && TryOldestArrival(out long oldest) && now - oldest >= (long)timeoutTicks)
        {
            timeoutLosses++;
            return true;
        }
        return false;
    }

    private void PassMissingHead()
    {
        lostFragments++;
        expected++;
        lossPending = true;
    }

    /// <summary>
    /// M of RFC 1990 4.1: the smallest most-recent sequence number over active members; <see cref="long.MinValue"/>
    /// (no bound: only the reorder timeout gives a gap up) while a member has sent nothing, or when no member is left.
    /// </summary>
    private long MinimumLast()
    {
        if (members.Count == 0)
            return long.MinValue;
        long m = long.MaxValue;
        for (int k = 0; k < members.Count; k++)
        {
            int i = members[k];
            if (!hasLast[i])
                return long.MinValue;
            if (lastSequence[i] < m)
                m = lastSequence[i];
        }
        return m;
    }

    private void Deliver(long end, int total, IMpPacketSink sink)
    {
        ReadOnlySpan<byte> packet;
        if (end == expected)
        {
            ref Slot only = ref ring[expected & ringMask];
            packet = pool[only.Buffer].AsSpan(0, only.Length);
        }
        else
        {
            int offset = 0;
            for (long s = expected; s <= end; s++)
            {
                ref Slot x = ref ring[s & ringMask];
                pool[x.Buffer].AsSpan(0, x.Length).CopyTo(assembly.AsSpan(offset));
                offset += x.Length;
            }
            packet = assembly.AsSpan(0, total);
        }
        if (lossPending)
        {
            lostPackets++;
            lossPending = false;
        }
        if (!MpHeaderCodec.TryReadProtocol(packet, out ushort protocol, out int fieldLength))
            malformed++;
        else if (packet.Length - fieldLength > options.Mrru)
            oversizePackets++;
        else
        {
            reassembled++;
            sink.Deliver(protocol, packet[fieldLength..]);
        }
        for (long s = expected; s <= end; s++)
            ConsumeSlot(ref ring[s & ringMask]);
        expected = end + 1;
    }

    private void DiscardHeadSlot()
    {
        ref Slot head = ref ring[expected & ringMask];
        if (head.State == Buffered && head.Sequence == expected)
        {
            discarded++;
            ConsumeSlot(ref head);
        }
        else
        {
            lostFragments++;
        }
        expected++;
    }

    /// <summary>Gives up the packet at the head to make room: passes the head (fragment or gap) and lets Process skip to the next B.</summary>
    private void EvictHead()
    {
        lossPending = true;
        // pass every missing number before the first buffered fragment, then that fragment itself
        while (true)
        {
            ref Slot head = ref ring[expected & ringMask];
            bool present = head.State == Buffered && head.Sequence == expected;
            DiscardHeadSlot();
            if (present)
                return;
        }
    }

    private void ConsumeSlot(ref Slot slot)
    {
        slot.State = Consumed;
        freeBuffers[freeCount++] = slot.Buffer;
        bufferedCount--;
        bufferedBytes -= slot.Length;
    }

    private int RentBuffer()
    {
        if (freeCount > 0)
            return freeBuffers[--freeCount];
        if (poolAllocated == pool.Length)
        {
            int size = Math.Min(pool.Length * 2, maxFragments);
            Array.Resize(ref pool, size);
            Array.Resize(ref freeBuffers, size);
        }
        int index = poolAllocated++;
        pool[index] = new byte[options.MaxFragmentSize];
        return index;
    }

    /// <summary>Doubles the ring until <paramref name="span"/> (a sequence's distance from expected, under the window) fits.</summary>
    private void GrowRing(long span)
    {
        int size = ring.Length;
        while (size <= span)
            size *= 2;
        size = Math.Min(size, window);
        var bigger = new Slot[size];
        long mask = size - 1;
        // distinct indices modulo the old size stay distinct modulo a multiple of it: no two slots collide
        foreach (ref readonly Slot old in ring.AsSpan())
        {
            if (old.State != Empty)
                bigger[old.Sequence & mask] = old;
        }
        ring = bigger;
        ringMask = mask;
    }

    private void PushArrival(long sequence, long ticks)
    {
        if (arrivalCount == arrivalSequence.Length)
            TryOldestArrival(out _); // drops the entries of fragments already gone from the head
        if (arrivalCount == arrivalSequence.Length && arrivalSequence.Length < window * 2)
            GrowArrivals();
        if (arrivalCount == arrivalSequence.Length)
        {
            arrivalHead = (arrivalHead + 1) & arrivalMask;
            arrivalCount--;
        }
        int at = (arrivalHead + arrivalCount) & arrivalMask;
        arrivalSequence[at] = sequence;
        arrivalTicks[at] = ticks;
        arrivalCount++;
    }

    private void GrowArrivals()
    {
        int size = arrivalSequence.Length * 2;
        var sequences = new long[size];
        var ticks = new long[size];
        for (int i = 0; i < arrivalCount; i++)
        {
            int at = (arrivalHead + i) & arrivalMask;
            sequences[i] = arrivalSequence[at];
            ticks[i] = arrivalTicks[at];
        }
        arrivalSequence = sequences;
        arrivalTicks = ticks;
        arrivalMask = size - 1;
        arrivalHead = 0;
    }

    private bool TryOldestArrival(out long ticks)
    {
        while (arrivalCount > 0)
        {
            long s = arrivalSequence[arrivalHead];
            ref Slot slot = ref ring[s & ringMask];
            if (slot.State == Buffered && slot.Sequence == s)
            {
                ticks = arrivalTicks[arrivalHead];
                return true;
            }
            arrivalHead = (arrivalHead + 1) & arrivalMask;
            arrivalCount--;
        }
        ticks = 0;
        return false;
    }

    private void AddWaitSample(long waitTicks)
    {
        if (options.ReorderTimeout is not null)
            return;
        peakWait = Math.Max(waitTicks, peakWait * PeakWaitDecay);
        timeoutTicks = AdaptiveTimeout();
    }

    private double AdaptiveTimeout() =>
        Math.Clamp(2 * peakWait + options.MinReorderTimeout.Ticks, options.MinReorderTimeout.Ticks, options.MaxReorderTimeout.Ticks);
}
