using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Gateway.Core.Actors;
using Gateway.Web.Cluster;

namespace Gateway.Tests.Cluster;

/// <summary>How the address book writes a lease into the replicated dictionary and reads the dictionary back.</summary>
public sealed class ClusterAddressBookTests
{
    [Fact]
    public void Leases_read_back_as_they_were_written_and_a_malformed_entry_is_left_out()
    {
        const string node = "akka.tcp://gateway@[::1]:4053";
        var writer = new UniqueAddress(new Address("akka.tcp", "gateway", "127.0.0.1", 4053), 1);
        var data = LWWDictionary<string, string>.Empty
            .SetItem(writer, "vpnname/label vpn", ClusterAddressBook.Format(12, live: true, node))
            .SetItem(writer, "other/none", ClusterAddressBook.Format(0, live: false, node))
            .SetItem(writer, "broken", "12 maybe " + node)
            .SetItem(writer, "short", "12");

        var leases = ClusterAddressBook.Parse(data);

        Assert.Equal(2, leases.Count);
        Assert.Equal(new AddressLease(12, node, Live: true), leases["vpnname/label vpn"]);
        Assert.Equal(new AddressLease(0, node, Live: false), leases["other/none"]);
    }

    [Fact]
    public void A_lease_lives_in_a_bucket_every_node_computes_alike_and_gateways_spread_over_the_buckets()
    {
        // Pinned (FNV-1a, 32 bits, mod 256): nodes of one cluster must agree on it, where string.GetHashCode differs from
        // process to process.
        Assert.Equal("receiver-peer-addresses-94", ClusterAddressBook.KeyOf("vpnname/label:76706E").Id);
        Assert.Equal(ClusterAddressBook.KeyOf("a/b"), ClusterAddressBook.KeyOf("a/b"));
        var used = Enumerable.Range(0, 2000).Select(i => ClusterAddressBook.KeyOf($"vpnname/label:{i:X8}").Id).Distinct().Count();
        Assert.True(used > ClusterAddressBook.Buckets * 9 / 10, $"2,000 gateways used only {used} of {ClusterAddressBook.Buckets} buckets");
    }

    /// <summary>
    /// Two receiver nodes in one process: each book tells its receiver its place among the nodes that are up, so that
    /// a join storm on both takes addresses from different shares (<see cref="AddressLeases.Stripe"/>).
    /// </summary>
    [Fact]
    public async Task Each_node_is_told_a_different_share_of_the_addresses_once_both_are_up()
    {
        var config = LoopbackNode.Config("cluster", $"akka.cluster.roles = [{ReceiverClusterSettings.Role}]\nakka.cluster.gossip-interval = 200ms");
        var systems = new[] { ActorSystem.Create("gateway", config), ActorSystem.Create("gateway", config) };
        try
        {
            var seed = Akka.Cluster.Cluster.Get(systems[0]).SelfAddress;
            var receivers = systems.Select(s => new Akka.TestKit.Xunit2.TestKit(s).CreateTestProbe()).ToList();
            for (int i = 0; i < 2; i++)
            {
                await Akka.Cluster.Cluster.Get(systems[i]).JoinAsync(seed);
                systems[i].ActorOf(ClusterAddressBook.Props(receivers[i].Ref), "address-book");
            }
            var stripes = receivers.Select(r => r.FishForMessage<ReceiverActor.AddressStripe>(s => s.Of == 2, TimeSpan.FromSeconds(20))).ToList();

            Assert.Equal([0, 1], stripes.Select(s => s.Index).Order());
            // The lower address is first.
            var lower = systems.Select(s => Akka.Cluster.Cluster.Get(s).SelfAddress).Order(Address.Comparer).First();
            Assert.Equal(0, stripes[Array.FindIndex(systems, s => Akka.Cluster.Cluster.Get(s).SelfAddress == lower)].Index);
        }
        finally
        {
            await Task.WhenAll(systems.Select(s => s.Terminate()));
        }
    }
}
