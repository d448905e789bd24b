using System.Collections.Concurrent;
using Gateway.Web.History;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using static Gateway.Tests.History.HistoryTestSupport;

namespace Gateway.Tests.History;

/// <summary>The writer's promises with a scripted store: callers never wait, drops are counted, failures retried.</summary>
public sealed class HistoryWriterTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ScriptedStore store = new();
    private readonly FakeTimeProvider time = new(T0);
    private HistoryWriter? writer;

    [Fact]
    public async Task Records_that_do_not_fit_while_the_store_hangs_are_dropped_and_counted_and_the_rest_written_later()
    {
        var w = Start(new HistoryOptions { QueueCapacity = 10, BatchSize = 5, Linger = TimeSpan.Zero });
        store.Hang();
        Assert.True(w.TryEnqueue(Event(T0, "first")));
        await WaitUntilAsync(() => store.WriteCalls == 1, "the writer is inside a write that does not return");

        var accepted = Enumerable.Range(0, 15).Count(i => w.TryEnqueue(Event(T0, $"e{i}")));

        Assert.Equal(10, accepted);
        Assert.Equal((5L, 10), (w.RecordsLost, w.Status.RecordsQueued));
        store.Release();
        await WaitUntilAsync(() => w.RecordsWritten == 11, "the queued records are written");
        Assert.Equal(["first", .. Enumerable.Range(0, 10).Select(i => $"e{i}")], store.Events.Select(e => e.Name));
        Assert.Equal(5L, w.Status.RecordsLost);
    }

    [Fact]
    public async Task A_failing_store_makes_history_unavailable_until_the_same_batch_is_written()
    {
        var w = Start(new HistoryOptions { Linger = TimeSpan.Zero, RetryMin = TimeSpan.FromSeconds(1), RetryMax = TimeSpan.FromSeconds(8) });
        await WaitUntilAsync(() => w.Status.State == HistoryState.Available, "migrated");
        store.Fail(new IOException("disk I/O error"));
        foreach (var name in new[] { "a", "b", "c" })
            Assert.True(w.TryEnqueue(Event(T0, name)));

        await WaitUntilAsync(() => w.Status.State == HistoryState.Unavailable, "history is reported unavailable");
        var status = w.Status;
        Assert.False(status.Available);
        Assert.Equal(("disk I/O error", T0), (status.LastError, status.UnavailableSince!.Value));

        store.Fail(null);
        await WaitUntilAsync(() => w.Status.Available, "history is available again", eachTry: () => time.Advance(TimeSpan.FromSeconds(1)));
        Assert.Equal(["a", "b", "c"], store.Events.Select(e => e.Name));
        Assert.Equal((3L, 0L, (DateTimeOffset?)null), (w.RecordsWritten, w.RecordsLost, w.Status.UnavailableSince));
    }

    [Fact]
    public async Task A_database_out_of_reach_at_start_is_migrated_before_the_first_write()
    {
        store.Fail(new InvalidOperationException("connection refused"));
        var w = Start(new HistoryOptions { Linger = TimeSpan.Zero });
        await WaitUntilAsync(() => w.Status.State == HistoryState.Unavailable, "the start-up migration failed");
        Assert.Equal(0, store.Migrations);

        store.Fail(null);
        w.TryEnqueue(Event(T0, "a"));
        await WaitUntilAsync(() => w.RecordsWritten == 1, "written", eachTry: () => time.Advance(TimeSpan.FromSeconds(1)));

        Assert.Equal(1, store.Migrations);
    }

    [Fact]
    public async Task Records_wait_the_linger_to_go_in_one_batch_and_what_is_queued_at_stop_is_written()
    {
        var w = Start(new HistoryOptions { Linger = TimeSpan.FromSeconds(1) });
        await WaitUntilAsync(() => w.Status.Available, "migrated");
        w.TryEnqueue(Event(T0, "a"));
        w.TryEnqueue(Event(T0, "b"));
        await WaitUntilAsync(() => store.Events.Count == 2, "one batch after the linger", eachTry: () => time.Advance(TimeSpan.FromMilliseconds(250)));
        Assert.Equal(1, store.WriteCalls);

        w.TryEnqueue(Event(T0, "c")); // lingering when the host stops
        await w.StopAsync(default);

        Assert.Equal(["a", "b", "c"], store.Events.Select(e => e.Name));
    }

    private HistoryWriter Start(HistoryOptions options)
    {
        writer = new HistoryWriter(store, options, time, NullLogger<HistoryWriter>.Instance);
        writer.StartAsync(default).GetAwaiter().GetResult();
        return writer;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        store.Release();
        if (writer is not null)
            await writer.StopAsync(default);
    }

    /// <summary>A store that records what it is given, and fails or hangs when told to.</summary>
    private sealed class ScriptedStore : IHistoryStore
    {
        private volatile Exception? failure;
        private volatile TaskCompletionSource? hang;
        private int writeCalls;

        public ConcurrentQueue<HistoryEvent> Events { get; } = new();
        public int WriteCalls => Volatile.Read(ref writeCalls);
        public int Migrations { get; private set; }
        public string Backend => "scripted";
        public string Location => "memory";

        public void Fail(Exception? error) => failure = error;

        public void Hang() => hang = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => hang?.TrySetResult();

        public Task MigrateAsync(CancellationToken cancellation)
        {
            if (failure is { } e)
                throw e;
            Migrations++;
            return Task.CompletedTask;
        }

        public async Task WriteAsync(HistoryBatch batch, CancellationToken cancellation)
        {
            Interlocked.Increment(ref writeCalls);
            if (hang is { } h)
                await h.Task.WaitAsync(cancellation);
            if (failure is { } e)
                throw e;
            foreach (var record in batch.Events)
                Events.Enqueue(record);
        }

        public Task<IReadOnlyList<HistoryEvent>> EventsAsync(EventQuery query, CancellationToken cancellation) => throw new NotSupportedException();
        public Task<IReadOnlyList<StatsPoint>> StatsAsync(StatsQuery query, CancellationToken cancellation) => throw new NotSupportedException();
        public Task<IReadOnlyList<FailoverEpisode>> FailoversAsync(FailoverQuery query, CancellationToken cancellation) => throw new NotSupportedException();
        public Task<(long Events, long Rollups, long Failovers)> DeleteOlderThanAsync(DateTimeOffset eventsBefore, DateTimeOffset rollupsBefore, CancellationToken cancellation) => throw new NotSupportedException();
        public Task<(long Events, long Rollups, long Failovers)> DeleteOldestAsync(double fraction, CancellationToken cancellation) => throw new NotSupportedException();
        public Task<long> UsedBytesAsync(CancellationToken cancellation) => throw new NotSupportedException();
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
