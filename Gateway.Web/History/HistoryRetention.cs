namespace Gateway.Web.History;

/// <summary>
/// Keeps the history within its limits, every <see cref="HistoryOptions.RetentionInterval"/> from the start: by
/// age (<see cref="HistoryOptions.EventDays"/> for events and failover episodes, <see cref="HistoryOptions.RollupDays"/>
/// for rollups), then by size: above <see cref="HighWater"/> of <see cref="HistoryOptions.MaxBytes"/> the oldest
/// rows of every table go, in equal shares, until the data is under <see cref="LowWater"/> of it. The first run
/// comes as soon as the writer has the schema in place.
/// </summary>
public sealed class HistoryRetention(IHistoryStore store, HistoryOptions options, HistoryWriter writer, TimeProvider time, ILogger<HistoryRetention> logger)
    : BackgroundService
{
    public const double HighWater = 0.9;
    public const double LowWater = 0.8;

    /// <summary>Rounds of deleting by size in one run; each takes the share the last measure asked for.</summary>
    private const int MaxTrimRounds = 5;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await writer.Migrated.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        using var timer = new PeriodicTimer(options.RetentionInterval, time);
        try
        {
            do
            {
                try
                {
                    await RunOnceAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    // The writer reports the store's state; here it only means this run is skipped.
                    logger.LogWarning("History retention skipped: {Error}", e.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public async Task<RetentionResult> RunOnceAsync(CancellationToken cancellation)
    {
        var now = time.GetUtcNow();
        var (events, rollups, failovers) = await store.DeleteOlderThanAsync(now.AddDays(-options.EventDays), now.AddDays(-options.RollupDays), cancellation);
        var before = await store.UsedBytesAsync(cancellation);
        var used = before;
        for (var round = 0; round < MaxTrimRounds && options.MaxBytes > 0 && used > options.MaxBytes * HighWater; round++)
        {
            var fraction = Math.Min(1, (used - options.MaxBytes * LowWater) / used);
            var trimmed = await store.DeleteOldestAsync(fraction, cancellation);
            events += trimmed.Events;
            rollups += trimmed.Rollups;
            failovers += trimmed.Failovers;
            used = await store.UsedBytesAsync(cancellation);
        }
        writer.RetentionRan(used, now);
        if (events + rollups + failovers > 0)
            logger.LogInformation("History retention: deleted {Events} events, {Rollups} rollups, {Failovers} failover episodes; {Used} bytes in use",
                events, rollups, failovers, used);
        return new RetentionResult(events, rollups, failovers, before, used);
    }
}
