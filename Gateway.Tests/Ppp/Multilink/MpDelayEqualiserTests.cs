using Gateway.Core.Ppp.Multilink;

namespace Gateway.Tests.Ppp.Multilink;

public class MpDelayEqualiserTests
{
    private static readonly TimeSpan Fast = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan Slow = TimeSpan.FromMilliseconds(45);

    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    private sealed class Sink : IMpFragmentSink
    {
        public List<(int Member, byte Id, TimeSpan At)> Got { get; } = [];

        public void Receive(int member, ReadOnlySpan<byte> fragment, TimeSpan now) => Got.Add((member, fragment[0], now));
    }

    private static MpDelayEqualiser TwoPaths(MpDelayEqualiserOptions? options = null)
    {
        var e = new MpDelayEqualiser(options);
        e.SetDelay(0, Fast);
        e.SetDelay(1, Slow);
        return e;
    }

    private static byte[] Fragment(byte id, int length = 100)
    {
        var f = new byte[length];
        f[0] = id;
        return f;
    }

    [Fact]
    public void While_the_slow_member_carries_data_a_fast_members_fragment_is_held_for_the_difference_and_the_slow_ones_pass()
    {
        var e = TwoPaths();
        var sink = new Sink();
        var t = TimeSpan.FromSeconds(10);
        e.Receive(1, Fragment(1), t, sink);                 // the slow member carries
        Assert.Equal([(1, (byte)1, t)], sink.Got);

        e.Receive(0, Fragment(2), t + Ms(1), sink);
        Assert.Single(sink.Got);
        Assert.Equal(Slow - Fast, e.HoldFor(0, t + Ms(1)));
        Assert.Equal(t + Ms(41), e.NextDue);

        e.Release(t + Ms(40.9), sink);
        Assert.Single(sink.Got);
        e.Release(t + Ms(41), sink);
        Assert.Equal((0, (byte)2, t + Ms(41)), sink.Got[1]);
        Assert.Null(e.NextDue);
        Assert.Equal(new MpDelayEqualiserStatistics(1, 1, 0, 0, Slow), e.Statistics);
    }

    [Fact]
    public void Nothing_is_held_while_no_slower_member_carries_data_and_holding_stops_a_window_after_it_last_did()
    {
        var e = TwoPaths(new MpDelayEqualiserOptions { CarryingWindow = TimeSpan.FromSeconds(1) });
        var sink = new Sink();
        var t = TimeSpan.FromSeconds(10);
        e.Receive(0, Fragment(1), t, sink);                 // light traffic on the fast path only
        Assert.Single(sink.Got);
        Assert.Equal(0, e.HeldNow);

        e.Receive(1, Fragment(2), t + Ms(100), sink);
        e.Receive(0, Fragment(3), t + Ms(200), sink);
        Assert.Equal(1, e.HeldNow);
        e.Release(t + Ms(240), sink);
        Assert.Equal(3, sink.Got.Count);

        // more than a window after the slow member's last fragment: the fast path is itself again
        e.Receive(0, Fragment(4), t + Ms(1200), sink);
        Assert.Equal(4, sink.Got.Count);
        Assert.Equal(0, e.HeldNow);
    }

    [Fact]
    public void Always_holds_the_fast_path_back_even_when_the_slow_member_has_carried_nothing()
    {
        var e = TwoPaths(new MpDelayEqualiserOptions { Always = true });
        var sink = new Sink();
        e.Receive(0, Fragment(1), TimeSpan.FromSeconds(10), sink);
        Assert.Empty(sink.Got);
        Assert.Equal(TimeSpan.FromSeconds(10) + Slow - Fast, e.NextDue);
    }

    [Fact]
    public void A_member_without_a_measured_delay_is_neither_held_nor_sets_the_target()
    {
        var e = new MpDelayEqualiser(new MpDelayEqualiserOptions { Always = true });
        e.SetDelay(0, Fast);
        var sink = new Sink();
        e.Receive(1, Fragment(1), TimeSpan.FromSeconds(1), sink);
        e.Receive(0, Fragment(2), TimeSpan.FromSeconds(1), sink);
        Assert.Equal(2, sink.Got.Count);
        Assert.Equal(TimeSpan.Zero, e.HoldFor(1, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void A_members_fragments_leave_in_the_order_they_came_when_its_hold_shrinks()
    {
        var e = TwoPaths();
        var sink = new Sink();
        var t = TimeSpan.FromSeconds(10);
        e.Receive(1, Fragment(1), t, sink);
        e.Receive(0, Fragment(2), t, sink);                 // due at t + 40 ms
        e.SetDelay(0, TimeSpan.FromMilliseconds(30));       // the fast path got slower: holds of 15 ms from now
        e.Receive(0, Fragment(3), t + Ms(60), sink);        // due at t + 75 ms
        e.Receive(0, Fragment(4), t + Ms(61), sink);
        e.Release(t + Ms(45), sink);
        Assert.Equal([1, 2], sink.Got.Select(g => (int)g.Id));
        e.Release(t + Ms(100), sink);
        Assert.Equal([1, 2, 3, 4], sink.Got.Select(g => (int)g.Id));

        // a hold that shrinks below an earlier fragment's: the later one does not overtake it
        e.Receive(0, Fragment(5), t + Ms(200), sink);       // due at t + 215 ms
        e.SetDelay(0, TimeSpan.FromMilliseconds(42));       // under the minimum hold now
        e.Receive(0, Fragment(6), t + Ms(201), sink);
        Assert.Equal(4, sink.Got.Count);
        e.Release(t + Ms(215), sink);
        Assert.Equal([1, 2, 3, 4, 5, 6], sink.Got.Select(g => (int)g.Id));
    }

    [Fact]
    public void Beyond_its_bound_a_members_queue_goes_on_early_in_order_and_counted_nothing_lost()
    {
        var e = TwoPaths(new MpDelayEqualiserOptions { SlotSize = 200, MaxHeldBytes = 1000 }); // five slots
        var sink = new Sink();
        var t = TimeSpan.FromSeconds(10);
        e.Receive(1, Fragment(0), t, sink);
        for (byte id = 1; id <= 6; id++)
            e.Receive(0, Fragment(id), t, sink);
        Assert.Equal(1, e.Overflows);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6], sink.Got.Select(g => (int)g.Id));
        Assert.Equal(0, e.HeldNow);

        // a fragment larger than a slot is never held, and goes after what its member holds
        e.Receive(0, Fragment(7), t, sink);
        e.Receive(0, Fragment(8, length: 300), t, sink);
        Assert.Equal(2, e.Overflows);
        Assert.Equal([7, 8], sink.Got.Skip(7).Select(g => (int)g.Id));
    }

    [Fact]
    public void A_member_that_leaves_hands_on_what_it_holds_and_clear_drops_everything()
    {
        var e = TwoPaths();
        var sink = new Sink();
        var t = TimeSpan.FromSeconds(10);
        e.Receive(1, Fragment(1), t, sink);
        e.Receive(0, Fragment(2), t, sink);
        e.RemoveMember(0, t + Ms(1), sink);
        Assert.Equal([1, 2], sink.Got.Select(g => (int)g.Id));
        Assert.Equal(TimeSpan.Zero, e.HoldFor(0, t + Ms(2)));

        e.SetDelay(0, Fast);
        e.Receive(0, Fragment(3), t + Ms(2), sink);
        Assert.Equal(1, e.HeldNow);
        e.Clear();
        Assert.Equal(0, e.HeldNow);
        Assert.Null(e.NextDue);
        e.Release(t + TimeSpan.FromSeconds(1), sink);
        Assert.Equal(2, sink.Got.Count);
    }

    [Fact]
    public void Holding_and_releasing_allocate_nothing_once_the_slots_exist()
    {
        var e = TwoPaths();
        var sink = new CountingSink();
        var fragment = Fragment(1, 1400);
        var t = TimeSpan.FromSeconds(10);
        void Round(int i)
        {
            var now = t + Ms(i);
            e.Receive(1, fragment, now, sink);
            e.Receive(0, fragment, now, sink);
            e.Receive(0, fragment, now, sink);
            e.Release(now, sink);
            _ = e.NextDue;
        }
        for (int i = 0; i < 1000; i++)
            Round(i);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 1000; i < 11_000; i++)
            Round(i);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sink.Count > 25_000, $"{sink.Count} fragments came out");
    }

    [Fact]
    public void An_equaliser_that_holds_nothing_costs_no_slots_and_grows_by_chunks_as_the_hold_needs_them()
    {
        // A concentrator holds thousands of idle bundles, each with an equaliser: none may pay for the 4 MiB bound.
        byte[] slowOne = Fragment(1), fastOne = Fragment(2);
        var sink = new CountingSink();
        var t = TimeSpan.FromSeconds(10);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = TwoPaths(new MpDelayEqualiserOptions { Always = true });
        e.Receive(1, slowOne, t, sink);                     // the slowest member's fragment: passed on, nothing held
        Assert.Equal((1, 0), (sink.Count, e.HeldNow));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4_000, "an equaliser that held nothing allocated its slots");

        before = GC.GetAllocatedBytesForCurrentThread();
        e.Receive(0, fastOne, t, sink);                     // the first hold: one chunk of 64 slots of 2048 octets
        long firstChunk = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.InRange(firstChunk, 64 * 2048, 64 * 2048 + 4_000);
        Assert.Equal(1, e.HeldNow);
    }

    private sealed class CountingSink : IMpFragmentSink
    {
        public int Count { get; private set; }

        public void Receive(int member, ReadOnlySpan<byte> fragment, TimeSpan now) => Count++;
    }
}
