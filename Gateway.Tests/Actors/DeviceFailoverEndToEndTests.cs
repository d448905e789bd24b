using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Gateway.Core.Actors;
using Gateway.Core.Hosting;
using Xunit.Abstractions;
using static Gateway.Tests.Actors.BundleEndToEndTests;

namespace Gateway.Tests.Actors;

/// <summary>
/// A gateway bundle whose sublinks' <c>set device</c> lists two receivers (docs/CONFIG.md): every sublink dials the
/// first, and the bundle moves them all to the second when the first does not answer or dies. Real loopback UDP, the
/// production actors.
/// </summary>
public sealed class DeviceFailoverEndToEndTests(ITestOutputHelper output)
{
    /// <summary>Two sublinks, each listing <paramref name="first"/> then <paramref name="second"/>.</summary>
    private static BundleOptions TwoReceivers(IPEndPoint first, IPEndPoint second) =>
        Vpn(new[] { "1", "2" }.Select(n =>
            new SublinkSpec(n, Nic(first), "nic", first, Alternates: [new SublinkDevice(Nic(second), "nic", second)])).ToArray()) with
        {
            SilentReceiverLimit = TimeSpan.FromSeconds(1),
        };

    private static async Task<ReceiverActor.ReceiverStatus> ReceiverStatusAsync(ActorHost receiver)
    {
        var actor = await receiver.GetAsync<ActorKeys.Receiver>();
        return await actor.Ask<ReceiverActor.ReceiverStatus>(ReceiverActor.GetReceiverStatus.Instance, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_first_receiver_that_never_answers_is_left_for_the_second_and_the_bundle_forms_there()
    {
        // The first "receiver" is a socket that reads every datagram and answers none: a node whose host is gone
        // without an ICMP error, as on the Internet.
        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var silentAt = (IPEndPoint)silent.Client.LocalEndPoint!;
        var heard = Task.Run(async () => (await silent.ReceiveAsync()).Buffer.Length);
        await using var receiver = await ActorHost.StartAsync("receiver", a => a.WithReceiverActors(Receiver()));
        var listening = await ListeningAsync(receiver);

        var clock = Stopwatch.StartNew();
        await using var gateway = await ActorHost.StartAsync("gateway", a => a.WithGatewayActors(new GatewayOptions { Bundles = [TwoReceivers(silentAt, listening)] }));
        var bundle = await BundleAsync(gateway, "vpn");
        var up = await WaitForBundleAsync(bundle, s => s.Up && s.Members.Count == 2, TimeSpan.FromSeconds(30));
        output.WriteLine($"bundle up with both members on the second receiver {clock.Elapsed.TotalSeconds:F1} s after the start");

        Assert.True(await heard > 0, "the sublinks never dialled the first receiver");
        Assert.Equal(GatewayAddress.ToString(), up.LocalAddress);
        var status = await ReceiverStatusAsync(receiver);
        Assert.Equal((1, 2), (status.Bundles, status.Peers));
    }

    [Fact]
    public async Task When_the_receiver_of_every_sublink_dies_they_all_move_to_the_next_and_probes_flow_again()
    {
        var firstSink = new ProbeSink();
        var secondSink = new ProbeSink();
        var first = await ActorHost.StartAsync("receiver1", a => a.WithReceiverActors(Receiver(firstSink)));
        await using var second = await ActorHost.StartAsync("receiver2", a => a.WithReceiverActors(Receiver(secondSink)));
        var (firstAt, secondAt) = (await ListeningAsync(first), await ListeningAsync(second));
        await using var gateway = await ActorHost.StartAsync("gateway", a => a.WithGatewayActors(new GatewayOptions { Bundles = [TwoReceivers(firstAt, secondAt)] }));
        var bundle = await BundleAsync(gateway, "vpn");
        await WaitForBundleAsync(bundle, s => s.Up && s.Members.Count == 2, TimeSpan.FromSeconds(30));
        Assert.Equal((1, 2), ((await ReceiverStatusAsync(first)).Bundles, (await ReceiverStatusAsync(first)).Peers));
        Assert.Equal(0, (await ReceiverStatusAsync(second)).Peers);
        int seq = 0;
        await SendUntilAsync(bundle, () => seq++, _ => firstSink.Sequences().Count > 0);

        // The first receiver dies: its socket closes, its actors stop, nothing says goodbye.
        var killed = Stopwatch.StartNew();
        await first.DisposeAsync();
        int before = seq;
        await SendUntilAsync(bundle, () => seq++, _ => secondSink.Sequences().Any(s => s >= before));
        output.WriteLine($"probes reached the second receiver {killed.Elapsed.TotalSeconds:F1} s after the first died");

        var moved = await WaitForBundleAsync(bundle, s => s.Up && s.Members.Count == 2, TimeSpan.FromSeconds(30));
        Assert.Equal(GatewayAddress.ToString(), moved.LocalAddress);
        var status = await ReceiverStatusAsync(second);
        Assert.Equal((1, 2), (status.Bundles, status.Peers));
    }
}
