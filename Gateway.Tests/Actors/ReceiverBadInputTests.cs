using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Gateway.Core.Actors;
using Gateway.Core.Hosting;
using Gateway.Core.Status;
using Xunit.Abstractions;
using static Gateway.Tests.Actors.BundleEndToEndTests;
using static Gateway.Tests.Actors.ReceiverTestSupport;

namespace Gateway.Tests.Actors;

/// <summary>BAD-INPUT.md "Receiver": hostile datagrams at the receiver's UDP port while a real bundle runs.</summary>
public class ReceiverBadInputTests(ITestOutputHelper output)
{
    private const int MaxPeers = 32;
    private const int SpoofedPorts = 10_000;
    // Well below the attack's pace (batches of 500 every 100 ms at best), so that the bound acts however slow the machine.
    private const int MaxStrangerDatagramsPerSecond = 1000;
    private const int MaxNewPeerRequestsPerSecond = 100;
    private static readonly TimeSpan EstablishTimeout = TimeSpan.FromSeconds(1);
    // Loopback, but never the address of a sublink that authenticated (the gateway's, 127.0.0.1): strangers.
    private static readonly IPAddress Stranger = IPAddress.Parse("127.0.2.1");

    [Fact]
    public async Task Junk_truncated_frames_an_lcp_storm_and_10000_source_ports_are_counted_and_bounded_while_a_bundle_carries_on()
    {
        var sink = new BundleProbeSink();
        var options = Receiver(sink) with
        {
            MaxPeers = MaxPeers,
            EstablishTimeout = EstablishTimeout,
            MaxStrangerDatagramsPerSecond = MaxStrangerDatagramsPerSecond,
            MaxNewPeerRequestsPerSecond = MaxNewPeerRequestsPerSecond,
        };
        await using var receiver = await ActorHost.StartAsync("receiver", a => a.WithReceiverActors(options));
        var listening = await ListeningAsync(receiver);
        await using var gateway = await GatewayAsync("gateway", NicBundle("vpn", listening, GatewayMember()));
        var bundle = await BundleAsync(gateway, "vpn");
        var up = await WaitForBundleAsync(bundle, s => s.Up && s.Members.Count == 2, TimeSpan.FromSeconds(20));
        var downs = new ConcurrentQueue<BundleStatus>();
        var watcher = gateway.System.ActorOf(Akka.Actor.Props.Create(() => new BundleDownWatcher(downs)));
        gateway.System.EventStream.Subscribe(watcher, typeof(BundleChanged));
        GC.Collect();
        long memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        // Legitimate traffic the whole time.
        using var stop = new CancellationTokenSource();
        int probesSent = 0;
        var traffic = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await SendProbesAsync(bundle, probesSent, 100);
                probesSent += 100;
            }
        });
        int peakPeers = 0;
        var watch = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakPeers = Math.Max(peakPeers, (await ReceiverStatusAsync(receiver)).Peers);
                await Task.Delay(20);
            }
        });

        var random = new Random(6671);
        var attackClock = System.Diagnostics.Stopwatch.StartNew();
        long attack = 0;
        using (var one = Bound(0))
        {
            // 1. Random datagrams of 1 to 300 bytes.
            for (int i = 0; i < 2000; i++)
            {
                var junk = new byte[random.Next(1, 300)];
                random.NextBytes(junk);
                attack += Send(one, junk, listening);
                if (i % 200 == 199)
                    await Task.Delay(5);
            }
            // 2. Truncated and malformed PPP frames, LCP first of all.
            foreach (var frame in TruncatedFrames())
                for (int i = 0; i < 50; i++)
                    attack += Send(one, frame, listening);
            await Task.Delay(10);
        }
        // 3. An LCP Configure-Request storm from one address and port (it gets a peer, so it is not a stranger).
        const int stormCount = 3000;
        using (var storm = Bound(0))
        {
            for (int i = 0; i < stormCount; i++)
            {
                attack += Send(storm, ConfigureRequest((byte)i, (uint)random.Next()), listening);
                if (i % 200 == 199)
                    await Task.Delay(5);
            }
        }
        // 4. Configure-Requests from 10,000 distinct source ports (real sockets on a stranger's address, opened in batches).
        var ports = new HashSet<int>();
        for (int port = 20_000; ports.Count < SpoofedPorts && port < 32_000; port += 500)
        {
            var batch = new List<Socket>();
            for (int p = port; p < port + 500; p++)
            {
                try
                {
                    batch.Add(Bound(p, Stranger));
                }
                catch (SocketException)
                {
                    // in use by someone else: skip it
                }
            }
            foreach (var socket in batch)
            {
                if (ports.Count >= SpoofedPorts)
                    break;
                attack += Send(socket, ConfigureRequest(1, (uint)random.Next()), listening);
                ports.Add(((IPEndPoint)socket.LocalEndPoint!).Port);
            }
            batch.ForEach(s => s.Dispose());
            await Task.Delay(100); // spread over about two seconds: peers expire and come back while it lasts
        }
        var duringAttack = await ReceiverStatusAsync(receiver);
        var attackTime = attackClock.Elapsed;

        // Half-open peers expire; the legitimate bundle has carried on meanwhile.
        var settled = await WaitForReceiverAsync(receiver, s => s.Peers == 2, EstablishTimeout * 10);
        stop.Cancel();
        await traffic;
        await watch;
        await sink.WaitForQuietAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(20));
        GC.Collect();
        long memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
        var after = await WaitForBundleAsync(bundle, _ => true, TimeSpan.FromSeconds(5));
        var delivered = sink.Delivered(0, probesSent).Values.Single();

        output.WriteLine($"attack datagrams {attack} in {attackTime.TotalMilliseconds:F0} ms (distinct spoofed ports {ports.Count}); during: {duringAttack}");
        output.WriteLine($"settled: {settled}");
        output.WriteLine($"peak peers {peakPeers}; memory {memoryBefore / 1024} KiB -> {memoryAfter / 1024} KiB; probes {delivered.Count} of {probesSent}");
        Assert.Equal(SpoofedPorts, ports.Count);
        Assert.InRange(peakPeers, 2, MaxPeers);                                   // per-peer state bounded ...
        Assert.Equal(1, settled.Bundles);
        // ... and created at a bounded rate (the storm's port may come back once its peer expired)
        double seconds = Math.Ceiling(attackTime.TotalSeconds) + 1;
        Assert.True(settled.PeersCreated <= 2 + MaxNewPeerRequestsPerSecond * seconds, $"{settled.PeersCreated} peers created in {attackTime}");
        Assert.True(settled.RateLimitedRequests > 0, "the new-peer rate bound never acted");
        var counters = settled.Socket;
        // (the kernel may drop some on loopback when the socket buffer is full under load)
        Assert.True(counters.UnexpectedSenderIn >= (attack - stormCount) / 2, $"only {counters.UnexpectedSenderIn} of {attack - stormCount} seen");
        // Every attack datagram was counted somewhere: dropped by the rate bound, ignored as not a
        // Configure-Request, refused or displaced for want of room, or handed to a (bounded, expiring) peer.
        Assert.True(counters.UnexpectedSenderDropped > 0, "the stranger rate bound never acted");
        Assert.True(settled.IgnoredStrangerDatagrams >= 500, $"only {settled.IgnoredStrangerDatagrams} junk datagrams ignored");
        Assert.True(settled.EvictedPeers + settled.RefusedPeers > 0, "the MaxPeers bound never acted");
        Assert.True(memoryAfter - memoryBefore < 64L << 20, $"memory grew by {(memoryAfter - memoryBefore) >> 20} MiB");
        Assert.Empty(downs);
        Assert.True(after.Up);
        Assert.Equal(up.UpSince, after.UpSince);
        Assert.Equal(2, after.Members.Count);
        Assert.True(delivered.Count >= probesSent * 0.98, $"legitimate bundle: {delivered.Count} of {probesSent} probes delivered");
    }

    [Fact]
    public void Only_a_whole_lcp_configure_request_may_create_a_peer()
    {
        var request = ConfigureRequest(1, 0x01020304);
        Assert.True(ReceiverActor.IsLcpConfigureRequest(request));
        Assert.True(ReceiverActor.IsLcpConfigureRequest(request[2..]));           // without FF 03 (RFC 1661 6.6 policy of PppHeader)
        Assert.True(ReceiverActor.IsLcpConfigureRequest([.. request, 0, 0]));    // padding after Length is allowed (RFC 1661 5)
        Assert.All(TruncatedFrames(), frame => Assert.False(ReceiverActor.IsLcpConfigureRequest(frame)));
        Assert.False(ReceiverActor.IsLcpConfigureRequest([]));
    }

    internal static IEnumerable<byte[]> TruncatedFrames()
    {
        var full = ConfigureRequest(7, 0x12345678);
        for (int length = 1; length < full.Length; length++)
            yield return full[..length];                           // every prefix of a Configure-Request
        yield return [0xFF, 0x03, 0xC0, 0x21, 0x01, 0x01, 0x00, 0x40]; // Length beyond the bytes present
        yield return [0xFF, 0x03, 0xC0, 0x21, 0x01, 0x01, 0x00, 0x00]; // Length 0
        yield return [0xFF, 0x05, 0xC0, 0x21, 0x01, 0x01, 0x00, 0x04]; // bad control field
        yield return [0xFF, 0x03, 0xC0, 0x21, 0x09, 0x01, 0x00, 0x08, 0, 0, 0, 0]; // Echo-Request for no session
        yield return [0xFF, 0x03, 0xC0, 0x21, 0x02, 0x01, 0x00, 0x04]; // Configure-Ack for no session
        yield return [0xFF, 0x03, 0x00, 0x3D, 0xC0, 0x00, 0x00, 0x01, 0x45]; // a Multilink fragment
        yield return [0xFF, 0x03, 0x00, 0x21, 0x45, 0x00, 0x00, 0x14]; // a bare IP packet
        yield return [0xFF, 0x03, 0xC2, 0x23, 0x01, 0x01, 0x00, 0x04]; // CHAP for no session
    }
}
