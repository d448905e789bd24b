using Akka.Actor;
using Gateway.Core.Actors;
using Gateway.Core.Actors.Messages;
using System.Collections.Concurrent;
using System.Net;
using Gateway.Core.Hosting;
using Gateway.Core.Status;
using Xunit.Abstractions;
using static Gateway.Tests.Actors.BundleEndToEndTests;
using static Gateway.Tests.Actors.ReceiverTestSupport;

namespace Gateway.Tests.Actors;

/// <summary>One receiver, several gateways: bundles by identity (RFC 1990 5.1.3), each with its own address.</summary>
public class ReceiverBundleTests(ITestOutputHelper output)
{
    private static readonly IPAddress SecondGatewayAddress = IPAddress.Parse("192.0.2.3");
    private static readonly TimeSpan UpTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Two_gateways_with_different_credentials_get_two_bundles_with_their_own_address_and_traffic()
    {
        var sink = new BundleProbeSink();
        await using var receiver = await ActorHost.StartAsync("receiver", a => a.WithReceiverActors(Receiver(sink, GatewayAddress, SecondGatewayAddress)));
        var listening = await ListeningAsync(receiver);
        await using var first = await GatewayAsync("gateway-a", NicBundle("vpn", listening, GatewayMember("vpnname", "vpnkey")));
        await using var second = await GatewayAsync("gateway-b", NicBundle("vpn", listening, GatewayMember("othername", "otherkey")));
        var a = await BundleAsync(first, "vpn");
        var b = await BundleAsync(second, "vpn");
        var upA = await WaitForBundleAsync(a, s => s.Up && s.Members.Count == 2, UpTimeout);
        var upB = await WaitForBundleAsync(b, s => s.Up && s.Members.Count == 2, UpTimeout);
        output.WriteLine($"gateway a got {upA.LocalAddress}, gateway b got {upB.LocalAddress}");

        Assert.NotEqual(upA.LocalAddress, upB.LocalAddress);
        Assert.Equal(
            new[] { GatewayAddress.ToString(), SecondGatewayAddress.ToString() }.Order(),
            new[] { upA.LocalAddress, upB.LocalAddress }.Order());
        var status = await ReceiverStatusAsync(receiver);
        Assert.Equal(2, status.Bundles);
        Assert.Equal(4, status.Peers);

        const int count = 2000, secondFirst = 1_000_000;
        await Task.WhenAll(SendProbesAsync(a, 0, count), SendProbesAsync(b, secondFirst, count));
        await sink.WaitForQuietAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(20));

        var ofA = sink.Delivered(0, count);
        var ofB = sink.Delivered(secondFirst, count);
        output.WriteLine($"a: {string.Join(", ", ofA.Select(x => $"{x.Key}={x.Value.Count}"))}; b: {string.Join(", ", ofB.Select(x => $"{x.Key}={x.Value.Count}"))}");
        // Where any missing probe went: each gateway bundle's drops and each receiver bundle's reassembly.
        var root = await receiver.GetAsync<ActorKeys.Receiver>();
        foreach (var (name, bundle) in new[] { ("gateway a", a), ("gateway b", b) })
        {
            var sent = await StatusAsync(bundle);
            output.WriteLine($"{name}: dropped {sent.QueueDrops}, fragments out {string.Join("/", sent.MemberDetails.Select(m => m.FragmentsOut))}, paused [{string.Join(", ", sent.Paused)}]");
        }
        foreach (var n in new[] { 1, 2 })
        {
            var got = await receiver.System.ActorSelection(root.Path / $"bundle-{n}").Ask<BundleStatus>(BundleMessages.GetBundleStatus.Instance, TimeSpan.FromSeconds(10));
            output.WriteLine($"receiver bundle-{n}: {got.Reassembly}");
        }
        var bundleOfA = Assert.Single(ofA);   // every probe of gateway a came out of one receiver bundle ...
        var bundleOfB = Assert.Single(ofB);   // ... and every probe of gateway b out of one other
        Assert.NotEqual(bundleOfA.Key, bundleOfB.Key);
        Assert.True(bundleOfA.Value.Count >= count * 0.98, $"gateway a: {bundleOfA.Value.Count} of {count} delivered");
        Assert.True(bundleOfB.Value.Count >= count * 0.98, $"gateway b: {bundleOfB.Value.Count} of {count} delivered");
        Assert.Equal(bundleOfA.Value.Count, bundleOfA.Value.Distinct().Count());
        Assert.Equal(bundleOfB.Value.Count, bundleOfB.Value.Distinct().Count());
    }

    [Fact]
    public async Task A_sublink_with_a_wrong_chap_secret_is_refused_and_never_joins_a_bundle()
    {
        var sink = new BundleProbeSink();
        await using var receiver = await ActorHost.StartAsync("receiver", a => a.WithReceiverActors(Receiver(sink, GatewayAddress, SecondGatewayAddress)));
        var receiverSublinks = Collect<SublinkChanged>(receiver);
        var listening = await ListeningAsync(receiver);
        await using var intruder = await GatewayAsync("intruder", NicBundle("vpn", listening, GatewayMember("vpnname", "not-the-key"), sublinks: 1));
        // A gateway with the right secret at the same time: the receiver is working, the wrong one is refused.
        await using var honest = await GatewayAsync("honest", NicBundle("vpn", listening, GatewayMember("othername", "otherkey"), sublinks: 1));
        var intruderBundle = await BundleAsync(intruder, "vpn");
        await WaitForBundleAsync(await BundleAsync(honest, "vpn"), s => s.Up, UpTimeout);

        // The intruder's sublink is restarted with back-off (200, 400, 800 ms ...): let it try several times.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        int maxBundles = 0;
        while (DateTime.UtcNow < deadline)
        {
            maxBundles = Math.Max(maxBundles, (await ReceiverStatusAsync(receiver)).Bundles);
            Assert.False((await StatusAsync(intruderBundle)).Up);
            await Task.Delay(100);
        }

        // The intruder never authenticated: its sublinks published no status (a stranger leaves nothing in the
        // dashboard's tables) and the receiver counted how each ended instead, in CHAP, and more than once.
        var status = await WaitForReceiverAsync(receiver,
            s => s.HalfOpenEnded.AuthenticationFailed >= 2, UpTimeout);
        output.WriteLine(status.ToString());
        Assert.Equal(1, maxBundles);                                             // only the honest gateway's bundle, ever
        Assert.All(receiverSublinks, c => Assert.Equal("othername", c.Sublink.Peer));
        Assert.False((await StatusAsync(intruderBundle)).Up);
    }

    [Fact]
    public async Task A_sublink_with_another_endpoint_discriminator_starts_a_new_bundle_and_leaves_the_first_intact()
    {
        var sink = new BundleProbeSink();
        await using var receiver = await ActorHost.StartAsync("receiver", a => a.WithReceiverActors(Receiver(sink, GatewayAddress, SecondGatewayAddress)));
        var listening = await ListeningAsync(receiver);
        await using var first = await GatewayAsync("gateway-a", NicBundle("vpn", listening, GatewayMember("vpnname", "vpnkey", "vpn")));
        var a = await BundleAsync(first, "vpn");
        var upA = await WaitForBundleAsync(a, s => s.Up && s.Members.Count == 2, UpTimeout);
        var downs = new ConcurrentQueue<BundleStatus>();
        var watcher = first.System.ActorOf(Akka.Actor.Props.Create(() => new BundleDownWatcher(downs)));
        first.System.EventStream.Subscribe(watcher, typeof(BundleChanged));

        // The first bundle carries traffic while a sublink of the same user but another enddisc arrives.
        const int count = 3000, otherFirst = 1_000_000;
        var traffic = SendProbesAsync(a, 0, count);
        await using var second = await GatewayAsync("gateway-b", NicBundle("vpn", listening, GatewayMember("vpnname", "vpnkey", "other"), sublinks: 1));
        var b = await BundleAsync(second, "vpn");
        var upB = await WaitForBundleAsync(b, s => s.Up, UpTimeout);
        await traffic;
        await SendProbesAsync(b, otherFirst, 500);
        await sink.WaitForQuietAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(20));

        var status = await ReceiverStatusAsync(receiver);
        var afterA = await WaitForBundleAsync(a, _ => true, UpTimeout);
        var ofA = sink.Delivered(0, count);
        var ofB = sink.Delivered(otherFirst, 500);
        output.WriteLine($"a {upA.LocalAddress}: {string.Join(", ", ofA.Select(x => $"{x.Key}={x.Value.Count}"))}; " +
                         $"b {upB.LocalAddress}: {string.Join(", ", ofB.Select(x => $"{x.Key}={x.Value.Count}"))}; receiver {status}");
        Assert.Equal(2, status.Bundles);
        Assert.NotEqual(upA.LocalAddress, upB.LocalAddress);
        Assert.Equal(upA.LocalAddress, afterA.LocalAddress);
        Assert.Equal(upA.UpSince, afterA.UpSince);           // the first bundle was never renegotiated ...
        Assert.Equal(2, afterA.Members.Count);               // ... kept both its sublinks ...
        Assert.Empty(downs);                                 // ... and never went down
        var bundleOfA = Assert.Single(ofA);
        var bundleOfB = Assert.Single(ofB);
        Assert.NotEqual(bundleOfA.Key, bundleOfB.Key);
        Assert.True(bundleOfA.Value.Count >= count * 0.98, $"first bundle: {bundleOfA.Value.Count} of {count} delivered");
        Assert.True(bundleOfA.Value.SequenceEqual(bundleOfA.Value.Order()), "the first bundle delivered out of order");
        Assert.True(bundleOfB.Value.Count >= 490, $"second bundle: {bundleOfB.Value.Count} of 500 delivered");
    }

    /// <summary>
    /// The gateway's bundle sends its first IPCP (CCP, IPV6CP) Configure-Request the moment a member is up on its side,
    /// which is often before the receiver's side of that member has joined the receiver's bundle (authentication, then
    /// an actor hop to find or make the bundle): such frames are held and handed over at the join, not dropped (they
    /// were, and each bundle then waited a restart timer, 3 s, before IP flowed; after a receiver restart too).
    /// </summary>
    [Fact]
    public async Task Frames_that_arrive_before_a_sublink_joins_the_receivers_bundle_are_handed_over_not_dropped()
    {
        await using var receiver = await ActorHost.StartAsync("receiver", a => a.WithReceiverActors(Receiver(null, GatewayAddress)));
        var listening = await ListeningAsync(receiver);
        await using var gateway = await GatewayAsync("gateway", NicBundle("vpn", listening, GatewayMember("vpnname", "vpnkey"), sublinks: 4));
        var bundle = await BundleAsync(gateway, "vpn");
        await WaitForBundleAsync(bundle, s => s.Up && s.Members.Count == 4, UpTimeout);
        var status = await ReceiverStatusAsync(receiver);
        output.WriteLine(status.ToString());
        Assert.Equal(4, status.Peers);
        Assert.Equal(0, status.DroppedBeforeJoin);
    }
}
