using Gateway.Core.Ppp.Multilink;

namespace Gateway.Tests.Ppp.Multilink;

public sealed class DeviceFailoverTests
{
    [Fact]
    public void A_bundle_moves_on_when_a_sublink_of_the_current_receiver_fails_with_no_member_up()
    {
        var failover = new DeviceFailover(3);
        Assert.Equal(0, failover.Current);

        Assert.True(failover.Failed(dialled: 0, membersUp: 0));
        Assert.Equal(1, failover.Current);
        Assert.True(failover.Failed(dialled: 1, membersUp: 0));
        Assert.True(failover.Failed(dialled: 2, membersUp: 0));
        Assert.Equal(0, failover.Current);   // after the last, the first again
        Assert.Equal(3, failover.Moves);
    }

    [Fact]
    public void A_sublink_that_fails_while_another_member_is_up_leaves_the_receiver_as_it_is()
    {
        var failover = new DeviceFailover(2);
        Assert.False(failover.Failed(dialled: 0, membersUp: 1));
        Assert.Equal(0, failover.Current);
        Assert.Equal(0, failover.Moves);
    }

    [Fact]
    public void The_end_of_a_sublink_that_dialled_a_receiver_already_left_moves_nothing()
    {
        // Two sublinks on receiver 0, which dies: the first to fail moves the bundle to 1; the second fails a moment
        // later, still on 0: the bundle must not move again (back to 0, the dead one).
        var failover = new DeviceFailover(2);
        Assert.True(failover.Failed(dialled: 0, membersUp: 0));
        Assert.False(failover.Failed(dialled: 0, membersUp: 0));
        Assert.Equal(1, failover.Current);
    }

    [Fact]
    public void One_device_never_moves_and_an_empty_list_is_refused()
    {
        var one = new DeviceFailover(1);
        Assert.False(one.Failed(dialled: 0, membersUp: 0));
        Assert.Equal(0, one.Current);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeviceFailover(0));
    }
}
