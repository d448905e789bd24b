using System.Threading.Channels;

namespace Gateway.Web.History;

public enum HistoryState
{
    /// <summary>The database has not been reached yet (created, migrated).</summary>
    Starting,
    Available,

    /// <summary>The last attempt failed (<see cref="HistoryStatus.LastError"/>); records wait in the queue, and what does not fit is lost.</summary>
    Unavailable,
}

/// <summary>What <c>GET /api/history/status</c> shows: whether history is being kept, and what it cost.</summary>
/// <param name="Available">True when the last write (or the start-up migration) succeeded: the flag the dashboard shows.</param>
/// <param name="RecordsLost">Records dropped since the process started: the queue was full (the store was unavailable or too slow).</param>
/// <param name="UsedBytes">Live data, as the last retention run measured it.</param>
public sealed record HistoryStatus(
    HistoryState State,
    bool Available,
    string Backend,
    string Location,
    long RecordsWritten,
    long RecordsLost,
    int RecordsQueued,
    int QueueCapacity,
    DateTimeOffset? LastWrite,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    DateTimeOffset? UnavailableSince,
    int EventDays,
    int RollupDays,
    long MaxBytes,
    long? UsedBytes,
    DateTimeOffset? LastRetention);

/// <summary>
/// Takes records from anyone without ever making them wait (<see cref="TryEnqueue"/> on a bounded queue: a record
/// that does not fit is dropped and counted), and writes them to the store in batches from a background service.
/// When a write fails the batch is kept and tried again after a back-off that doubles up to
/// <see cref="HistoryOptions.RetryMax"/>, while new records wait in the queue; the status says so meanwhile.
/// </summary>
public sealed class HistoryWriter : BackgroundService
{
    private readonly IHistoryStore store;
    private readonly HistoryOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<HistoryWriter> logger;
    private readonly Channel<HistoryRecord> queue;
    private readonly Lock gate = new();
    private long written, lost;
    private HistoryState state = HistoryState.Starting;
    private DateTimeOffset? lastWrite, lastErrorAt, unavailableSince, lastRetention;
    private string? lastError;
    private long? usedBytes;
    private readonly TaskCompletionSource migrated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How long the last writes may take when the host stops.</summary>
    public static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);

    public HistoryWriter(IHistoryStore store, HistoryOptions options, TimeProvider time, ILogger<HistoryWriter> logger)
    {
        this.store = store;
        this.options = options;
        this.time = time;
        this.logger = logger;
        queue = Channel.CreateBounded<HistoryRecord>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: false when full, never a wait
            SingleReader = true,
            SingleWriter = false,
        });
    }

    public long RecordsWritten => Interlocked.Read(ref written);
    public long RecordsLost => Interlocked.Read(ref lost);

    /// <summary>Queues a record; false (and counted as lost) when the queue is full. Never blocks.</summary>
    public bool TryEnqueue(HistoryRecord record)
    {
        if (queue.Writer.TryWrite(record))
            return true;
        Interlocked.Increment(ref lost);
        return false;
    }

    public HistoryStatus Status
    {
        get
        {
            lock (gate)
                return new HistoryStatus(
                    state, state == HistoryState.Available, store.Backend, store.Location, RecordsWritten, RecordsLost,
                    queue.Reader.Count, options.QueueCapacity, lastWrite, lastError, lastErrorAt, unavailableSince,
                    options.EventDays, options.RollupDays, options.MaxBytes, usedBytes, lastRetention);
        }
    }

    /// <summary>The retention job reports here what it measured.</summary>
    internal void RetentionRan(long used, DateTimeOffset at)
    {
        lock (gate)
        {
            usedBytes = used;
            lastRetention = at;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // the host's start-up never waits for the database
        await Attempt(() => EnsureMigrated(stoppingToken), 0, stoppingToken);
        var batch = new List<HistoryRecord>(options.BatchSize);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                if (queue.Reader.Count < options.BatchSize && options.Linger > TimeSpan.Zero)
                    await Task.Delay(options.Linger, time, stoppingToken);
                while (batch.Count < options.BatchSize && queue.Reader.TryRead(out var record))
                    batch.Add(record);
                await WriteUntilDone(batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await Drain(batch);
    }

    /// <summary>Writes the batch, trying again after each failure until it succeeds or the host stops.</summary>
    private async Task WriteUntilDone(List<HistoryRecord> batch, CancellationToken stoppingToken)
    {
        var wait = options.RetryMin;
        var payload = HistoryBatch.Of(batch);
        while (!await Attempt(() => Write(payload, stoppingToken), batch.Count, stoppingToken))
        {
            await Task.Delay(wait, time, stoppingToken);
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, options.RetryMax.Ticks));
        }
    }

    /// <summary>On stop: one last try, within a few seconds, for what is left (the batch in hand and the queue); what fails is lost.</summary>
    private async Task Drain(List<HistoryRecord> batch)
    {
        while (queue.Reader.TryRead(out var record))
            batch.Add(record);
        using var deadline = new CancellationTokenSource(ShutdownGrace, time);
        foreach (var chunk in batch.Chunk(options.BatchSize))
            if (!await Attempt(() => Write(HistoryBatch.Of(chunk), deadline.Token), chunk.Length, deadline.Token))
                Interlocked.Add(ref lost, chunk.Length);
    }

    /// <summary>The schema is brought up to date before the first write (also when the database was out of reach at start).</summary>
    private async Task Write(HistoryBatch batch, CancellationToken cancellation)
    {
        await EnsureMigrated(cancellation);
        await store.WriteAsync(batch, cancellation);
    }

    private async Task EnsureMigrated(CancellationToken cancellation)
    {
        if (migrated.Task.IsCompleted)
            return;
        await store.MigrateAsync(cancellation);
        migrated.TrySetResult();
    }

    /// <summary>Completes once the schema is in place (the retention job waits for it before its first run).</summary>
    public Task Migrated => migrated.Task;

    /// <summary>
    /// Runs one store operation and records its outcome. Every failure is caught: the database is outside this
    /// process (full, locked, read-only, gone, corrupt, unreachable), and none of that may stop the gateway; the
    /// writer's own state is only the batch in hand, which stays intact for the next attempt.
    /// </summary>
    private async Task<bool> Attempt(Func<Task> operation, int records, CancellationToken cancellation)
    {
        try
        {
            await operation();
        }
        catch (Exception) when (cancellation.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception e)
        {
            var now = time.GetUtcNow();
            lock (gate)
            {
                if (state != HistoryState.Unavailable)
                    logger.LogWarning("History: {Backend} {Location} is unavailable: {Error}", store.Backend, store.Location, e.Message);
                state = HistoryState.Unavailable;
                unavailableSince ??= now;
                lastError = e.Message;
                lastErrorAt = now;
            }
            return false;
        }
        Interlocked.Add(ref written, records);
        lock (gate)
        {
            if (state == HistoryState.Unavailable)
                logger.LogInformation("History: {Backend} {Location} is available again", store.Backend, store.Location);
            state = HistoryState.Available;
            unavailableSince = null;
            if (records > 0)
                lastWrite = time.GetUtcNow();
        }
        return true;
    }
}
