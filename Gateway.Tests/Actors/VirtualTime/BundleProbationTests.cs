using Akka.Actor;
using Gateway.Core.Actors;
using Gateway.Core.Status;
using Xunit.Abstractions;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Tests.Actors.VirtualTime;

/// <summary>
/// Issue 16's brownout, the rejoin half: a member that drops out and joins again is given no data until its echo
/// round trip is back near the one it had while it carried data; one that joins for the first time is not held back.
/// </summary>
public class BundleProbationTests(ITestOutputHelper output) : VirtualTimeTestKit(output)
{
    [Fact]
    public void A_member_that_joins_again_gets_no_data_until_its_round_trip_is_back_near_its_usual_one()
    {
        var one = CreateTestProbe();
        var two = CreateTestProbe();
        var bundle = InMemoryMembers.ReceiverBundle(Sys, "vpn-in-1");
        var firstPath = Path(TimeSpan.FromMilliseconds(2));
        bundle.Tell(new SublinkUp("1", one.Ref, FarBundle.Link, "vpnname", null, Path(TimeSpan.FromMilliseconds(2))), one.Ref);
        bundle.Tell(new SublinkUp("2", two.Ref, FarBundle.Link, "vpnname", null, firstPath), two.Ref);
        // never seen before: not held back
        Assert.Empty(Status(bundle).Paused);
        Advance(TimeSpan.FromSeconds(3)); // its usual round trip is learnt while it carries data

        // it drops out, and joins again over a path still browned out: 600 ms
        bundle.Tell(new SublinkDown("2", two.Ref, "LCP echo: no reply to 3 echo requests"), two.Ref);
        var browned = Path(null);
        bundle.Tell(new SublinkUp("2", two.Ref, FarBundle.Link, "vpnname", null, browned), two.Ref);
        Assert.Equal(["2"], Status(bundle).Paused);
        browned.LatestRtt = TimeSpan.FromMilliseconds(600);
        Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(["2"], Status(bundle).Paused);

        // healed: the next look (every 0.2 s while it waits, not only at the 1 s stats tick) gives it data again
        browned.LatestRtt = TimeSpan.FromMilliseconds(3);
        Advance(TimeSpan.FromMilliseconds(250));
        Assert.Empty(Status(bundle).Paused);
    }

    [Fact]
    public void A_member_whose_round_trip_stays_high_is_given_data_when_its_probation_ends()
    {
        // a path whose delay changed for good (a new route) must not be shut out for ever (30 s by default; 10 s here,
        // within the 30 s that IPCP, with no peer in this test, keeps the bundle's members)
        var one = CreateTestProbe();
        var two = CreateTestProbe();
        var bundle = InMemoryMembers.ReceiverBundle(Sys, "vpn-in-2", probationLimit: TimeSpan.FromSeconds(10));
        bundle.Tell(new SublinkUp("1", one.Ref, FarBundle.Link, "vpnname", null, Path(TimeSpan.FromMilliseconds(2))), one.Ref);
        bundle.Tell(new SublinkUp("2", two.Ref, FarBundle.Link, "vpnname", null, Path(TimeSpan.FromMilliseconds(2))), two.Ref);
        Assert.Empty(Status(bundle).Paused); // the bundle has started (its stats timer runs) before the clock moves
        Advance(TimeSpan.FromSeconds(3));
        bundle.Tell(new SublinkDown("2", two.Ref, "closed"), two.Ref);
        bundle.Tell(new SublinkUp("2", two.Ref, FarBundle.Link, "vpnname", null, Path(TimeSpan.FromMilliseconds(80))), two.Ref);
        Assert.Equal(["2"], Status(bundle).Paused);
        Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["2"], Status(bundle).Paused);

        Advance(TimeSpan.FromSeconds(8));
        Assert.Equal(["2"], Status(bundle).Paused);
        Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(Status(bundle).Paused);
    }

    [Fact]
    public void A_member_reported_late_gets_no_data_until_it_is_on_time_and_the_last_member_is_never_demoted()
    {
        var one = CreateTestProbe();
        var two = CreateTestProbe();
        var bundle = InMemoryMembers.ReceiverBundle(Sys, "vpn-in-3");
        bundle.Tell(new SublinkUp("1", one.Ref, FarBundle.Link, "vpnname", null, Path(TimeSpan.FromMilliseconds(2))), one.Ref);
        bundle.Tell(new SublinkUp("2", two.Ref, FarBundle.Link, "vpnname", null, Path(TimeSpan.FromMilliseconds(2))), two.Ref);
        var late = new MemberLate(two.Ref, TimeSpan.FromMilliseconds(120), TimeSpan.FromMilliseconds(55));
        bundle.Tell(late, two.Ref);
        var demoted = Status(bundle);
        Assert.Equal(["2"], demoted.Paused);
        Assert.Equal("late", demoted.MemberDetails.Single(m => m.Name == "2").PausedFor);

        // its peer is heard from (what lifts an unreachable pause) and a second passes: still late, still no data
        bundle.Tell(new MemberReachable(two.Ref), two.Ref);
        Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(["2"], Status(bundle).Paused);

        bundle.Tell(new MemberOnTime(two.Ref, TimeSpan.FromMilliseconds(3), InTime: true), two.Ref);
        Assert.Empty(Status(bundle).Paused);

        // the other member late too, once member 2 is late again: member 1 is the last one sending and keeps its data
        bundle.Tell(late, two.Ref);
        bundle.Tell(new MemberLate(one.Ref, TimeSpan.FromMilliseconds(120), TimeSpan.FromMilliseconds(55)), one.Ref);
        var last = Status(bundle);
        Assert.Equal(["2"], last.Paused);
        Assert.Null(last.MemberDetails.Single(m => m.Name == "1").PausedFor);
    }

    private BundleStatus Status(IActorRef bundle) => Query<BundleStatus>(bundle, GetBundleStatus.Instance);

    private static MemberDataPath Path(TimeSpan? rtt) => InMemoryMembers.Path(rtt);
}
