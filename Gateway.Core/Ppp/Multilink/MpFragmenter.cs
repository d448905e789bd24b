using System.Text.Json.Serialization;

namespace Gateway.Core.Ppp.Multilink;

/// <summary>Settings of the sending half of a bundle.</summary>
public sealed record MpFragmenterOptions
{
    /// <summary>Sequence format the peer asked for (its Short-Sequence option, RFC 1990 5.1.2).</summary>
    public MpSequenceFormat Format { get; init; } = MpSequenceFormat.Long;

    /// <summary>The peer's MRRU (RFC 1990 5.1.1): the largest Information field we may send as one packet.</summary>
    public ushort PeerMrru { get; init; } = 1500;

    /// <summary>No fragment's data is made smaller than this (except the single piece of a packet smaller than it).</summary>
    public int MinimumFragmentSize { get; init; } = 64;

    /// <summary>Compress the protocol field inside the MP payload (the peer accepted PFC on the bundle).</summary>
    public bool CompressProtocol { get; init; }

    /// <summary>First sequence number sent (FreeBSD and pppd start at 0).</summary>
    public uint InitialSequence { get; init; }

    /// <summary>Member identifiers are 0 .. MaxMembers-1.</summary>
    public int MaxMembers { get; init; } = 32;

    /// <summary>Whether a member's one-way delay counts in choosing it (<see cref="MpSchedule"/>).</summary>
    public MpSchedule Schedule { get; init; } = MpSchedule.Latency;
}

/// <summary>How the fragmenter treats members of unequal delay (<c>set schedule</c>, the gateway's extension).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MpSchedule>))]
public enum MpSchedule : byte
{
    /// <summary>
    /// Earliest delivery first: a member's one-way delay counts, so light traffic takes the fastest path and a slower
    /// member gets data only while the faster ones have that much queued (the default).
    /// </summary>
    Latency,

    /// <summary>
    /// By rate alone, in virtual time: every member gets its share of every burst whatever its delay (no delay term,
    /// and no lift of an idle member's finish time to the present), and the far end's delay equaliser
    /// (<see cref="MpDelayEqualiser"/>) makes every packet as late as the slowest member's: one steady round trip for
    /// TCP. All the links' rate for one stream, at the slowest link's latency.
    /// </summary>
    Throughput,
}

/// <summary>Result of handing one packet to the fragmenter.</summary>
public enum MpFragmentStatus : byte
{
    /// <summary>Fragments are ready in <see cref="MpFragmenter.Fragments"/>.</summary>
    Ok = 0,
    /// <summary>No active member can carry it: nothing sent, counted.</summary>
    NoActiveMember = 1,
    /// <summary>Information field larger than the peer's MRRU: refused and counted, never fragmented past it.</summary>
    AboveMrru = 2,
}

/// <summary>One fragment to send: the member link and where its bytes (MP header + data) lie in the fragmenter's scratch.</summary>
public readonly record struct MpOutgoingFragment(int Member, int Offset, int Length);

/// <summary>Per-member sending statistics.</summary>
public readonly record struct MpMemberSendStatistics(long Fragments, long Bytes);

/// <summary>
/// The sending half of an RFC 1990 bundle: one sequence space, weighted scheduling over member links.
/// <para>
/// Scheduling. Each member i has a weight w_i (bytes per second: its measured rate or <c>set bandwidth</c>)
/// and a virtual finish time F_i, the time its queue would drain if it sent at w_i everything given to it.
/// A packet that fits a member's MRU goes whole (B=E=1) to the member that would finish it first
/// (min F_i + size/w_i). A larger one is water-filled: the members with the smallest F_i get pieces so
/// that all of them finish at the same time T (sum of (T - F_i) w_i = packet + headers), i.e. the pieces
/// of one packet finish arriving together on unequal links. Pieces below <see cref="MpFragmenterOptions.MinimumFragmentSize"/>
/// are never made: the member that would get the smallest is left out and T recomputed. A piece larger
/// than the member's MRU is cut into equal parts on that member. Over many packets each member receives
/// bytes in proportion to its weight. A member added later starts at the smallest F of the others, so it
/// gets no burst of back credit.
/// </para>
/// <para>
/// Two refinements, both optional: <see cref="SetDelay"/> adds a member's one-way delay to F_i, so pieces
/// finish <em>arriving</em> together on paths of unequal latency; and <see cref="Fragment(ushort, ReadOnlySpan{byte}, TimeSpan)"/>
/// lifts every F_i to the present, so a member whose queue has drained gets no credit for its idle time
/// (light traffic goes to the member that delivers it first). Without the time the fragmenter runs in
/// virtual time, as if the bundle were always busy.
/// </para>
/// <para>
/// Policy (<see cref="MemberPolicy"/>, <see cref="SetPolicy"/>): each member is in a class, a primary's priority or
/// the backup class below every primary, and data goes only to the members of the best class present; the fragmenter
/// holds only members able to carry data (a paused one is removed), so when the last of a class leaves, the next
/// class carries the next packet, and when a better one comes back it takes the data again. A class that takes
/// over starts from where the one before it had got to, so its members get no back credit for the time they were
/// left out. <see cref="FragmentOn"/> (a control packet) may still use any member.
/// </para>
/// <para>Zero allocation in steady state: fragments are written into a reusable scratch, valid until the next call.</para>
/// </summary>
public sealed class MpFragmenter
{
    private const double RenormaliseAbove = 1e6; // seconds of virtual time before F values are shifted down

    private readonly MpFragmenterOptions options;
    private readonly int headerLength;
    private readonly uint sequenceMask;
    private readonly MemberSet members;
    private readonly int[] mru;
    private readonly double[] weight;
    private readonly double[] finish;
    private readonly double[] delay;
    private readonly int[] policyClass;
    private int dataClass = int.MinValue; // the class data went to at the last packet
    private double dataFloor;             // the smallest finish time of that class after the last packet
    private double origin; // seconds of real time that finish value 0 stands for, when the caller gives time
    private readonly long[] memberFragments;
    private readonly long[] memberBytes;
    private readonly int[] order;
    private readonly int[] share;
    private uint nextSequence;
    private byte[] scratch;
    private MpOutgoingFragment[] fragments;
    private int fragmentCount;

    public MpFragmenter(MpFragmenterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxMembers is < 1 or > 1024)
            throw new ArgumentOutOfRangeException(nameof(options), "MaxMembers must be 1 to 1024");
        this.options = options;
        headerLength = MpHeaderCodec.HeaderLength(options.Format);
        sequenceMask = MpHeaderCodec.SequenceMask(options.Format);
        nextSequence = options.InitialSequence & sequenceMask;
        int n = options.MaxMembers;
        members = new MemberSet(n);
        mru = new int[n];
        weight = new double[n];
        finish = new double[n];
        delay = new double[n];
        policyClass = new int[n];
        memberFragments = new long[n];
        memberBytes = new long[n];
        order = new int[n];
        share = new int[n];
        scratch = new byte[options.PeerMrru + 2 + 8 * headerLength + 64];
        fragments = new MpOutgoingFragment[Math.Max(8, n)];
    }

    public MpFragmenterOptions Options => options;

    /// <summary>Sequence number the next fragment will carry.</summary>
    public uint NextSequence => nextSequence;

    /// <summary>
    /// Numbers on from <paramref name="sequence"/> when it lies ahead of <see cref="NextSequence"/> (serial arithmetic,
    /// less than half the space ahead); otherwise keeps the numbering. A bundle the receiver cluster formed again on
    /// another node numbers on past what the peer already took from the one before (issue 14), so the peer's
    /// reassembler does not drop its fragments as late.
    /// </summary>
    public void NumberOnFrom(uint sequence)
    {
        if (MpHeaderCodec.IsAhead(sequence, nextSequence, options.Format))
            nextSequence = sequence & sequenceMask;
    }

    public int ActiveMemberCount => members.Count;

    /// <summary>The fragments of the last successful <see cref="Fragment"/> call, in sequence order.</summary>
    public ReadOnlySpan<MpOutgoingFragment> Fragments => fragments.AsSpan(0, fragmentCount);

    /// <summary>Bytes of one fragment (MP header then data); valid until the next <see cref="Fragment"/> call.</summary>
    public ReadOnlySpan<byte> Bytes(in MpOutgoingFragment fragment) => scratch.AsSpan(fragment.Offset, fragment.Length);

    public long PacketsSent { get; private set; }
    public long PacketsSentWhole { get; private set; }
    public long PacketsFragmented { get; private set; }
    public long FragmentsSent { get; private set; }
    public long RefusedAboveMrru { get; private set; }
    public long RefusedNoMember { get; private set; }

    public MpMemberSendStatistics MemberStatistics(int member) =>
        members.InRange(member) ? new(memberFragments[member], memberBytes[member]) : default;

    public bool IsMember(int member) => members.Contains(member);

    /// <summary>Whether data goes to <paramref name="member"/> now: it is a member of the best class present.</summary>
    public bool CarriesData(int member) => members.Contains(member) && policyClass[member] == BestClass();

    /// <summary>
    /// Adds (or re-adds) a member between two packets. <paramref name="mru"/> is the peer's MRU on that link
    /// (the MP header and fragment data must fit in it); <paramref name="bytesPerSecond"/> its weight.
    /// <paramref name="policy"/> its class (null: <see cref="MemberPolicy.Default"/>).
    /// Returns false when the identifier is out of range, the MRU cannot hold a header and one byte, or the weight is not positive.
    /// </summary>
    public bool AddMember(int member, int mru, double bytesPerSecond, MemberPolicy? policy = null)
    {
        if (!members.InRange(member) || mru <= headerLength || !(bytesPerSecond > 0) || double.IsInfinity(bytesPerSecond))
            return false;
        double start = 0;
        if (members.Count > 0)
        {
            // the smallest F of the class data goes to (of all members when none of it is left)
            start = double.MaxValue;
            for (int i = 0; i < members.Count; i++)
                if (policyClass[members[i]] == dataClass)
                    start = Math.Min(start, finish[members[i]]);
            if (start == double.MaxValue)
                for (int i = 0; i < members.Count; i++)
                    start = Math.Min(start, finish[members[i]]);
        }
        policyClass[member] = (policy ?? MemberPolicy.Default).Class;
        this.mru[member] = mru;
        weight[member] = bytesPerSecond;
        finish[member] = start;
        delay[member] = 0;
        members.Add(member);
        return true;
    }

    /// <summary>Removes a member between two packets. Returns false when it was not a member.</summary>
    public bool RemoveMember(int member)
    {
        return members.Remove(member);
    }

    /// <summary>Changes a member's policy between two packets: the next packet goes to the best class then present.</summary>
    public bool SetPolicy(int member, MemberPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!IsMember(member))
            return false;
        policyClass[member] = policy.Class;
        return true;
    }

    /// <summary>Changes a member's weight (bytes per second), e.g. from a new rate measurement.</summary>
    public bool SetWeight(int member, double bytesPerSecond)
    {
        if (!IsMember(member) || !(bytesPerSecond > 0) || double.IsInfinity(bytesPerSecond))
            return false;
        weight[member] = bytesPerSecond;
        return true;
    }

    /// <summary>
    /// Sets a member's one-way delay (for example half its smoothed echo RTT): pieces are sized so that they
    /// finish arriving together, so a slower path gets its piece correspondingly earlier in virtual time.
    /// </summary>
    public bool SetDelay(int member, TimeSpan oneWayDelay)
    {
        if (!IsMember(member) || oneWayDelay < TimeSpan.Zero)
            return false;
        delay[member] = oneWayDelay.TotalSeconds;
        return true;
    }

    /// <summary>Changes a member's MRU.</summary>
    public bool SetMru(int member, int mru)
    {
        if (!IsMember(member) || mru <= headerLength)
            return false;
        this.mru[member] = mru;
        return true;
    }

    /// <summary>
    /// As <see cref="Fragment(ushort, ReadOnlySpan{byte})"/>, with the time now (monotonic, any origin but
    /// always the same one): a member whose queue has drained by now starts from now, so with light traffic
    /// a packet goes to the member that delivers it first rather than by accumulated shares. Use with real
    /// rates as weights.
    /// </summary>
    public MpFragmentStatus Fragment(ushort protocol, ReadOnlySpan<byte> information, TimeSpan now)
    {
        if (options.Schedule == MpSchedule.Throughput)
            return Fragment(protocol, information); // shares by rate in every burst: an idle member's place is kept
        double at = now.TotalSeconds - origin;
        for (int i = 0; i < members.Count; i++)
        {
            int m = members[i];
            if (finish[m] < at)
                finish[m] = at;
        }
        return Fragment(protocol, information);
    }

    /// <summary>
    /// Cuts one packet (protocol and Information field) into MP fragments and assigns them to members, in
    /// virtual time (as if the bundle were always busy: shares follow weights).
    /// On <see cref="MpFragmentStatus.Ok"/> read <see cref="Fragments"/> and <see cref="Bytes"/>.
    /// </summary>
    public MpFragmentStatus Fragment(ushort protocol, ReadOnlySpan<byte> information)
    {
        fragmentCount = 0;
        if (information.Length > options.PeerMrru)
        {
            RefusedAboveMrru++;
            return MpFragmentStatus.AboveMrru;
        }
        if (members.Count == 0)
        {
            RefusedNoMember++;
            return MpFragmentStatus.NoActiveMember;
        }
        SelectDataClass();
        Span<byte> protocolField = stackalloc byte[2];
        int protocolLength = MpHeaderCodec.WriteProtocol(protocolField, protocol, options.CompressProtocol);
        protocolField = protocolField[..protocolLength];
        int packetLength = protocolLength + information.Length;

        int whole = BestWholeMember(packetLength);
        if (whole >= 0)
        {
            EmitWhole(whole, protocolField, information);
            return MpFragmentStatus.Ok;
        }

        int chosen = WaterFill(packetLength);
        int pieces = 0;
        for (int k = 0; k < chosen; k++)
            pieces += PiecesFor(order[k], share[order[k]]);
        EnsureCapacity(packetLength + pieces * headerLength, pieces);

        int packetOffset = 0;
        int scratchOffset = 0;
        for (int k = 0; k < chosen; k++)
        {
            int m = order[k];
            int data = share[m];
            int count = PiecesFor(m, data);
            int baseSize = data / count, extra = data % count;
            for (int p = 0; p < count; p++)
            {
                int size = baseSize + (p < extra ? 1 : 0);
                bool begin = packetOffset == 0;
                bool end = packetOffset + size == packetLength;
                int h = MpHeaderCodec.Write(scratch.AsSpan(scratchOffset), options.Format, begin, end, nextSequence);
                CopyPacketRange(protocolField, information, packetOffset, scratch.AsSpan(scratchOffset + h, size));
                Emit(m, scratchOffset, h + size);
                nextSequence = (nextSequence + 1) & sequenceMask;
                packetOffset += size;
                scratchOffset += h + size;
            }
            finish[m] += (data + count * headerLength) / weight[m];
        }
        PacketsSent++;
        PacketsFragmented++;
        RenormaliseIfNeeded();
        return MpFragmentStatus.Ok;
    }

    /// <summary>
    /// Sends one packet whole, in a single fragment, on <paramref name="member"/> rather than where the shares would
    /// put it: for a control packet that must go on a link the peer is known to listen on. Refused (nothing counted:
    /// the caller falls back to <see cref="Fragment(ushort, ReadOnlySpan{byte}, TimeSpan)"/>) when it is not an
    /// active member or the packet does not fit its MRU.
    /// </summary>
    public MpFragmentStatus FragmentOn(int member, ushort protocol, ReadOnlySpan<byte> information)
    {
        fragmentCount = 0;
        if (information.Length > options.PeerMrru)
            return MpFragmentStatus.AboveMrru;
        Span<byte> protocolField = stackalloc byte[2];
        int protocolLength = MpHeaderCodec.WriteProtocol(protocolField, protocol, options.CompressProtocol);
        if (!members.Contains(member) || mru[member] < headerLength + protocolLength + information.Length)
            return MpFragmentStatus.NoActiveMember;
        EmitWhole(member, protocolField[..protocolLength], information);
        return MpFragmentStatus.Ok;
    }

    private void EmitWhole(int member, ReadOnlySpan<byte> protocolField, ReadOnlySpan<byte> information)
    {
        int length = headerLength + protocolField.Length + information.Length;
        EnsureCapacity(length, 1);
        int written = MpHeaderCodec.Write(scratch, options.Format, true, true, nextSequence);
        protocolField.CopyTo(scratch.AsSpan(written));
        information.CopyTo(scratch.AsSpan(written + protocolField.Length));
        Emit(member, 0, length);
        finish[member] += length / weight[member];
        nextSequence = (nextSequence + 1) & sequenceMask;
        PacketsSent++;
        PacketsSentWhole++;
        RenormaliseIfNeeded();
    }

    private int BestWholeMember(int packetLength)
    {
        int best = -1;
        double bestFinish = double.MaxValue;
        int size = headerLength + packetLength;
        for (int i = 0; i < members.Count; i++)
        {
            int m = members[i];
            if (mru[m] < size || policyClass[m] != dataClass)
                continue;
            double f = Ready(m) + size / weight[m];
            if (f < bestFinish)
            {
                bestFinish = f;
                best = m;
            }
        }
        return best;
    }

    /// <summary>Fills order[0..result) with the chosen members (of the data class) and share[] with each one's data bytes.</summary>
    private int WaterFill(int packetLength)
    {
        int eligible = 0;
        for (int i = 0; i < members.Count; i++)
        {
            // insertion sort by finish time: at most MaxMembers, no allocation
            int m = members[i];
            if (policyClass[m] != dataClass)
                continue;
            int j = eligible - 1;
            while (j >= 0 && Ready(order[j]) > Ready(m))
            {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = m;
            eligible++;
        }

        // grow the set while the water level T stays above the next member's finish time
        double sumW = 0, sumFW = 0, level = 0;
        int count = 0;
        while (count < eligible)
        {
            int m = order[count];
            if (count > 0 && level <= Ready(m))
                break;
            sumW += weight[m];
            sumFW += Ready(m) * weight[m];
            count++;
            level = (packetLength + headerLength * count + sumFW) / sumW;
        }

        while (true)
        {
            int assigned = 0, smallest = -1;
            for (int k = 0; k < count; k++)
            {
                int m = order[k];
                int data = (int)Math.Max(0, Math.Floor((level - Ready(m)) * weight[m] - headerLength));
                share[m] = data;
                assigned += data;
                if (smallest < 0 || data < share[order[smallest]])
                    smallest = k;
            }
            // rounding remainder (or excess) goes to the member with the largest share
            int largest = 0;
            for (int k = 1; k < count; k++)
                if (share[order[k]] > share[order[largest]])
                    largest = k;
            share[order[largest]] += packetLength - assigned;
            if (share[order[largest]] < 0)
                share[order[largest]] = 0;

            if (count == 1 || share[order[smallest]] >= Math.Min(options.MinimumFragmentSize, packetLength))
            {
                // drop members left with nothing after rounding
                int kept = 0;
                for (int k = 0; k < count; k++)
                    if (share[order[k]] > 0)
                        order[kept++] = order[k];
                if (kept == 0)
                {
                    share[order[0]] = packetLength;
                    kept = 1;
                }
                return kept;
            }

            // leave out the member that would get the smallest piece and level again
            int removed = order[smallest];
            for (int k = smallest; k < count - 1; k++)
                order[k] = order[k + 1];
            count--;
            sumW -= weight[removed];
            sumFW -= Ready(removed) * weight[removed];
            level = (packetLength + headerLength * count + sumFW) / sumW;
        }
    }

    /// <summary>The best (lowest) class among the members; int.MaxValue without members.</summary>
    private int BestClass()
    {
        int best = int.MaxValue;
        for (int i = 0; i < members.Count; i++)
            best = Math.Min(best, policyClass[members[i]]);
        return best;
    }

    /// <summary>
    /// Data goes to the best class present. A class that takes over starts from where the last one had got to
    /// (its members' F lifted to that floor): the time it was left out is no credit, as for a member added later.
    /// </summary>
    private void SelectDataClass()
    {
        int best = BestClass();
        if (best == dataClass)
            return;
        for (int i = 0; i < members.Count; i++)
        {
            int m = members[i];
            if (policyClass[m] == best && finish[m] < dataFloor)
                finish[m] = dataFloor;
        }
        dataClass = best;
    }

    /// <summary>When a new byte given to the member would reach the far end: its queue's finish plus its one-way delay.</summary>
    private double Ready(int member) => options.Schedule == MpSchedule.Latency ? finish[member] + delay[member] : finish[member];

    private int PiecesFor(int member, int data)
    {
        int capacity = mru[member] - headerLength;
        return Math.Max(1, (data + capacity - 1) / capacity);
    }

    private static void CopyPacketRange(ReadOnlySpan<byte> protocolField, ReadOnlySpan<byte> information, int offset, Span<byte> destination)
    {
        int done = 0;
        if (offset < protocolField.Length)
        {
            int n = Math.Min(protocolField.Length - offset, destination.Length);
            protocolField.Slice(offset, n).CopyTo(destination);
            done = n;
        }
        int infoOffset = offset + done - protocolField.Length;
        information.Slice(infoOffset, destination.Length - done).CopyTo(destination[done..]);
    }

    private void Emit(int member, int offset, int length)
    {
        fragments[fragmentCount++] = new MpOutgoingFragment(member, offset, length);
        memberFragments[member]++;
        memberBytes[member] += length;
        FragmentsSent++;
    }

    private void EnsureCapacity(int bytes, int pieces)
    {
        if (scratch.Length < bytes)
            scratch = new byte[bytes];
        if (fragments.Length < pieces)
            fragments = new MpOutgoingFragment[pieces];
    }

    private void RenormaliseIfNeeded()
    {
        // over the data class only: members left out keep old F values, which would hold the minimum down
        double min = double.MaxValue;
        for (int i = 0; i < members.Count; i++)
            if (policyClass[members[i]] == dataClass)
                min = Math.Min(min, finish[members[i]]);
        if (min == double.MaxValue)
            return; // a control packet (FragmentOn) while no member of the data class is left
        dataFloor = min;
        if (min < RenormaliseAbove)
            return;
        for (int i = 0; i < members.Count; i++)
            finish[members[i]] -= min;
        origin += min;
        dataFloor = 0;
    }
}
