using Gateway.Core.Ppp.Multilink;

namespace Gateway.Tests.Ppp.Multilink;

/// <summary>"Members up but nothing delivered" (issue 17), sampled once a second in virtual time.</summary>
public class DeliveryWatchTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    private static DeliveryWatch Started(long fragments = 0, long packets = 0)
    {
        var watch = new DeliveryWatch(S(5));
        watch.Reset(S(0), fragments, packets);
        return watch;
    }

    [Fact]
    public void FragmentsArrivingWithNothingReassembledForTheWholePeriodIsAStall()
    {
        var watch = Started(100, 40);
        for (int t = 1; t <= 4; t++)
            Assert.Equal(DeliveryChange.None, watch.Sample(S(t), 100 + 10 * t, 40));
        Assert.Null(watch.StalledSince);
        Assert.Equal(DeliveryChange.Stalled, watch.Sample(S(5), 150, 40));
        Assert.Equal(S(0), watch.StalledSince);
        Assert.Equal(50, watch.FragmentsSinceDelivery);
        Assert.Equal(DeliveryChange.None, watch.Sample(S(6), 160, 40));
        Assert.Equal(60, watch.FragmentsSinceDelivery);
    }

    [Fact]
    public void OnePacketReassembledEndsTheStall()
    {
        var watch = Started();
        for (int t = 1; t <= 5; t++)
            watch.Sample(S(t), 10 * t, 0);
        Assert.NotNull(watch.StalledSince);
        Assert.Equal(DeliveryChange.Recovered, watch.Sample(S(6), 60, 1));
        Assert.Null(watch.StalledSince);
        Assert.Equal(0, watch.FragmentsSinceDelivery);
        Assert.Equal(DeliveryChange.None, watch.Sample(S(7), 70, 1)); // the period starts again from the delivery
    }

    [Fact]
    public void ABundleThatReceivesNothingIsIdleNotStalled()
    {
        var watch = Started(100, 40);
        for (int t = 1; t <= 30; t++)
            Assert.Equal(DeliveryChange.None, watch.Sample(S(t), 100, 40));
        Assert.Null(watch.StalledSince);
    }

    [Fact]
    public void AFewLostFragmentsBeforeSilenceAreNotAStall()
    {
        var watch = Started(100, 40);
        Assert.Equal(DeliveryChange.None, watch.Sample(S(1), 103, 40)); // three fragments of a packet never completed
        for (int t = 2; t <= 30; t++)
            Assert.Equal(DeliveryChange.None, watch.Sample(S(t), 103, 40));
        Assert.Null(watch.StalledSince);
    }

    [Fact]
    public void DeliveringBundlesAreNeverStalled()
    {
        var watch = Started();
        for (int t = 1; t <= 60; t++)
            Assert.Equal(DeliveryChange.None, watch.Sample(S(t), 100 * t, 40 * t));
    }

    [Fact]
    public void AStallEndsQuietlyWhenFragmentsStopArrivingForThePeriod()
    {
        var watch = Started();
        for (int t = 1; t <= 5; t++)
            watch.Sample(S(t), 10 * t, 0);
        Assert.NotNull(watch.StalledSince);
        for (int t = 6; t <= 9; t++)
            Assert.Equal(DeliveryChange.None, watch.Sample(S(t), 50, 0));
        Assert.Equal(DeliveryChange.Quiet, watch.Sample(S(10), 50, 0));
        Assert.Null(watch.StalledSince);
        Assert.Equal(DeliveryChange.None, watch.Sample(S(11), 50, 0));
    }

    [Fact]
    public void CountersThatGoBackwardsRestartTheWatch()
    {
        var watch = Started(1000, 400);
        for (int t = 1; t <= 5; t++)
            watch.Sample(S(t), 1000 + 10 * t, 400);
        Assert.NotNull(watch.StalledSince);
        Assert.Equal(DeliveryChange.Recovered, watch.Sample(S(6), 3, 0)); // a new reassembler
        Assert.Null(watch.StalledSince);
        for (int t = 7; t <= 10; t++)
            Assert.Equal(DeliveryChange.None, watch.Sample(S(t), 3 + t, 0));
        Assert.Equal(DeliveryChange.Stalled, watch.Sample(S(11), 14, 0));
    }

    [Fact]
    public void ThePeriodMustBePositive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeliveryWatch(TimeSpan.Zero));
}
