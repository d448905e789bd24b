using Gateway.Core.Transport;

namespace Gateway.Tests.Transport;

/// <summary>The bounded, pooled hand-over: packets beyond the limit are dropped and counted, released ones are reused.</summary>
public sealed class PacketLaneTests
{
    [Fact]
    public void Beyond_the_limit_a_packet_is_dropped_and_counted_and_released_ones_come_back()
    {
        var lane = new PacketLane(limit: 100);
        var first = Enumerable.Range(0, 100).Select(i => lane.TryRent([(byte)i])!).ToList();
        Assert.Null(lane.TryRent([1]));
        Assert.Equal((100, 1L), (lane.InFlight, lane.Dropped));

        // The free list, which starts small, grows to hold every packet released: all 100 are reused.
        foreach (var packet in first)
            packet.Release();
        Assert.Equal(0, lane.InFlight);
        var again = Enumerable.Range(0, 100).Select(i => lane.TryRent([(byte)i])!).ToList();
        Assert.Equal(first.ToHashSet(ReferenceEqualityComparer.Instance).Count, again.Intersect(first, ReferenceEqualityComparer.Instance).Count());
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (byte)i), again.Select(p => p.Span[0]).Order());
    }

    [Fact]
    public void An_idle_lane_holds_a_small_free_list_not_one_of_its_limit()
    {
        // 8 KiB of references for a 1024-packet lane, per lane, two lanes a bundle: measured in the receiver's RSS.
        long before = GC.GetAllocatedBytesForCurrentThread();
        var lane = new PacketLane();
        long cost = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(cost < 512, $"a new lane of {lane.Limit} allocated {cost} bytes");
    }
}
