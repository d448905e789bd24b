using Gateway.Core.Ppp.Multilink;

namespace Gateway.Tests.Ppp.Multilink;

/// <summary>Collects delivered packets (copied: the span is only valid during the call).</summary>
internal sealed class CollectingSink : IMpPacketSink
{
    public List<(ushort Protocol, byte[] Information)> Packets { get; } = [];

    public void Deliver(ushort protocol, ReadOnlySpan<byte> information) => Packets.Add((protocol, information.ToArray()));
}

/// <summary>A generated bundle run: members with weights, MRUs and one-way delays, a packet stream, loss and duplication.</summary>
internal sealed record Scenario(
    MpSequenceFormat Format,
    uint InitialSequence,
    int Members,
    int Packets,
    double LossRate,
    double DuplicateRate,
    int Seed)
{
    public override string ToString() =>
        $"{Format} init={InitialSequence} members={Members} packets={Packets} loss={LossRate:F2} dup={DuplicateRate:F2} seed={Seed}";
}

/// <summary>One fragment reaching the far end; <paramref name="Index"/> counts fragments sent before it (its sequence number, unwrapped).</summary>
internal sealed record Arrival(int Member, long Ticks, byte[] Bytes, int Packet, long Index);

/// <summary><paramref name="LastFragment"/>[i] is the index of packet i's last fragment.</summary>
internal sealed record SimulationRun(
    List<(ushort Protocol, byte[] Information)> Sent,
    bool[] PacketLostAFragment,
    long[] LastFragment,
    List<Arrival> Arrivals);

/// <summary>
/// Fragments a random packet stream with <see cref="MpFragmenter"/> and computes when each fragment reaches
/// the far end: per member a fixed delay plus jitter, in order on each member (a member link preserves
/// order, as RFC 1990 assumes), independent per-fragment loss, and duplicates that arrive later on the same member.
/// </summary>
internal static class BundleSimulation
{
    public static readonly long PacketInterval = TimeSpan.FromMilliseconds(1).Ticks;

    public static SimulationRun Generate(Scenario s, Func<int, long, bool>? memberUsable = null, Action<MpFragmenter, long>? beforePacket = null)
    {
        var rng = new Random(s.Seed);
        var fragmenter = new MpFragmenter(new MpFragmenterOptions
        {
            Format = s.Format,
            PeerMrru = 1500,
            InitialSequence = s.InitialSequence,
            MinimumFragmentSize = 32,
            CompressProtocol = rng.Next(2) == 0,
        });
        var delay = new long[s.Members];
        var lastArrival = new long[s.Members];
        for (int m = 0; m < s.Members; m++)
        {
            Assert.True(fragmenter.AddMember(m, rng.Next(200, 1601), rng.Next(1, 9) * 10_000));
            delay[m] = TimeSpan.FromMilliseconds(rng.Next(0, 60)).Ticks;
        }
        var sent = new List<(ushort, byte[])>();
        var lost = new bool[s.Packets];
        var lastFragment = new long[s.Packets];
        long index = 0;
        var arrivals = new List<Arrival>();
        ushort[] protocols = [0x0021, 0x0057, 0x8021, 0x00FD];
        for (int i = 0; i < s.Packets; i++)
        {
            long now = i * PacketInterval;
            beforePacket?.Invoke(fragmenter, now);
            int size = rng.Next(10) < 7 ? rng.Next(0, 300) : rng.Next(300, 1501);
            var info = new byte[size];
            rng.NextBytes(info);
            if (size >= 4)
                BitConverter.TryWriteBytes(info, i);
            ushort protocol = protocols[rng.Next(protocols.Length)];
            Assert.Equal(MpFragmentStatus.Ok, fragmenter.Fragment(protocol, info));
            sent.Add((protocol, info));
            foreach (var f in fragmenter.Fragments)
            {
                long fragmentIndex = index++;
                long arrival = Math.Max(lastArrival[f.Member], now + delay[f.Member] + rng.Next(0, (int)TimeSpan.FromMilliseconds(5).Ticks));
                lastArrival[f.Member] = arrival;
                byte[] bytes = fragmenter.Bytes(f).ToArray();
                bool drop = rng.NextDouble() < s.LossRate || (memberUsable is not null && !memberUsable(f.Member, arrival));
                if (drop)
                {
                    lost[i] = true;
                    continue;
                }
                arrivals.Add(new Arrival(f.Member, arrival, bytes, i, fragmentIndex));
                if (rng.NextDouble() < s.DuplicateRate)
                    arrivals.Add(new Arrival(f.Member, arrival + rng.Next(1, (int)TimeSpan.FromMilliseconds(80).Ticks), bytes, i, fragmentIndex));
            }
            lastFragment[i] = index - 1;
        }
        // stable: equal times keep sending order, so each member stays in order
        arrivals = [.. arrivals.OrderBy(a => a.Ticks)];
        return new SimulationRun(sent, lost, lastFragment, arrivals);
    }

    public static List<(ushort Protocol, byte[] Information)> Expected(SimulationRun run) =>
        [.. run.Sent.Where((_, i) => !run.PacketLostAFragment[i])];

    /// <summary>
    /// The first fragment RFC 1990 4.2 cannot yet declare lost once every arrival is in and only
    /// <paramref name="members"/> remain: the first one that never arrived and is not below M, the smallest
    /// last index received on a remaining member (a remaining member that received nothing holds every gap).
    /// Null when M has passed every gap.
    /// </summary>
    public static long? FirstGapHeldOpen(SimulationRun run, IEnumerable<int> members)
    {
        var last = new Dictionary<int, long>();
        foreach (var a in run.Arrivals)
            if (!last.TryGetValue(a.Member, out long l) || a.Index > l)
                last[a.Member] = a.Index;
        long m = long.MaxValue;
        foreach (int member in members)
            m = Math.Min(m, last.TryGetValue(member, out long l) ? l : -1);
        var arrived = run.Arrivals.Select(a => a.Index).ToHashSet();
        long total = run.LastFragment.Length == 0 ? 0 : run.LastFragment[^1] + 1;
        for (long i = Math.Max(0, m); i < total; i++)
            if (!arrived.Contains(i))
                return i;
        return null;
    }

    /// <summary>What the receiver can deliver without a timeout: the packets that lost nothing and end before <paramref name="heldGap"/>.</summary>
    public static List<(ushort Protocol, byte[] Information)> ExpectedBefore(SimulationRun run, long? heldGap) =>
        [.. run.Sent.Where((_, i) => !run.PacketLostAFragment[i] && (heldGap is not { } g || run.LastFragment[i] < g))];

    public static void AssertSamePackets(List<(ushort Protocol, byte[] Information)> expected, List<(ushort Protocol, byte[] Information)> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Protocol, actual[i].Protocol);
            Assert.True(expected[i].Information.AsSpan().SequenceEqual(actual[i].Information), $"packet {i} differs");
        }
    }

    /// <summary>Whether <paramref name="actual"/> is an in-order subsequence of <paramref name="expected"/> with no packet twice.</summary>
    public static void AssertOrderedSubsequence(List<(ushort Protocol, byte[] Information)> expected, List<(ushort Protocol, byte[] Information)> actual)
    {
        int j = 0;
        foreach (var p in actual)
        {
            while (j < expected.Count && !(expected[j].Protocol == p.Protocol && expected[j].Information.AsSpan().SequenceEqual(p.Information)))
                j++;
            Assert.True(j < expected.Count, "a delivered packet is not in the expected order (reordered, duplicated or corrupted)");
            j++;
        }
    }
}
