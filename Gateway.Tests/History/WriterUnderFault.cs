using Gateway.Web.History;
using Microsoft.Extensions.Logging.Abstractions;
using static Gateway.Tests.History.HistoryTestSupport;

namespace Gateway.Tests.History;

/// <summary>
/// A <see cref="HistoryWriter"/> over a real store, with a small queue and quick retries, and the scenario every
/// fault test runs: write "before", apply the fault, keep queueing (as the feed does, never waiting) until the
/// writer reports unavailable and has dropped records, remove the fault, and wait until "after" can be read back.
/// </summary>
internal sealed class WriterUnderFault : IAsyncDisposable
{
    public static readonly HistoryOptions Options = new()
    {
        QueueCapacity = 20,
        BatchSize = 5,
        Linger = TimeSpan.Zero,
        RetryMin = TimeSpan.FromMilliseconds(10),
        RetryMax = TimeSpan.FromMilliseconds(50),
        BusyTimeout = TimeSpan.FromSeconds(1),
    };

    private int produced;

    private WriterUnderFault(IHistoryStore store, HistoryWriter writer)
    {
        Store = store;
        Writer = writer;
    }

    public IHistoryStore Store { get; }
    public HistoryWriter Writer { get; }

    public static async Task<WriterUnderFault> StartAsync(IHistoryStore store)
    {
        var writer = new HistoryWriter(store, Options, TimeProvider.System, NullLogger<HistoryWriter>.Instance);
        await writer.StartAsync(default);
        await WaitUntilAsync(() => writer.Status.Available, "the database is created and migrated");
        return new WriterUnderFault(store, writer);
    }

    /// <param name="error">A part of the error the status must show, or null to accept any.</param>
    public async Task SurvivesAsync(Func<Task> fault, Func<Task> repair, string? error)
    {
        await WrittenAsync("before");

        await fault();
        await WaitUntilAsync(() => Writer.Status.State == HistoryState.Unavailable && Writer.RecordsLost > 0,
            "the writer reports unavailable and has dropped records", eachTry: () => Produce(5));

        var status = Writer.Status;
        Assert.False(status.Available);
        Assert.NotNull(status.UnavailableSince);
        Assert.NotNull(status.LastError);
        if (error is not null)
            Assert.Contains(error, status.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Writer.RecordsLost, status.RecordsLost);

        await repair();
        await WrittenAsync("after");
        Assert.True(Writer.Status.Available);
    }

    /// <summary>Queues an event named <paramref name="marker"/> (trying until there is room) and waits until it can be read back.</summary>
    public async Task WrittenAsync(string marker)
    {
        var queued = false;
        await WaitUntilAsync(async () =>
        {
            queued = queued || Writer.TryEnqueue(Event(DateTimeOffset.UtcNow, marker));
            return queued && await HasAsync(marker);
        }, $"'{marker}' is in the database");
    }

    public async Task<bool> HasAsync(string marker)
    {
        try
        {
            return (await Store.EventsAsync(new EventQuery(DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue, Link: marker), default)).Count > 0;
        }
        catch (Exception e) when (e is System.Data.Common.DbException or IOException)
        {
            return false; // the fault is still there, or the writer has not re-created the database yet
        }
    }

    /// <summary>What the feed does all the time: queue records, never waiting (TryEnqueue is synchronous).</summary>
    private void Produce(int count)
    {
        for (var i = 0; i < count; i++)
            Writer.TryEnqueue(Event(DateTimeOffset.UtcNow, $"during{produced++}"));
    }

    public async ValueTask DisposeAsync()
    {
        await Writer.StopAsync(default);
        await Store.DisposeAsync();
    }
}
