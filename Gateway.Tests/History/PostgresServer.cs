using Gateway.Tests.Support;
using Npgsql;

namespace Gateway.Tests.History;

/// <summary>
/// A private PostgreSQL server for the history tests: <c>initdb</c> into a temporary directory and <c>pg_ctl start</c>
/// listening only on a Unix socket in that directory (no TCP port to collide with), run as the <c>postgres</c> user
/// when the tests run as root (the server refuses root). Each test gets a database of its own
/// (<see cref="CreateDatabaseAsync"/>). With <c>GATEWAY_TEST_POSTGRES</c> set to a connection string, that server is
/// used instead. Without PostgreSQL (Debian's <c>postgresql</c>, which test.sh installs) the tests fail when run as
/// root (CI) and are skipped, saying why, otherwise.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    public const string EnvironmentVariable = "GATEWAY_TEST_POSTGRES";
    private const string Port = "5432"; // names the socket file only: listen_addresses is empty

    private string? directory;
    private string? pgCtl;
    private string? adminConnectionString;

    /// <summary>Why there is no server (null when there is one).</summary>
    public string? Unavailable { get; private set; }

    public Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } given)
        {
            adminConnectionString = given;
            return Task.CompletedTask;
        }
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        if (bin is null)
        {
            Unavailable = $"PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb): install Debian's postgresql (test.sh does), or set {EnvironmentVariable}";
            return Task.CompletedTask;
        }
        pgCtl = Path.Combine(bin, "pg_ctl");
        directory = HistoryTestSupport.NewDirectory("gateway-pg");
        var data = Path.Combine(directory, "data");
        if (NetNs.IsRoot)
        {
            var (chownCode, chownOutput) = HistoryTestSupport.Run("chown", "postgres:postgres", directory);
            if (chownCode != 0)
            {
                Unavailable = $"chown postgres {directory} failed (is there a postgres user?): {chownOutput}";
                return Task.CompletedTask;
            }
        }
        var (initCode, initOutput) = AsServerUser(Path.Combine(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync");
        if (initCode != 0)
        {
            Unavailable = $"initdb failed: {initOutput}";
            return Task.CompletedTask;
        }
        var (startCode, startOutput) = AsServerUser(pgCtl, "-D", data, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60",
            "-o", $"-c listen_addresses='' -k {directory} -p {Port} -c fsync=off -c full_page_writes=off", "start");
        if (startCode != 0)
        {
            var log = File.Exists(Path.Combine(directory, "server.log")) ? File.ReadAllText(Path.Combine(directory, "server.log")) : "";
            Unavailable = $"pg_ctl start failed: {startOutput} {log}";
            return Task.CompletedTask;
        }
        adminConnectionString = new NpgsqlConnectionStringBuilder { Host = directory, Port = int.Parse(Port), Username = "postgres", Database = "postgres" }.ToString();
        return Task.CompletedTask;
    }

    /// <summary>Fails (as root: CI must run these) or skips the calling test when there is no server.</summary>
    public void Require()
    {
        if (Unavailable is null)
            return;
        if (NetNs.IsRoot)
            Assert.Fail(Unavailable);
        Skip.If(true, Unavailable);
    }

    /// <summary>A new, empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        Require();
        var name = $"history_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(adminConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name }.ToString();
    }

    public Task DisposeAsync()
    {
        if (directory is not null && pgCtl is not null && Unavailable is null)
            AsServerUser(pgCtl, "-D", Path.Combine(directory, "data"), "-m", "immediate", "-w", "stop");
        if (directory is not null)
            HistoryTestSupport.DeleteDirectory(directory);
        return Task.CompletedTask;
    }

    private static (int Code, string Output) AsServerUser(string program, params string[] arguments) =>
        NetNs.IsRoot
            ? HistoryTestSupport.Run("runuser", ["-u", "postgres", "--", program, .. arguments])
            : HistoryTestSupport.Run(program, arguments);
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}
