using Gateway.Core.Ppp.Multilink;

namespace Gateway.Tests.Ppp.Multilink;

/// <summary>The bundle's member table, row by row: join, leave, rejoin, full, stale packets; the receiver's weights; restart back-off.</summary>
public class BundleMembersTests
{
    private sealed class Path;

    [Fact]
    public void Members_take_the_lowest_free_index_and_a_rejoin_at_the_same_index_gets_a_fresh_key()
    {
        var members = new BundleMembers<string, Path>(capacity: 3);
        Assert.True(members.TryJoin("isp1", "ref1", new Path(), 1000, out var a));
        Assert.True(members.TryJoin("isp2", "ref2", null, 2000, out var b));
        Assert.Equal((0, 1), (a.Index, b.Index));
        Assert.Equal(2, members.Count);

        Assert.Same(a, members.Leave("ref1"));
        Assert.Null(members.ByIndex(0));
        Assert.True(members.TryJoin("isp1", "ref1-again", null, 1000, out var again));
        Assert.Equal(0, again.Index);                    // the freed index is reused
        Assert.NotEqual(a.Key, again.Key);               // but the key is new
        Assert.Null(members.ByKey(0, a.Key));            // a packet of the old member is not taken for the new one
        Assert.Same(again, members.ByKey(0, again.Key));
        Assert.Same(b, members.ByRef("ref2"));
    }

    [Fact]
    public void A_full_table_and_a_second_join_of_the_same_reference_are_refused_and_leave_nothing_behind()
    {
        var members = new BundleMembers<string, Path>(capacity: 2);
        Assert.True(members.TryJoin("a", "ra", null, 1, out _));
        Assert.False(members.TryJoin("a twice", "ra", null, 1, out _));
        Assert.True(members.TryJoin("b", "rb", null, 1, out _));
        Assert.False(members.TryJoin("c", "rc", null, 1, out _));
        Assert.Equal(2, members.Count);
        Assert.Null(members.ByRef("rc"));
        Assert.Null(members.Leave("rc"));                // leaving twice or never joined: nothing happens
        Assert.Equal(["a", "b"], members.All.Select(m => m.Name));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(2)]
    [InlineData(int.MaxValue)]
    public void Indexes_outside_the_table_find_no_member(int index)
    {
        var members = new BundleMembers<string, Path>(capacity: 2);
        Assert.True(members.TryJoin("a", "ra", null, 1, out var a));
        Assert.Null(members.ByIndex(index));
        Assert.Null(members.ByKey(index, a.Key));
    }

    [Fact]
    public void A_receiver_weighs_each_member_by_its_smoothed_receive_rate_and_never_below_the_minimum()
    {
        double rate = RateMirror.Smooth(0, 100_000, TimeSpan.FromSeconds(1));
        Assert.Equal(100_000, rate);                     // the first sample is taken as it is
        rate = RateMirror.Smooth(rate, 0, TimeSpan.FromSeconds(1));
        Assert.Equal(70_000, rate, 6);                   // then 0.7 of the old
        rate = RateMirror.Smooth(rate, 200_000, TimeSpan.FromSeconds(2));
        Assert.Equal(70_000 * 0.7 + 100_000 * 0.3, rate, 6);
        Assert.Equal(RateMirror.MinimumWeight, RateMirror.Weight(0));
        Assert.Equal(RateMirror.MinimumWeight, RateMirror.Weight(RateMirror.Smooth(0, -5, TimeSpan.FromSeconds(1))));
        Assert.Equal(rate, RateMirror.Weight(rate));
    }

    [Fact]
    public void A_failing_sublink_backs_off_doubling_to_the_maximum_and_starts_short_again_once_it_joined()
    {
        var restarts = new SublinkRestarts(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        var pauses = Enumerable.Range(0, 6).Select(_ => restarts.Next("isp1").TotalSeconds).ToArray();
        Assert.Equal([1, 2, 4, 8, 10, 10], pauses);
        Assert.Equal(1, restarts.Next("isp2").TotalSeconds);   // each sublink has its own
        restarts.Joined("isp1");
        Assert.Equal(1, restarts.Next("isp1").TotalSeconds);
        for (int i = 0; i < 100; i++)
            restarts.Next("isp2");                              // no overflow however long it fails
        Assert.Equal(10, restarts.Next("isp2").TotalSeconds);
    }
}
