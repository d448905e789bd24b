using Gateway.Web.History;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using static Gateway.Tests.History.HistoryTestSupport;

namespace Gateway.Tests.History;

/// <summary>The writer over PostgreSQL while the database refuses every connection, and after it accepts them again.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresFaultTests(PostgresServer postgres) : IAsyncLifetime
{
    private PostgresHistoryStore? store;
    private HistoryWriter? writer;

    [SkippableFact]
    public async Task A_database_that_refuses_connections_makes_history_unavailable_until_it_accepts_them_again()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        var admin = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false }.ToString();
        var options = new HistoryOptions { QueueCapacity = 20, BatchSize = 5, Linger = TimeSpan.Zero, RetryMin = TimeSpan.FromMilliseconds(10), RetryMax = TimeSpan.FromMilliseconds(100) };
        store = new PostgresHistoryStore(connectionString, NullLogger.Instance);
        writer = new HistoryWriter(store, options, TimeProvider.System, NullLogger<HistoryWriter>.Instance);
        await writer.StartAsync(default);
        await WaitUntilAsync(() => writer.Status.Available, "migrated");

        await Execute(admin, $"ALTER DATABASE {database} ALLOW_CONNECTIONS false");
        await Execute(admin, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'");
        var produced = 0;
        await WaitUntilAsync(() => writer.Status.State == HistoryState.Unavailable && writer.RecordsLost > 0, "unavailable, with records lost",
            eachTry: () =>
            {
                for (var i = 0; i < 5; i++)
                    writer.TryEnqueue(Event(DateTimeOffset.UtcNow, $"during{produced++}"));
            });
        Assert.NotNull(writer.Status.LastError);

        await Execute(admin, $"ALTER DATABASE {database} ALLOW_CONNECTIONS true");
        var queued = false;
        await WaitUntilAsync(async () =>
        {
            queued = queued || writer.TryEnqueue(Event(DateTimeOffset.UtcNow, "after"));
            return queued && writer.Status.Available
                && (await store.EventsAsync(new EventQuery(DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue, Link: "after"), default)).Count == 1;
        }, "'after' is written");
    }

    private static async Task Execute(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (writer is not null)
            await writer.StopAsync(default);
        if (store is not null)
            await store.DisposeAsync();
    }
}
