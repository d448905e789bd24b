using System.Net;
using System.Threading.Channels;
using Akka.Actor;
using Gateway.Core.Actors;
using Gateway.Core.Hosting;
using static Gateway.Tests.Actors.BundleEndToEndTests;

namespace Gateway.Tests.Actors;

/// <summary>
/// The receiver's side of the cluster's address book (<see cref="ReceiverActor.UseAddressBook"/>): it tells the book
/// every lease its bundles take and keep, and chooses from the leases the book gives it. The book is a recorder here;
/// the replicated one is tested with three receiver processes (ReceiverClusterProcessTests).
/// </summary>
public sealed class ReceiverAddressBookTests
{
    private const string Node = "akka.tcp://gateway@127.0.0.1:4053";
    private const string OtherNode = "akka.tcp://gateway@127.0.0.1:4054";
    private static readonly IPAddress[] Pool = [.. Enumerable.Range(10, 5).Select(i => IPAddress.Parse($"192.0.2.{i}"))];

    private sealed class Recorder : ReceiveActor
    {
        public Recorder(ChannelWriter<ReceiverActor.LeaseChanged> seen) => Receive<ReceiverActor.LeaseChanged>(l => seen.TryWrite(l));
    }

    private static async Task<ReceiverActor.LeaseChanged> NextAsync(ChannelReader<ReceiverActor.LeaseChanged> leases)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await leases.ReadAsync(timeout.Token);
    }

    [Fact]
    public async Task Bundles_lease_their_address_and_a_gateway_gets_the_address_the_cluster_remembers_for_it()
    {
        var seen = Channel.CreateUnbounded<ReceiverActor.LeaseChanged>();
        await using var receiver = await ActorHost.StartAsync("receiver", a => a.WithReceiverActors(Receiver(null, Pool)));
        var listening = await ListeningAsync(receiver);
        var actor = await receiver.GetAsync<ActorKeys.Receiver>();
        var book = receiver.System.ActorOf(Props.Create(() => new Recorder(seen.Writer)));
        actor.Tell(new ReceiverActor.UseAddressBook(book, Node, new Dictionary<string, AddressLease>()));
        var options = new GatewayOptions { Bundles = [Vpn([new SublinkSpec("1", Nic(listening), "nic", listening)])] };

        // No lease yet: the first address, leased live, then kept when the gateway leaves.
        string identity;
        await using (var gateway = await ActorHost.StartAsync("gateway", a => a.WithGatewayActors(options)))
        {
            var up = await WaitForBundleAsync(await BundleAsync(gateway, "vpn"), s => s.Up, TimeSpan.FromSeconds(30));
            Assert.Equal("192.0.2.10", up.LocalAddress);
            var taken = await NextAsync(seen.Reader);
            (identity, var address, var live) = (taken.Identity, taken.Address, taken.Live);
            Assert.StartsWith("vpnname/", identity);
            Assert.Equal((0, true), (address, live));
        }
        Assert.Equal(new ReceiverActor.LeaseChanged(identity, 0, Live: false), await NextAsync(seen.Reader));

        // The cluster says: this gateway last had the fourth address on another node, and another gateway holds the
        // first now. It comes back with the fourth.
        actor.Tell(new ReceiverActor.ClusterLeases(new Dictionary<string, AddressLease>
        {
            [identity] = new(3, OtherNode, Live: false),
            ["othername/none"] = new(0, OtherNode, Live: true),
        }));
        await using (var gateway = await ActorHost.StartAsync("gateway", a => a.WithGatewayActors(options)))
        {
            var up = await WaitForBundleAsync(await BundleAsync(gateway, "vpn"), s => s.Up, TimeSpan.FromSeconds(30));
            Assert.Equal("192.0.2.13", up.LocalAddress);
            Assert.Equal(new ReceiverActor.LeaseChanged(identity, 3, Live: true), await NextAsync(seen.Reader));
        }
    }
}
