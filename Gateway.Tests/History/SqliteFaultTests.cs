using Gateway.Tests.Support;
using Gateway.Web.History;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using static Gateway.Tests.History.HistoryTestSupport;

namespace Gateway.Tests.History;

/// <summary>
/// The writer over a real SQLite file while the file is made read-only, deleted, filled to its size limit, locked
/// or corrupted mid-run: callers keep queueing without waiting, the status says unavailable, the records that do
/// not fit are counted as lost, and writing resumes once the fault is removed.
/// </summary>
public sealed class SqliteFaultTests : IAsyncLifetime
{
    private const long SizeLimit = 256 * 1024;

    private readonly string root = NewDirectory("gateway-history-faults");
    private readonly string dataDirectory;
    private readonly string path;
    private WriterUnderFault? run;

    public SqliteFaultTests()
    {
        dataDirectory = Path.Combine(root, "data");
        path = Path.Combine(dataDirectory, HistoryOptions.DatabaseFileName);
    }

    [Fact]
    public async Task A_file_made_read_only()
    {
        await StartAsync();
        await SurvivesAsync(
            () => SetReadOnly(path, true),
            () => SetReadOnly(path, false),
            "readonly");
    }

    [Fact]
    public async Task A_data_directory_deleted_and_kept_from_being_created_again()
    {
        await StartAsync();
        await SurvivesAsync(
            () =>
            {
                Directory.Delete(dataDirectory, recursive: true);
                File.WriteAllText(dataDirectory, "not a directory"); // as when a mount point has gone
            },
            () => File.Delete(dataDirectory),
            null);
        // A new file: what the old one held went with it.
        Assert.Empty(await run!.Store.EventsAsync(new EventQuery(DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue, Link: "before"), default));
    }

    [Fact]
    public async Task A_deleted_file_is_created_again_at_the_next_write()
    {
        await StartAsync();
        await run!.WrittenAsync("before");

        DeleteDatabase();
        await run.WrittenAsync("after");

        Assert.True(File.Exists(path));
        Assert.Empty(await run!.Store.EventsAsync(new EventQuery(DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue, Link: "before"), default));
        Assert.Equal(0, run.Writer.RecordsLost);
    }

    [Fact]
    public async Task A_file_filled_to_its_size_limit()
    {
        await StartAsync(SizeLimit);
        await using var filler = new SqliteConnection($"Data Source={path};Pooling=False");
        await SurvivesAsync(
            async () =>
            {
                await filler.OpenAsync();
                await Execute(filler, $"PRAGMA max_page_count={SizeLimit / 4096}; CREATE TABLE filler (b BLOB)");
                var full = await Assert.ThrowsAsync<SqliteException>(async () =>
                {
                    while (true)
                        await Execute(filler, "INSERT INTO filler VALUES (randomblob(3000))");
                });
                Assert.Equal(13, full.SqliteErrorCode); // SQLITE_FULL
            },
            () => Execute(filler, "DROP TABLE filler"),
            "full");
        Assert.True(new FileInfo(path).Length <= SizeLimit);
    }

    [Fact]
    public async Task A_file_locked_by_another_writer()
    {
        await StartAsync();
        await using var other = new SqliteConnection($"Data Source={path};Pooling=False");
        await SurvivesAsync(
            async () =>
            {
                await other.OpenAsync();
                await Execute(other, "BEGIN EXCLUSIVE");
            },
            () => Execute(other, "ROLLBACK"),
            "locked");
    }

    [Fact]
    public async Task A_corrupt_file_until_it_is_removed()
    {
        await StartAsync();
        await SurvivesAsync(
            () =>
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
                file.Write(Enumerable.Repeat((byte)'x', 100).ToArray());
            },
            DeleteDatabase,
            "not a database");
    }

    private Task SurvivesAsync(Func<Task> fault, Func<Task> repair, string? error) => run!.SurvivesAsync(fault, repair, error);

    private Task SurvivesAsync(Action fault, Action repair, string? error) =>
        run!.SurvivesAsync(() => { fault(); return Task.CompletedTask; }, () => { repair(); return Task.CompletedTask; }, error);

    private async Task StartAsync(long maxBytes = 0) =>
        run = await WriterUnderFault.StartAsync(new SqliteHistoryStore(path, maxBytes, WriterUnderFault.Options.BusyTimeout, NullLogger.Instance));

    private void DeleteDatabase()
    {
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            File.Delete(file);
    }

    /// <summary>
    /// Read-only for this process: file permissions when it is not root; as root (whom permissions do not stop),
    /// the immutable attribute, which stops root too.
    /// </summary>
    private static async Task Execute(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (run is not null)
            await run.DisposeAsync();
        if (NetNs.IsRoot && File.Exists(path))
            Run("chattr", "-i", path);
        DeleteDirectory(root);
    }
}
