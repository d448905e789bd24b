using Gateway.Core.Actors;

namespace Gateway.Tests.Actors;

public sealed class AddressLeasesTests
{
    private const string Here = "akka.tcp://gateway@127.0.0.1:1";
    private const string There = "akka.tcp://gateway@127.0.0.1:2";

    private static AddressLeases With(params (string Identity, AddressLease Lease)[] all)
    {
        var leases = new AddressLeases();
        leases.Replace(all.ToDictionary(l => l.Identity, l => l.Lease));
        return leases;
    }

    [Fact]
    public void A_gateway_gets_back_the_address_it_had_on_another_node()
    {
        var leases = With(("a/label vpn", new AddressLease(3, There, Live: true)), ("b/label vpn", new AddressLease(0, There, Live: true)));

        Assert.Equal(3, leases.Choose("a/label vpn", 10, _ => true));
    }

    [Fact]
    public void A_new_gateway_gets_an_address_no_other_gateway_holds_or_held()
    {
        var leases = With(("a", new AddressLease(0, There, Live: true)), ("b", new AddressLease(1, There, Live: false)));

        Assert.Equal(2, leases.Choose("c", 10, _ => true));
        Assert.Equal(3, leases.Choose("c", 10, i => i != 2));   // 2 held by a bundle of this node
    }

    [Fact]
    public void Nodes_choosing_at_the_same_moment_from_the_same_view_take_different_addresses_from_their_stripes()
    {
        // Three nodes, none of whose choices has reached the others yet: each takes from its own share first.
        var nodes = Enumerable.Range(0, 3).Select(n =>
        {
            var leases = With(("old", new AddressLease(1, There, Live: true)));
            leases.UseStripe(n, 3);
            return leases;
        }).ToList();
        var chosen = nodes.Select(l => Enumerable.Range(0, 4).Aggregate(new List<int>(), (held, _) =>
        {
            held.Add(l.Choose("new", 30, i => !held.Contains(i)));
            return held;
        })).ToList();

        Assert.Equal([0, 3, 6, 9], chosen[0]);
        Assert.Equal([4, 7, 10, 13], chosen[1]);   // 1 is another gateway's
        Assert.Equal([2, 5, 8, 11], chosen[2]);
        Assert.Empty(chosen[0].Intersect(chosen[1]).Concat(chosen[1].Intersect(chosen[2])).Concat(chosen[0].Intersect(chosen[2])));
    }

    [Fact]
    public void A_node_whose_stripe_is_spent_takes_any_free_address_and_a_wrong_stripe_means_every_address()
    {
        var leases = With(("a", new AddressLease(2, There, Live: true)));
        leases.UseStripe(2, 3);
        Assert.Equal(0, leases.Choose("c", 6, i => i != 5));   // 2 another's, 5 held here: the stripe is spent
        leases.UseStripe(3, 3);
        Assert.Equal((0, 1), leases.Stripe);
        Assert.Equal(0, leases.Choose("c", 6, _ => true));
    }

    [Fact]
    public void When_only_kept_addresses_are_left_a_kept_one_goes_to_the_new_gateway_and_live_ones_never()
    {
        var leases = With(("a", new AddressLease(0, There, Live: true)), ("b", new AddressLease(1, There, Live: false)));

        Assert.Equal(1, leases.Choose("c", 2, _ => true));
        Assert.Equal(-1, leases.Choose("c", 2, i => i != 1));
    }

    [Fact]
    public void A_gateways_old_address_now_held_by_another_gateway_is_not_given_back()
    {
        var leases = With(("a", new AddressLease(0, Here, Live: false)), ("b", new AddressLease(0, There, Live: true)));

        Assert.Equal(1, leases.Choose("a", 10, _ => true));
    }

    [Fact]
    public void Without_leases_the_first_address_free_here()
    {
        Assert.Equal(2, new AddressLeases().Choose("a", 5, i => i >= 2));
    }

    [Fact]
    public void Two_live_bundles_on_one_address_on_two_nodes_are_a_conflict_seen_from_each()
    {
        var leases = With(("a", new AddressLease(4, Here, Live: true)), ("b", new AddressLease(4, There, Live: true)),
            ("c", new AddressLease(5, There, Live: true)), ("d", new AddressLease(5, Here, Live: false)));

        Assert.Equal([(4, "a", "b", There)], leases.Conflicts(Here));
        Assert.Equal([(4, "b", "a", Here)], leases.Conflicts(There));
    }
}
