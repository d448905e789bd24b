using System.Data.Common;
using DbUp;
using Microsoft.Data.Sqlite;

namespace Gateway.Web.History;

/// <summary>
/// History in one SQLite file (WAL journal). Every operation opens its own connection (no pool), so a file made
/// read-only, deleted, replaced or locked is noticed at the next write instead of being hidden by an open handle
/// (a deleted file stays writable through one, and everything written to it is lost). A file that has gone is
/// created and migrated again at the next write. <see cref="HistoryOptions.MaxBytes"/> is also SQLite's
/// <c>max_page_count</c>, so the file never grows past it: a write that would is refused (<c>SQLITE_FULL</c>).
/// </summary>
public sealed class SqliteHistoryStore(string path, long maxBytes, TimeSpan busyTimeout, ILogger logger) : SqlHistoryStore
{
    private const int SqliteError = 1; // SQLITE_ERROR: "no such table" when the file was replaced by an empty one

    private readonly SemaphoreSlim migrating = new(1, 1);
    private volatile bool migrated;

    public override string Backend => "sqlite";
    public override string Location => path;

    public override async Task MigrateAsync(CancellationToken cancellation)
    {
        await migrating.WaitAsync(cancellation);
        try
        {
            var directory = Path.GetDirectoryName(path)!;
            Directory.CreateDirectory(directory);
            await using (var connection = await OpenAsync(write: true, cancellation))
            await using (var wal = connection.CreateCommand())
            {
                // Readers (the REST API) never wait for the writer, nor it for them.
                wal.CommandText = "PRAGMA journal_mode=WAL";
                await wal.ExecuteScalarAsync(cancellation);
            }
            HistoryMigrations.Upgrade(
                DeployChanges.To.SqliteDatabase(ConnectionString(write: true)).JournalToSqliteTable(HistoryMigrations.JournalTable),
                HistoryMigrations.Dialect.Sqlite,
                logger);
            migrated = true;
        }
        finally
        {
            migrating.Release();
        }
    }

    protected override async Task EnsureReadyAsync(CancellationToken cancellation)
    {
        if (!File.Exists(path))
        {
            if (migrated)
                logger.LogWarning("History: {Path} has gone; creating it again", path);
            migrated = false;
        }
        if (!migrated)
            await MigrateAsync(cancellation);
    }

    protected override void WriteFailed(Exception error)
    {
        if (error is SqliteException { SqliteErrorCode: SqliteError } e && e.Message.Contains("no such table", StringComparison.Ordinal))
            migrated = false;
    }

    public override async Task<long> UsedBytesAsync(CancellationToken cancellation)
    {
        await using var connection = await OpenAsync(write: false, cancellation);
        var pageSize = await Scalar(connection, "PRAGMA page_size", cancellation);
        var pages = await Scalar(connection, "PRAGMA page_count", cancellation);
        var free = await Scalar(connection, "PRAGMA freelist_count", cancellation);
        return (pages - free) * pageSize;
    }

    protected override async Task<DbConnection> OpenAsync(bool write, CancellationToken cancellation)
    {
        var connection = new SqliteConnection(ConnectionString(write));
        try
        {
            await connection.OpenAsync(cancellation);
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA synchronous=NORMAL";
            await pragma.ExecuteNonQueryAsync(cancellation);
            if (write && maxBytes > 0)
            {
                var pageSize = await Scalar(connection, "PRAGMA page_size", cancellation);
                pragma.CommandText = $"PRAGMA max_page_count={Math.Max(1, maxBytes / pageSize)}";
                await pragma.ExecuteNonQueryAsync(cancellation);
            }
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Writers may create the file; readers must find it (a query never creates an empty history).</summary>
    private string ConnectionString(bool write) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = write ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
        Pooling = false,
        DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds)),
    }.ToString();

    private static async Task<long> Scalar(DbConnection connection, string sql, CancellationToken cancellation)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellation));
    }

    public override ValueTask DisposeAsync()
    {
        migrating.Dispose();
        return ValueTask.CompletedTask;
    }
}
