namespace Gateway.Web.History;

/// <summary>
/// Where history is kept: <see cref="SqliteHistoryStore"/> (embedded, the default) or <see cref="PostgresHistoryStore"/>.
/// Every method may throw when the database is unavailable; callers off the data path (the writer, the REST API,
/// the retention job) decide what that means. Safe to call from several threads.
/// </summary>
public interface IHistoryStore : IAsyncDisposable
{
    /// <summary><c>sqlite</c> or <c>postgresql</c>.</summary>
    string Backend { get; }

    /// <summary>The file, or host/port/database (never a password).</summary>
    string Location { get; }

    /// <summary>Creates the database (SQLite) and brings its schema to the newest version.</summary>
    Task MigrateAsync(CancellationToken cancellation);

    /// <summary>Writes a batch in one transaction: events appended, rollups and failover episodes merged by key.</summary>
    Task WriteAsync(HistoryBatch batch, CancellationToken cancellation);

    Task<IReadOnlyList<HistoryEvent>> EventsAsync(EventQuery query, CancellationToken cancellation);

    Task<IReadOnlyList<StatsPoint>> StatsAsync(StatsQuery query, CancellationToken cancellation);

    Task<IReadOnlyList<FailoverEpisode>> FailoversAsync(FailoverQuery query, CancellationToken cancellation);

    /// <summary>Deletes events and failover episodes older than <paramref name="eventsBefore"/>, rollups older than <paramref name="rollupsBefore"/>.</summary>
    Task<(long Events, long Rollups, long Failovers)> DeleteOlderThanAsync(DateTimeOffset eventsBefore, DateTimeOffset rollupsBefore, CancellationToken cancellation);

    /// <summary>Deletes the oldest <paramref name="fraction"/> (0..1] of the rows of each table.</summary>
    Task<(long Events, long Rollups, long Failovers)> DeleteOldestAsync(double fraction, CancellationToken cancellation);

    /// <summary>Bytes the history's live data takes, by the backend's own measure (README.md).</summary>
    Task<long> UsedBytesAsync(CancellationToken cancellation);
}
