using Akka.Actor;
using Akka.DistributedData;
using Gateway.Core.Actors;
using Gateway.Core.Actors.Cluster;
using Gateway.Core.Actors.Messages;
using Gateway.Tests.Actors;
using Gateway.Tests.Actors.VirtualTime;
using Gateway.Web.Cluster;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Tests.Cluster;

/// <summary>
/// Issue 14, one gateway, one bundle: a <see cref="BundleEntity"/> that the shard coordinator placed on a second node
/// (a placement lost while the coordinator moved, as the rolling-restart bench saw) sends its members to the bundle the
/// cluster's leases name. Two cluster nodes in one process over loopback TCP, each with its address book (the leases in
/// Akka.DistributedData), the entities started as the shard region would start them.
/// </summary>
public sealed class BundleEntityTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private ActorSystem first = null!;
    private ActorSystem second = null!;

    private static Akka.Configuration.Config Node() =>
        LoopbackNode.Config("cluster", "akka.cluster.gossip-interval = 200ms\nakka.cluster.distributed-data.gossip-interval = 200ms");

    public async Task InitializeAsync()
    {
        first = ActorSystem.Create("gateway", Node());
        second = ActorSystem.Create("gateway", Node());
        var seed = Akka.Cluster.Cluster.Get(first).SelfAddress;
        await Akka.Cluster.Cluster.Get(first).JoinAsync(seed);
        await Akka.Cluster.Cluster.Get(second).JoinAsync(seed);
        foreach (var system in new[] { first, second })
            await WaitForAsync(() => Akka.Cluster.Cluster.Get(system).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 2, "both nodes up");
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(first.Terminate(), second.Terminate());
    }

    [Fact]
    public async Task A_bundle_placed_again_on_another_node_sends_its_members_to_the_one_the_lease_names_and_forms_when_that_one_is_gone()
    {
        var (kitFirst, kitSecond) = (new Akka.TestKit.Xunit2.TestKit(first), new Akka.TestKit.Xunit2.TestKit(second));
        first.ActorOf(ClusterAddressBook.Props(kitFirst.CreateTestProbe().Ref), "address-book");
        second.ActorOf(ClusterAddressBook.Props(kitSecond.CreateTestProbe().Ref), "address-book");
        var options = BundleEndToEndTests.Receiver();
        var secondNode = Akka.Cluster.Cluster.Get(second).SelfAddress;

        // The coordinator placed the gateway's bundle on the second node: it forms there with the first member, and its
        // live lease reaches the first node.
        const string identity = "vpnname/label:76706E";
        var there = second.ActorOf(BundleEntity.Props(options, identity, kitSecond.CreateTestProbe().Ref), "entity");
        var relayThere = kitSecond.CreateTestProbe();
        there.Tell(new RemoteSublinkUp("127.0.0.1:40010", relayThere.Ref, FarBundle.Link, "vpnname", null, Address: 0));
        var bundle = relayThere.FishForMessage<JoinedBundle>(_ => true, Timeout).Bundle;
        Assert.Equal(there.Path / "bundle", bundle.Path);
        await WaitForAsync(async () => (await LeasesAsync(first, identity)).TryGetValue(identity, out var l) && l.Live && l.Node == secondNode.ToString(), "the live lease on the first node");

        // The coordinator, having lost that placement, places the same shard on the first node: the entity there sends
        // its member to the bundle on the second node, which takes it; no second bundle forms.
        var here = first.ActorOf(BundleEntity.Props(options, identity, kitFirst.CreateTestProbe().Ref), "entity");
        var relayHere = kitFirst.CreateTestProbe();
        here.Tell(new RemoteSublinkUp("127.0.0.1:40011", relayHere.Ref, FarBundle.Link, "vpnname", null, Address: 0));
        var joined = relayHere.FishForMessage<JoinedBundle>(_ => true, Timeout);
        Assert.Equal(secondNode, joined.Bundle.Path.Address);
        Assert.Equal(bundle.Path.ToStringWithoutAddress(), joined.Bundle.Path.ToStringWithoutAddress());

        // A lease that is live on a node whose entity is gone (that node stopped it without a word) names no bundle: the
        // entity asks, hears nothing is there, and forms the bundle itself.
        const string stale = "othername/label:6F74";
        second.ActorSelection("/user/address-book").Tell(new ReceiverActor.LeaseChanged(stale, 0, Live: true));
        await WaitForAsync(async () => (await LeasesAsync(first, stale)).TryGetValue(stale, out var l) && l.Live, "the stale lease on the first node");
        var alone = first.ActorOf(BundleEntity.Props(options, stale, kitFirst.CreateTestProbe().Ref), "entity-2");
        var relayAlone = kitFirst.CreateTestProbe();
        alone.Tell(new RemoteSublinkUp("127.0.0.1:40012", relayAlone.Ref, FarBundle.Link, "othername", null, Address: 0));
        var formed = relayAlone.FishForMessage<JoinedBundle>(_ => true, Timeout);
        Assert.Equal(alone.Path / "bundle", formed.Bundle.Path);
    }

    [Fact]
    public async Task A_bundle_that_forms_again_takes_the_address_its_lease_names_not_the_one_a_lagging_node_chose()
    {
        var (kitFirst, kitSecond) = (new Akka.TestKit.Xunit2.TestKit(first), new Akka.TestKit.Xunit2.TestKit(second));
        first.ActorOf(ClusterAddressBook.Props(kitFirst.CreateTestProbe().Ref), "address-book");
        second.ActorOf(ClusterAddressBook.Props(kitSecond.CreateTestProbe().Ref), "address-book");
        var options = BundleEndToEndTests.Receiver() with { PeerAddresses = Enumerable.Range(2, 8).Select(i => System.Net.IPAddress.Parse($"10.0.0.{i}")).ToList() };

        // The gateway held address 5 (10.0.0.7) on a node since gone; the sublink's node, whose copy of the leases lags,
        // chose 2 for it.
        const string identity = "moved/label:6D6F766564";
        second.ActorSelection("/user/address-book").Tell(new ReceiverActor.LeaseChanged(identity, 5, Live: false));
        await WaitForAsync(async () => (await LeasesAsync(first, identity)).ContainsKey(identity), "the kept lease on the first node");
        var entity = first.ActorOf(BundleEntity.Props(options, identity, kitFirst.CreateTestProbe().Ref), "entity-moved");
        var relay = kitFirst.CreateTestProbe();
        entity.Tell(new RemoteSublinkUp("127.0.0.1:40013", relay.Ref, FarBundle.Link, "moved", null, Address: 2));

        var formed = relay.FishForMessage<JoinedBundle>(_ => true, Timeout);
        Assert.Equal($"{options.Bundle.Name}-6", formed.BundleName);
        await WaitForAsync(async () => (await LeasesAsync(second, identity)).TryGetValue(identity, out var l) && l is { Address: 5, Live: true },
            "the lease live again at address 5");
    }

    private static async Task<IReadOnlyDictionary<string, AddressLease>> LeasesAsync(ActorSystem system, string identity)
    {
        var response = await DistributedData.Get(system).Replicator.Ask<IGetResponse>(Dsl.Get(ClusterAddressBook.KeyOf(identity), ReadLocal.Instance), Timeout);
        return response is GetSuccess success ? ClusterAddressBook.Parse(success.Get(ClusterAddressBook.KeyOf(identity))) : new Dictionary<string, AddressLease>();
    }

    private static Task WaitForAsync(Func<bool> condition, string what) => WaitForAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"waited {Timeout} for {what}");
            await Task.Delay(20);
        }
    }
}
