using Akka.Actor;
using Gateway.Core.Actors;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Hosting;
using static Gateway.Tests.Actors.BundleEndToEndTests;
using static Gateway.Tests.Actors.ReceiverTestSupport;

namespace Gateway.Tests.Actors;

/// <summary>
/// A bundle's data plane (the tun device, its addresses and routes) through an outage of the bundle: kept while the
/// bundle re-forms with the same addresses, as FreeBSD ppp keeps its tun device while it redials; closed when the
/// outage outlasts <see cref="BundleOptions.DataPlaneLinger"/>.
/// </summary>
public sealed class DataPlaneLingerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task The_data_plane_is_kept_while_the_bundle_goes_down_and_comes_back()
    {
        var plane = new CountingDataPlaneFactory();
        await using var receiver = await ActorHost.StartAsync("receiver", a => a.WithReceiverActors(Receiver(null, GatewayAddress)));
        var listening = await ListeningAsync(receiver);
        await using var gateway = await GatewayAsync("gateway", NicBundle("vpn", listening, GatewayMember(), sublinks: 1) with { DataPlane = plane });
        var (root, bundle) = (await gateway.GetAsync<ActorKeys.Gateway>(), await BundleAsync(gateway, "vpn"));
        await WaitForBundleAsync(bundle, s => s.Up, Timeout);
        Assert.Equal((1, 0), plane.Counts);

        await CommandAsync(root, "1", LinkCommandKind.Close);
        await WaitForBundleAsync(bundle, s => !s.Up, Timeout);
        await CommandAsync(root, "1", LinkCommandKind.Dial);
        await WaitForBundleAsync(bundle, s => s.Up, Timeout);

        // Opened once and never closed: the device, its addresses and its routes outlived the outage.
        Assert.Equal((1, 0), plane.Counts);
    }

    [Fact]
    public async Task An_outage_longer_than_the_linger_closes_the_data_plane_and_the_bundle_opens_a_new_one()
    {
        var plane = new CountingDataPlaneFactory();
        await using var receiver = await ActorHost.StartAsync("receiver", a => a.WithReceiverActors(Receiver(null, GatewayAddress)));
        var listening = await ListeningAsync(receiver);
        var options = NicBundle("vpn", listening, GatewayMember(), sublinks: 1) with { DataPlane = plane, DataPlaneLinger = TimeSpan.FromMilliseconds(200) };
        await using var gateway = await GatewayAsync("gateway", options);
        var (root, bundle) = (await gateway.GetAsync<ActorKeys.Gateway>(), await BundleAsync(gateway, "vpn"));
        await WaitForBundleAsync(bundle, s => s.Up, Timeout);

        await CommandAsync(root, "1", LinkCommandKind.Close);
        await plane.WaitAsync(c => c == (1, 1), Timeout);
        await CommandAsync(root, "1", LinkCommandKind.Dial);
        await WaitForBundleAsync(bundle, s => s.Up, Timeout);
        await plane.WaitAsync(c => c == (2, 1), Timeout);
    }

    private static async Task CommandAsync(IActorRef root, string link, LinkCommandKind kind) =>
        Assert.True((await root.Ask<LinkCommandResult>(new LinkCommand(link, kind), TimeSpan.FromSeconds(5))).Found);

    /// <summary>A data plane that delivers nowhere and counts how often it was opened and closed.</summary>
    private sealed class CountingDataPlaneFactory : IDataPlaneFactory
    {
        private int opened, closed;

        public (int Opened, int Closed) Counts => (Volatile.Read(ref opened), Volatile.Read(ref closed));

        public IDataPlane Open(DataPlaneContext context)
        {
            Interlocked.Increment(ref opened);
            return new Nowhere(this);
        }

        /// <summary>Waits (polling every 20 ms) until the counts meet <paramref name="condition"/>.</summary>
        public async Task WaitAsync(Func<(int Opened, int Closed), bool> condition, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!condition(Counts))
            {
                Assert.True(DateTime.UtcNow < deadline, $"data plane opened {Counts.Opened}, closed {Counts.Closed} times after {timeout}");
                await Task.Delay(20);
            }
        }

        private sealed class Nowhere(CountingDataPlaneFactory owner) : IDataPlane
        {
            public void Deliver(ReadOnlySpan<byte> packet, TimeSpan now)
            {
            }

            public void Dispose() => Interlocked.Increment(ref owner.closed);
        }
    }
}
