using System.Data.Common;
using DbUp;
using Npgsql;

namespace Gateway.Web.History;

/// <summary>
/// History in PostgreSQL (<c>Gateway:History:ConnectionString</c>), which several nodes may share. Connections come
/// from Npgsql's pool, which replaces broken ones by itself. Migration holds an advisory lock, so nodes starting
/// together run each script once.
/// </summary>
public sealed class PostgresHistoryStore : SqlHistoryStore
{
    /// <summary>The advisory lock key of the history's migrations ("histmigr" in ASCII).</summary>
    private const long MigrationLock = 0x686973746D696772;

    private readonly string connectionString;
    private readonly NpgsqlDataSource dataSource;
    private readonly ILogger logger;
    private readonly string schema;

    public PostgresHistoryStore(string connectionString, ILogger logger)
    {
        this.connectionString = connectionString;
        this.logger = logger;
        dataSource = NpgsqlDataSource.Create(connectionString);
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        Location = $"{b.Host}:{b.Port}/{b.Database ?? b.Username}";
        // The journal goes where the tables go: the first schema of the search path.
        schema = b.SearchPath?.Split(',')[0].Trim() is { Length: > 0 } first ? first : "public";
    }

    public override string Backend => "postgresql";
    public override string Location { get; }

    public override async Task MigrateAsync(CancellationToken cancellation)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellation);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection))
        {
            take.Parameters.AddWithValue("key", MigrationLock);
            await take.ExecuteNonQueryAsync(cancellation);
        }
        try
        {
            HistoryMigrations.Upgrade(
                DeployChanges.To.PostgresqlDatabase(connectionString).JournalToPostgresqlTable(schema, HistoryMigrations.JournalTable),
                HistoryMigrations.Dialect.Postgres,
                logger);
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            release.Parameters.AddWithValue("key", MigrationLock);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// The size of the live rows (<c>pg_column_size</c> of each), not of the relations: PostgreSQL keeps a table's
    /// pages after a delete (for reuse), so the relation size would never fall below the limit once it was reached.
    /// </summary>
    public override async Task<long> UsedBytesAsync(CancellationToken cancellation)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellation);
        await using var command = new NpgsqlCommand(
            "SELECT CAST(COALESCE((SELECT SUM(pg_column_size(e.*)) FROM history_events e), 0) " +
            "+ COALESCE((SELECT SUM(pg_column_size(r.*)) FROM history_rollups r), 0) " +
            "+ COALESCE((SELECT SUM(pg_column_size(h.*)) FROM history_rollups_hourly h), 0) " +
            "+ COALESCE((SELECT SUM(pg_column_size(f.*)) FROM history_failovers f), 0) AS BIGINT)", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellation));
    }

    protected override async Task<DbConnection> OpenAsync(bool write, CancellationToken cancellation) =>
        await dataSource.OpenConnectionAsync(cancellation);

    public override ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
