using Gateway.Web.History;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Gateway.Tests.History;

/// <summary>The writer over PostgreSQL while the database refuses every connection, and after it accepts them again.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresFaultTests(PostgresServer postgres) : IAsyncLifetime
{
    private WriterUnderFault? run;

    [SkippableFact]
    public async Task A_database_that_refuses_connections_makes_history_unavailable_until_it_accepts_them_again()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        var admin = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false }.ToString();
        run = await WriterUnderFault.StartAsync(new PostgresHistoryStore(connectionString, NullLogger.Instance));

        await run.SurvivesAsync(
            async () =>
            {
                await Execute(admin, $"ALTER DATABASE {database} ALLOW_CONNECTIONS false");
                await Execute(admin, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'");
            },
            () => Execute(admin, $"ALTER DATABASE {database} ALLOW_CONNECTIONS true"),
            null); // "terminating connection" or "not currently accepting connections", whichever came last
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
        if (run is not null)
            await run.DisposeAsync();
    }
}
