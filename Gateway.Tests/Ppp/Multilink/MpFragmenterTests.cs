using Gateway.Core.Ppp.Multilink;

namespace Gateway.Tests.Ppp.Multilink;

public class MpFragmenterTests
{
    private static MpFragmenter New(MpSequenceFormat format = MpSequenceFormat.Long, int minimum = 64, uint initial = 0) =>
        new(new MpFragmenterOptions { Format = format, PeerMrru = 1500, MinimumFragmentSize = minimum, InitialSequence = initial });

    private static List<(int Member, MpHeader Header, byte[] Data)> Take(MpFragmenter f, MpSequenceFormat format = MpSequenceFormat.Long)
    {
        var list = new List<(int, MpHeader, byte[])>();
        foreach (var x in f.Fragments)
        {
            Assert.Equal(MpHeaderStatus.Ok, MpHeaderCodec.TryRead(f.Bytes(x), format, out var h, out var data));
            list.Add((x.Member, h, data.ToArray()));
        }
        return list;
    }

    [Fact]
    public void Members_weighted_1_2_4_8_get_bytes_within_5_percent_of_their_shares_over_10000_packets()
    {
        var f = New();
        int[] weights = [1, 2, 4, 8];
        for (int m = 0; m < 4; m++)
            Assert.True(f.AddMember(m, 1500, weights[m] * 100_000));
        var rng = new Random(7);
        var packet = new byte[1500];
        for (int i = 0; i < 10_000; i++)
            Assert.Equal(MpFragmentStatus.Ok, f.Fragment(0x0021, packet.AsSpan(0, rng.Next(20, 1501))));
        double total = Enumerable.Range(0, 4).Sum(m => (double)f.MemberStatistics(m).Bytes);
        for (int m = 0; m < 4; m++)
        {
            double share = weights[m] / 15.0;
            double actual = f.MemberStatistics(m).Bytes / total;
            Assert.InRange(actual / share, 0.95, 1.05);
        }
    }

    [Theory]
    [InlineData(MpSequenceFormat.Long, 100u, 1124u, 1124u)]        // ahead: numbers on from there
    [InlineData(MpSequenceFormat.Long, 100u, 50u, 100u)]           // behind: keeps its numbering
    [InlineData(MpSequenceFormat.Long, 0xFFFFF0u, 0x10u, 0x10u)]   // ahead across the wrap of 24 bits
    [InlineData(MpSequenceFormat.Short, 0xFF0u, 0x070u, 0x070u)]   // ahead across the wrap of 12 bits
    [InlineData(MpSequenceFormat.Short, 0x100u, 0x100u, 0x100u)]   // the same: nothing to do
    public void Numbering_on_from_a_later_number_moves_forward_only(MpSequenceFormat format, uint initial, uint from, uint next)
    {
        var f = New(format, initial: initial);
        f.NumberOnFrom(from);
        Assert.Equal(next, f.NextSequence);
        f.AddMember(0, 1500, 1000);
        Assert.Equal(MpFragmentStatus.Ok, f.Fragment(0x0021, new byte[10]));
        Assert.Equal(next, Take(f, format).Single().Header.Sequence);
    }

    [Fact]
    public void A_packet_that_fits_the_chosen_members_mru_goes_whole_with_B_and_E()
    {
        var f = New();
        f.AddMember(0, 1500, 1000);
        f.AddMember(1, 1500, 1000);
        Assert.Equal(MpFragmentStatus.Ok, f.Fragment(0x0021, new byte[100]));
        var frags = Take(f);
        Assert.Single(frags);
        Assert.True(frags[0].Header.Begin && frags[0].Header.End);
        Assert.Equal(2 + 100, frags[0].Data.Length);
        Assert.Equal(1, f.PacketsSentWhole);
    }

    [Fact]
    public void A_large_packet_is_cut_across_members_in_proportion_to_weight_so_pieces_finish_together()
    {
        var f = New();
        int[] weights = [1, 2, 4, 8];
        for (int m = 0; m < 4; m++)
            f.AddMember(m, 1500, weights[m] * 1000);
        var info = Enumerable.Range(0, 1498).Select(i => (byte)i).ToArray();
        Assert.Equal(MpFragmentStatus.Ok, f.Fragment(0x0021, info));
        var frags = Take(f);
        Assert.Equal(4, frags.Count);
        Assert.True(frags[0].Header.Begin && !frags[0].Header.End);
        Assert.True(frags[^1].Header.End && !frags[^1].Header.Begin);
        for (int i = 1; i < frags.Count; i++)
            Assert.Equal(frags[i - 1].Header.Sequence + 1, frags[i].Header.Sequence);
        // (data + header) / weight is the same for every member: they finish at the same time
        var finish = frags.Select(x => (x.Data.Length + 4) / (double)weights[x.Member]).ToArray();
        Assert.All(finish, t => Assert.InRange(t, finish.Min(), finish.Min() * 1.02));
        Assert.Equal([0x00, 0x21, .. info], frags.SelectMany(x => x.Data).ToArray());
    }

    [Fact]
    public void A_member_with_a_longer_delay_gets_a_smaller_piece_so_both_arrive_together()
    {
        var f = New();
        f.AddMember(0, 1500, 10_000);
        f.AddMember(1, 1500, 10_000);
        Assert.True(f.SetDelay(1, TimeSpan.FromMilliseconds(50)));
        Assert.Equal(MpFragmentStatus.Ok, f.Fragment(0x0021, new byte[1498]));
        var frags = Take(f);
        Assert.Equal(2, frags.Count);
        var byMember = frags.ToDictionary(x => x.Member, x => x.Data.Length);
        // T * 2w - 0.05 w - 2H = 1500  =>  T = 0.1004 s: 1000 bytes on member 0, 500 on member 1
        Assert.InRange(byMember[0], 999, 1001);
        Assert.InRange(byMember[1], 499, 501);
        double arrival0 = (byMember[0] + 4) / 10_000.0, arrival1 = 0.05 + (byMember[1] + 4) / 10_000.0;
        Assert.InRange(Math.Abs(arrival0 - arrival1), 0, 0.001);
    }

    [Fact]
    public void Given_the_time_light_traffic_goes_to_the_member_that_delivers_it_first()
    {
        var f = New();
        f.AddMember(0, 1500, 1_000);
        f.AddMember(1, 1500, 8_000);
        for (int i = 0; i < 20; i++)
        {
            // one small packet a second: every queue has drained in between
            Assert.Equal(MpFragmentStatus.Ok, f.Fragment(0x0021, new byte[64], TimeSpan.FromSeconds(i)));
            Assert.Equal(1, Assert.Single(f.Fragments.ToArray()).Member);
        }
        // back to back, the slower member takes its share again
        for (int i = 0; i < 90; i++)
            f.Fragment(0x0021, new byte[64], TimeSpan.FromSeconds(20));
        Assert.InRange(f.MemberStatistics(0).Fragments, 8, 12);
    }

    [Fact]
    public void No_piece_is_smaller_than_the_minimum_fragment_size()
    {
        var f = New(minimum: 200);
        f.AddMember(0, 1000, 100_000);
        f.AddMember(1, 1000, 1_000); // would get ~15 bytes of a 1500-byte packet
        Assert.Equal(MpFragmentStatus.Ok, f.Fragment(0x0021, new byte[1498]));
        var frags = Take(f);
        Assert.All(frags, x => Assert.True(x.Data.Length >= 200));
        Assert.All(frags, x => Assert.Equal(0, x.Member));
        Assert.All(frags, x => Assert.True(x.Data.Length + 4 <= 1000));
        Assert.Equal(1500, frags.Sum(x => x.Data.Length));
    }

    [Fact]
    public void Packets_above_the_mrru_are_refused_and_counted_not_fragmented()
    {
        var f = New();
        f.AddMember(0, 1500, 1000);
        Assert.Equal(MpFragmentStatus.AboveMrru, f.Fragment(0x0021, new byte[1501]));
        Assert.Equal(1, f.RefusedAboveMrru);
        Assert.True(f.Fragments.IsEmpty);
        Assert.Equal(0u, f.NextSequence);
    }

    [Fact]
    public void Without_members_packets_are_refused_and_counted()
    {
        var f = New();
        Assert.Equal(MpFragmentStatus.NoActiveMember, f.Fragment(0x0021, new byte[10]));
        Assert.Equal(1, f.RefusedNoMember);
    }

    [Fact]
    public void Members_can_be_added_and_removed_between_any_two_packets()
    {
        var f = New();
        f.AddMember(0, 1500, 1000);
        f.AddMember(1, 1500, 1000);
        for (int i = 0; i < 10; i++)
            f.Fragment(0x0021, new byte[100]);
        Assert.True(f.RemoveMember(0));
        long before = f.MemberStatistics(0).Fragments;
        for (int i = 0; i < 10; i++)
        {
            f.Fragment(0x0021, new byte[1400]);
            Assert.All(f.Fragments.ToArray(), x => Assert.Equal(1, x.Member));
        }
        Assert.Equal(before, f.MemberStatistics(0).Fragments);
        Assert.True(f.AddMember(2, 1500, 1000));
        // a newcomer gets its share from now on, without a burst of back credit
        for (int i = 0; i < 10; i++)
            f.Fragment(0x0021, new byte[100]);
        Assert.Equal(5, f.MemberStatistics(2).Fragments);
    }

    [Theory]
    [InlineData(MpSequenceFormat.Short, 4094u)]
    [InlineData(MpSequenceFormat.Long, 0xFFFFFEu)]
    public void Sequence_numbers_wrap(MpSequenceFormat format, uint initial)
    {
        var f = New(format, initial: initial);
        f.AddMember(0, 1500, 1000);
        var seen = new List<uint>();
        for (int i = 0; i < 4; i++)
        {
            f.Fragment(0x0021, new byte[10]);
            seen.AddRange(Take(f, format).Select(x => x.Header.Sequence));
        }
        uint mask = MpHeaderCodec.SequenceMask(format);
        Assert.Equal([initial, initial + 1, 0u, 1u], seen.Select(s => s & mask));
    }

    [Fact]
    public void Fragmenting_allocates_nothing_in_steady_state()
    {
        var f = New();
        for (int m = 0; m < 4; m++)
            f.AddMember(m, 1500, 1000 * (m + 1));
        var big = new byte[1500];
        var small = new byte[64];
        for (int i = 0; i < 1000; i++)
            f.Fragment(0x0021, (i & 1) == 0 ? big : small);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
            f.Fragment(0x0021, (i & 1) == 0 ? big : small);
        // under one byte a packet: no allocation per packet, while a one-off of the runtime's own does not fail it
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 10_000 - 1);
    }

    /// <summary>Fragments of <paramref name="packets"/> packets of <paramref name="size"/> bytes, counted by member.</summary>
    private static Dictionary<int, int> Send(MpFragmenter f, int packets, int size = 100, TimeSpan? now = null)
    {
        var counts = new Dictionary<int, int>();
        var packet = new byte[size];
        for (int i = 0; i < packets; i++)
        {
            Assert.Equal(MpFragmentStatus.Ok, now is { } t ? f.Fragment(0x0021, packet, t) : f.Fragment(0x0021, packet));
            foreach (var x in f.Fragments)
                counts[x.Member] = counts.GetValueOrDefault(x.Member) + 1;
        }
        return counts;
    }

    [Fact]
    public void A_backup_gets_no_data_while_a_primary_is_a_member_even_for_packets_cut_across_members()
    {
        var f = New();
        f.AddMember(0, 1500, 1_000);
        f.AddMember(1, 1500, 1_000);
        f.AddMember(2, 1500, 1_000_000, MemberPolicy.Backup); // by far the fastest: the weights alone would pick it

        var whole = Send(f, 100);
        var cut = Send(f, 100, size: 1498);

        Assert.Equal([0, 1], whole.Keys.Order());
        Assert.Equal([0, 1], cut.Keys.Order());
        Assert.Equal(0, f.MemberStatistics(2).Fragments);
        Assert.True(f.CarriesData(0) && f.CarriesData(1));
        Assert.False(f.CarriesData(2));
    }

    [Fact]
    public void The_last_primary_gone_the_backup_carries_the_data_and_a_primary_back_takes_it_again()
    {
        var f = New();
        f.AddMember(0, 1500, 1_000);
        f.AddMember(1, 1500, 1_000);
        f.AddMember(2, 1500, 1_000, MemberPolicy.Backup);
        Send(f, 10);

        f.RemoveMember(0);
        Assert.Equal([1], Send(f, 10).Keys);               // one primary left: still none for the backup
        f.RemoveMember(1);
        Assert.Equal([2], Send(f, 10).Keys);               // the last primary gone (or paused): the backup takes over
        Assert.True(f.CarriesData(2));

        f.AddMember(0, 1500, 1_000);
        Assert.Equal([0], Send(f, 10).Keys);               // a primary back: data leaves the backup at once
        Assert.False(f.CarriesData(2));
        // the backup still takes a control packet sent on it on purpose (FragmentOn: the peer listens there)
        Assert.Equal(MpFragmentStatus.Ok, f.FragmentOn(2, 0x8021, new byte[10]));
    }

    [Fact]
    public void Data_goes_to_the_best_priority_present_and_priority_2_only_while_no_priority_1_is_left()
    {
        var f = New();
        f.AddMember(0, 1500, 1_000, MemberPolicy.Primary(2));
        f.AddMember(1, 1500, 1_000, MemberPolicy.Primary(1));
        f.AddMember(2, 1500, 1_000, MemberPolicy.Backup);
        f.AddMember(3, 1500, 1_000, MemberPolicy.Primary(2));

        Assert.Equal([1], Send(f, 20).Keys);
        f.RemoveMember(1);
        var second = Send(f, 20);
        Assert.Equal([0, 3], second.Keys.Order());
        Assert.Equal(10, second[0]);                       // shared by weight within the class
        f.RemoveMember(0);
        f.RemoveMember(3);
        Assert.Equal([2], Send(f, 5).Keys);
    }

    [Fact]
    public void A_policy_set_between_two_packets_applies_from_the_next()
    {
        var f = New();
        f.AddMember(0, 1500, 1_000);
        f.AddMember(1, 1500, 1_000);
        Assert.Equal([0, 1], Send(f, 10).Keys.Order());

        Assert.True(f.SetPolicy(1, MemberPolicy.Backup));
        Assert.Equal([0], Send(f, 10).Keys);
        Assert.True(f.SetPolicy(0, MemberPolicy.Primary(3)));
        Assert.Equal([0], Send(f, 10).Keys);               // still the best class present
        Assert.True(f.SetPolicy(1, MemberPolicy.Default));
        Assert.Equal([1], Send(f, 10).Keys);
        Assert.False(f.SetPolicy(7, MemberPolicy.Backup)); // not a member
    }

    [Fact]
    public void Members_of_a_class_that_takes_over_start_level_whatever_they_missed()
    {
        // Backup 1 is there from the start (F = 0); backup 2 joins after the primary carried 1,000 packets, at the
        // primary's F. When the primary goes, neither may be owed the time it was left out: they alternate.
        var f = New();
        f.AddMember(0, 1500, 1_000);
        f.AddMember(1, 1500, 1_000, MemberPolicy.Backup);
        Send(f, 1_000);
        f.AddMember(2, 1500, 1_000, MemberPolicy.Backup);

        f.RemoveMember(0);
        var after = Send(f, 100);

        Assert.Equal(50, after[1]);
        Assert.Equal(50, after[2]);
    }

    [Fact]
    public void Fragmenting_with_a_backup_member_allocates_nothing_in_steady_state()
    {
        var f = New();
        for (int m = 0; m < 3; m++)
            f.AddMember(m, 1500, 1000 * (m + 1), m == 2 ? MemberPolicy.Backup : MemberPolicy.Primary(m + 1));
        var big = new byte[1500];
        for (int i = 0; i < 1000; i++)
            f.Fragment(0x0021, big, TimeSpan.FromMilliseconds(i));
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            if (i == 5_000)
                f.RemoveMember(0);                         // the class changes on the way
            f.Fragment(0x0021, big, TimeSpan.FromMilliseconds(1000 + i));
        }
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 10_000 - 1);
    }

    [Theory]
    [InlineData(MpSchedule.Latency, 1.0)]
    [InlineData(MpSchedule.Throughput, 0.5)]
    public void Light_traffic_takes_the_fast_path_under_latency_and_is_shared_by_rate_under_throughput(MpSchedule schedule, double fastShare)
    {
        var f = new MpFragmenter(new MpFragmenterOptions { PeerMrru = 1500, Schedule = schedule });
        Assert.True(f.AddMember(0, 1500, 1_000_000));
        Assert.True(f.AddMember(1, 1500, 1_000_000));
        Assert.True(f.SetDelay(0, TimeSpan.FromMilliseconds(5)));
        Assert.True(f.SetDelay(1, TimeSpan.FromMilliseconds(45)));
        var packet = new byte[500];
        for (int i = 0; i < 1000; i++) // one packet every 10 ms: a tenth of either member's rate
        {
            Assert.Equal(MpFragmentStatus.Ok, f.Fragment(0x0021, packet, TimeSpan.FromMilliseconds(10 * i)));
            Assert.Equal(1, f.Fragments.Length);
        }
        Assert.Equal(fastShare, f.MemberStatistics(0).Fragments / 1000.0, 2);
    }
}
