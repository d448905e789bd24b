using System.Collections.Concurrent;
using System.Diagnostics;
using Gateway.Core.Status;
using Gateway.Web.Status;
using Microsoft.AspNetCore.SignalR.Client;

namespace Gateway.Tests.Web;

/// <summary>50 dashboard clients at once while the actors publish far faster than any browser should be sent.</summary>
[Collection("Demo")]
public sealed class DashboardLoadTests
{
    private const int Clients = 50;
    private const int BurstEvents = 20_000;
    private static readonly TimeSpan BurstLength = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Fifty_clients_keep_up_with_a_burst_and_each_gets_at_most_about_ten_updates_a_second()
    {
        await using var host = await WebTestHost.StartAsync();
        var watchers = new List<Watcher>();
        try
        {
            for (var i = 0; i < Clients; i++)
                watchers.Add(await Watcher.StartAsync(host));
            var feed = host.Service<StatusFeed>();
            Assert.Equal(Clients, feed.ClientCount);

            // The burst: 10,000 events a second, link "load" counting up, with log lines.
            var stream = host.ActorSystem.EventStream;
            var started = Stopwatch.GetTimestamp();
            using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
            var perStep = (int)(BurstEvents / (BurstLength / TimeSpan.FromMilliseconds(20)));
            var n = 0;
            while (n < BurstEvents && await pace.WaitForNextTickAsync())
                for (var k = 0; k < perStep && n < BurstEvents; k++)
                {
                    n++;
                    stream.Publish(Load(n));
                    if (n % 10 == 0)
                        stream.Publish(new LogWritten(new LogEntry(DateTimeOffset.UtcNow, "load", LogSeverity.Information, $"event {n}")));
                }

            // Every client gets the last value: nothing is lost, however busy the machine (how fast it is belongs in
            // the bench, not here).
            await Task.WhenAll(watchers.Select(w => w.Reached(BurstEvents).WaitAsync(TimeSpan.FromSeconds(60))));
            var seconds = (Stopwatch.GetElapsedTime(started)).TotalSeconds;
            foreach (var w in watchers)
            {
                // Batched: a handful of updates a second, not thousands (10 a second, with slack for timer jitter).
                Assert.InRange(w.Updates, 3, (int)Math.Ceiling(seconds * 10 * 1.3) + 2);
                Assert.Equal(0, w.OutOfOrder);
            }
            Assert.Equal(0, feed.SendFailures);
        }
        finally
        {
            foreach (var w in watchers)
                await w.DisposeAsync();
        }
    }

    private static IspLinkChanged Load(int n) =>
        new(new IspLinkStatus("load", IspLinkState.Up, "none", null, n, null, null, null, null, LinkCounters.Zero));

    private sealed class Watcher : IAsyncDisposable
    {
        private readonly HubConnection hub;
        private readonly ConcurrentDictionary<int, TaskCompletionSource> waits = new();
        private int latest, updates, outOfOrder;

        private Watcher(HubConnection hub)
        {
            this.hub = hub;
            hub.On<StatusUpdate>(nameof(IStatusClient.Update), u =>
            {
                Interlocked.Increment(ref updates);
                foreach (var l in u.Links.Where(l => l.Name == "load"))
                {
                    if (l.DialAttempts < latest)
                        Interlocked.Increment(ref outOfOrder);
                    latest = l.DialAttempts;
                    foreach (var (target, tcs) in waits)
                        if (latest >= target)
                            tcs.TrySetResult();
                }
            });
        }

        public int Updates => Volatile.Read(ref updates);
        public int OutOfOrder => Volatile.Read(ref outOfOrder);

        public static async Task<Watcher> StartAsync(WebTestHost host)
        {
            var watcher = new Watcher(host.Hub());
            await watcher.hub.StartAsync();
            return watcher;
        }

        public Task Reached(int value)
        {
            var tcs = waits.GetOrAdd(value, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            if (Volatile.Read(ref latest) >= value)
                tcs.TrySetResult();
            return tcs.Task;
        }

        public async ValueTask DisposeAsync() => await hub.DisposeAsync();
    }
}
