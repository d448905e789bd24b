using System.Collections.Concurrent;
using System.Net;
using Akka.Event;
using Gateway.Core.Hosting;
using Gateway.Core.Status;
using Gateway.Core.Transport;
using Xunit.Abstractions;
using static Gateway.Tests.Actors.BundleEndToEndTests;
using static Gateway.Tests.Actors.ReceiverTestSupport;

namespace Gateway.Tests.Actors;

/// <summary>
/// Issue 17, hostile traffic at the receiver's port (docs/RELIABILITY.md "Strangers at the receiver"): floods of
/// datagrams from senders with no sublink cost a bounded number of log lines, and do not keep a sublink that
/// authenticated before from coming back.
/// </summary>
public class ReceiverFloodTests(ITestOutputHelper output)
{
    private const int MaxPeers = 32;
    // Akka's own dead-letter lines (10, then a line saying it stops) and a few summaries: none of it grows with the flood.
    private const int MaxLogLines = 40;
    private static readonly TimeSpan UpTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Forty_thousand_datagrams_from_strangers_leave_a_few_summary_lines_in_the_receivers_log_not_a_line_each()
    {
        var options = Receiver(new BundleProbeSink()) with
        {
            MaxPeers = MaxPeers,
            EstablishTimeout = TimeSpan.FromSeconds(1),
            MaxStrangerDatagramsPerSecond = 5_000,
        };
        await using var receiver = await ActorHost.StartAsync("receiver", a => a.WithReceiverActors(options));
        var log = Collect<LogEvent>(receiver);
        var listening = await ListeningAsync(receiver);
        await using var gateway = await GatewayAsync("gateway", NicBundle("vpn", listening, GatewayMember()));
        await WaitForBundleAsync(await BundleAsync(gateway, "vpn"), s => s.Up && s.Members.Count == 2, UpTimeout);
        // Peers that authenticated are logged one by one, as before.
        await WaitForAsync(() => Lines(log).Count(l => l.Contains(" joined (", StringComparison.Ordinal)) == 2, UpTimeout);
        int before = Lines(log).Count;

        // 20,000 datagrams of junk and cut-short frames from one stranger ...
        var random = new Random(6671);
        var truncated = ReceiverBadInputTests.TruncatedFrames().ToArray();
        using (var junk = Bound(0, IPAddress.Parse("127.0.2.251")))
        {
            for (int i = 0; i < 20_000; i++)
            {
                var datagram = i % 2 == 0 ? truncated[i / 2 % truncated.Length] : new byte[random.Next(1, 300)];
                if (i % 2 == 1)
                    random.NextBytes(datagram);
                Send(junk, datagram, listening);
                if (i % 500 == 499)
                    await Task.Delay(10);
            }
        }
        // ... and 20,000 LCP Configure-Requests, each from a source of its own.
        var flood = new StrangerFlood(listening);
        await flood.RunAsync(20_000, TimeSpan.FromMilliseconds(100), () => false);
        // Every half-open peer of the flood has ended (each would have logged its state changes and its end).
        var settled = await WaitForReceiverAsync(receiver, s => s.Peers == 2 && s.PeersCreated > 2, TimeSpan.FromSeconds(30));
        var during = Lines(log).Skip(before).ToList();
        output.WriteLine($"{flood.Sent} requests and 20,000 junk datagrams: {during.Count} log lines; receiver {settled}");
        foreach (var line in during.Take(20))
            output.WriteLine(line);
        Assert.True(during.Count <= MaxLogLines, $"{during.Count} log lines for {settled.PeersCreated - 2} half-open peers");

        // What was dropped is said in a summary, with counts by reason.
        var summary = await WaitForAsync(() => Lines(log).Skip(before).FirstOrDefault(l => l.Contains("not an LCP Configure-Request", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30));
        output.WriteLine(summary);
        Assert.True(Lines(log).Count - before <= MaxLogLines, $"{Lines(log).Count - before} log lines");
    }

    [Fact]
    public async Task A_sublink_that_redials_from_a_new_port_during_a_spoofed_flood_rejoins_before_the_flood_ends()
    {
        const int floodTotal = 50_000;
        var options = Receiver(new BundleProbeSink()) with
        {
            MaxPeers = MaxPeers,
            EstablishTimeout = TimeSpan.FromSeconds(5),
            MaxStrangerDatagramsPerSecond = 1_000,
            MaxNewPeerRequestsPerSecond = 100,
        };
        await using var receiver = await ActorHost.StartAsync("receiver", a => a.WithReceiverActors(options));
        var receiverSublinks = Collect<SublinkChanged>(receiver);
        var listening = await ListeningAsync(receiver);
        var paths = new ConcurrentDictionary<string, UdpDatagramPath>();
        await using var gateway = await GatewayAsync("gateway", NicBundle("vpn", listening, GatewayMember(), transport: n => Nic(listening, p => paths[n] = p)));
        var bundle = await BundleAsync(gateway, "vpn");
        await WaitForBundleAsync(bundle, s => s.Up && s.Members.Count == 2, UpTimeout);
        var gatewayEvents = Collect<StatusEvent>(gateway);
        GC.Collect();
        long memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        int peakPeers = 0;
        using var stopWatching = new CancellationTokenSource();
        var watch = Task.Run(async () =>
        {
            while (!stopWatching.IsCancellationRequested)
            {
                peakPeers = Math.Max(peakPeers, (await ReceiverStatusAsync(receiver)).Peers);
                await Task.Delay(20);
            }
        });
        // The flood runs until sublink 2 is back (stopped after it had left, open again) or it has sent everything.
        bool killed = false;
        bool Rejoined() => Volatile.Read(ref killed) && RejoinedAfterLeaving(gatewayEvents, "2");
        var flood = new StrangerFlood(listening);
        var flooding = flood.RunAsync(floodTotal, TimeSpan.FromMilliseconds(100), Rejoined);
        // Once the strangers fill the peer table, sublink 2's socket is closed; it redials from a new port.
        await WaitForReceiverAsync(receiver, s => s.Peers >= MaxPeers, UpTimeout);
        var oldPort = paths["2"].LocalEndPoint;
        int sentAtKill = flood.Sent;
        var sinceKill = System.Diagnostics.Stopwatch.StartNew(); // reported, not asserted
        paths["2"].Socket.Dispose();
        Volatile.Write(ref killed, true);
        bool stoppedByRejoin = await flooding;
        int sentAtRejoin = flood.Sent;
        var floodTime = sinceKill.Elapsed;

        await WaitForAsync(Rejoined, TimeSpan.FromSeconds(60));
        var rejoinTime = sinceKill.Elapsed;
        var rejoined = await WaitForBundleAsync(bundle, s => s.Members.Count == 2, UpTimeout);
        var settled = await WaitForReceiverAsync(receiver, s => s.Peers == 2, TimeSpan.FromSeconds(30));
        stopWatching.Cancel();
        await watch;
        GC.Collect();
        long memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
        output.WriteLine($"closed at datagram {sentAtKill}; flood {(stoppedByRejoin ? "stopped by the rejoin" : "ended")} at {sentAtRejoin} of {floodTotal} " +
                         $"{floodTime.TotalSeconds:F1} s after the close; rejoined {rejoinTime.TotalSeconds:F1} s after it; " +
                         $"sublink 2 {oldPort} -> {paths["2"].LocalEndPoint}; peak peers {peakPeers}; memory {memoryBefore / 1024} KiB -> {memoryAfter / 1024} KiB");
        output.WriteLine($"settled: {settled}");
        Assert.True(stoppedByRejoin, $"sublink 2 had not rejoined when the flood ended ({floodTotal} datagrams)");
        Assert.NotEqual(oldPort.Port, paths["2"].LocalEndPoint.Port);
        Assert.Equal(2, rejoined.Members.Count);
        Assert.InRange(peakPeers, 2, MaxPeers);
        // Strangers leave nothing behind in the status (the dashboard's, the history's, the metrics' tables): only peers that authenticated publish.
        Assert.All(receiverSublinks, c => Assert.NotNull(c.Sublink.Peer));
        Assert.True(memoryAfter - memoryBefore < 16L << 20, $"managed heap grew by {(memoryAfter - memoryBefore) >> 20} MiB");
    }

    /// <summary>The sublink was removed (its actor stopped) and afterwards open again.</summary>
    private static bool RejoinedAfterLeaving(ConcurrentQueue<StatusEvent> events, string name)
    {
        bool left = false;
        foreach (var e in events)
        {
            if (e is SublinkRemoved removed && removed.Name == name)
                left = true;
            else if (left && e is SublinkChanged { Sublink: { State: SublinkState.Open } s } && s.Name == name)
                return true;
        }
        return false;
    }

    private static List<string> Lines(ConcurrentQueue<LogEvent> log) =>
        log.Where(e => e.LogLevel() >= LogLevel.InfoLevel).Select(e => $"[{e.LogLevel()}] {e.LogSource}: {e.Message}").ToList();

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout) =>
        await WaitForAsync(() => condition() ? "" : null, timeout);

    private static async Task<string> WaitForAsync(Func<string?> found, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (found() is { } value)
                return value;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException("the condition was never met");
    }
}
