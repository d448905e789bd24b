using Gateway.Web.History;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using static Gateway.Tests.History.HistoryTestSupport;

namespace Gateway.Tests.History;

/// <summary>The repository, the same tests against a real SQLite file and a real PostgreSQL server.</summary>
[Collection(PostgresCollection.Name)]
public sealed class HistoryStoreTests(PostgresServer postgres) : IAsyncLifetime
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgresql";

    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly List<IHistoryStore> stores = [];
    private string? directory;

    public static TheoryData<string> Backends => new() { Sqlite, Postgres };

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Migrating_again_runs_no_script_twice_and_keeps_the_data(string backend)
    {
        var store = await OpenAsync(backend);
        await store.WriteAsync(HistoryBatch.Of([Event(T0, "isp1")]), default);

        await store.MigrateAsync(default); // 0001 again would fail: its tables exist

        Assert.Single(await store.EventsAsync(new EventQuery(T0, T0.AddMinutes(1)), default));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Events_come_back_oldest_first_within_the_window_by_link_and_scope(string backend)
    {
        var store = await OpenAsync(backend);
        await store.WriteAsync(HistoryBatch.Of([
            Event(T0.AddSeconds(3), "isp2", HistoryEventKind.Down, detail: "NO CARRIER"),
            Event(T0.AddSeconds(1), "isp1", HistoryEventKind.Up),
            Event(T0.AddSeconds(2), "2", HistoryEventKind.Left, bundle: "vpn", scope: HistoryScope.Member),
            Event(T0.AddSeconds(4), "vpn", HistoryEventKind.Down, scope: HistoryScope.Bundle),
            Event(T0.AddMinutes(5), "isp2", HistoryEventKind.Up),
        ]), default);

        var window = await store.EventsAsync(new EventQuery(T0, T0.AddMinutes(1)), default);
        Assert.Equal(["isp1", "2", "isp2", "vpn"], window.Select(e => e.Name));
        var down = window[2];
        Assert.Equal((T0.AddSeconds(3), HistoryScope.Link, HistoryEventKind.Down, "NO CARRIER", (string?)null), (down.Time, down.Scope, down.Kind, down.Detail, down.Bundle));

        var isp2 = await store.EventsAsync(new EventQuery(T0, T0.AddHours(1), Link: "isp2"), default);
        Assert.Equal([HistoryEventKind.Down, HistoryEventKind.Up], isp2.Select(e => e.Kind));

        var vpn = await store.EventsAsync(new EventQuery(T0, T0.AddHours(1), Link: "vpn"), default);
        Assert.Equal(["2", "vpn"], vpn.Select(e => e.Name));
        Assert.Equal("vpn", vpn[0].Bundle);

        var members = await store.EventsAsync(new EventQuery(T0, T0.AddHours(1), Scope: HistoryScope.Member), default);
        Assert.Equal("2", Assert.Single(members).Name);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task An_event_query_with_a_limit_returns_the_oldest(string backend)
    {
        var store = await OpenAsync(backend);
        await store.WriteAsync(HistoryBatch.Of(Enumerable.Range(0, 10).Select(i => Event(T0.AddSeconds(i), $"e{i}"))), default);

        var first = await store.EventsAsync(new EventQuery(T0, T0.AddMinutes(1), Limit: 3), default);

        Assert.Equal(["e0", "e1", "e2"], first.Select(e => e.Name));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Two_writes_of_one_minute_add_up_and_minutes_add_up_to_steps(string backend)
    {
        var store = await OpenAsync(backend);
        // Minute 0 in two parts (a restart within it), minute 1 whole; a member of another bundle stays apart.
        await store.WriteAsync(HistoryBatch.Of([
            Rollup(T0, "isp1", samples: 20, upSamples: 10, octetsIn: 100, rttSum: 200, rttSamples: 20, rttMax: 30, probesSent: 0),
            Rollup(T0, "1", StatsScope.Member, bundle: "vpn"),
        ]), default);
        await store.WriteAsync(HistoryBatch.Of([
            Rollup(T0, "isp1", samples: 40, upSamples: 40, octetsIn: 300, rttSum: 400, rttSamples: 40, rttMax: 50),
            Rollup(T0.AddMinutes(1), "isp1", samples: 60, upSamples: 60, octetsIn: 600, rttSum: 1200, rttSamples: 60, rttMax: 25),
        ]), default);

        var minutes = await store.StatsAsync(new StatsQuery(T0, T0.AddMinutes(2), TimeSpan.FromMinutes(1), Link: "isp1"), default);
        Assert.Equal(2, minutes.Count);
        var first = minutes[0];
        Assert.Equal((T0, 60, 400L), (first.Time, first.Samples, first.OctetsIn));
        Assert.Equal(100.0 * 50 / 60, first.UpPercent, 6);
        Assert.Equal(600.0 / 60, first.RttMs!.Value, 6);
        Assert.Equal(50, first.RttMaxMs);

        var step = Assert.Single(await store.StatsAsync(new StatsQuery(T0, T0.AddMinutes(2), TimeSpan.FromMinutes(2), Link: "isp1"), default));
        Assert.Equal((T0, 120, 1000L, 50.0), (step.Time, step.Samples, step.OctetsIn, step.RttMaxMs));
        Assert.Equal(1800.0 / 120, step.RttMs!.Value, 6);

        var member = Assert.Single(await store.StatsAsync(new StatsQuery(T0, T0.AddMinutes(2), TimeSpan.FromMinutes(1), Scope: StatsScope.Member), default));
        Assert.Equal(("1", "vpn"), (member.Name, member.Bundle));
        var byBundle = await store.StatsAsync(new StatsQuery(T0, T0.AddMinutes(2), TimeSpan.FromMinutes(1), Link: "vpn"), default);
        Assert.Equal("1", Assert.Single(byBundle).Name);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Steps_of_whole_hours_read_hourly_rollups_equal_to_their_minutes_which_retention_removes_with_them(string backend)
    {
        var store = await OpenAsync(backend);
        // Three hours of minutes, written in two batches that split an hour (and its first minute) between them.
        var minutes = Enumerable.Range(0, 180).Select(i => Rollup(T0.AddMinutes(i), "isp1", octetsIn: 1000 + i, rttSum: 60 * (i % 7), rttMax: i % 50)).ToList();
        await store.WriteAsync(HistoryBatch.Of([.. minutes[..61], Rollup(T0.AddMinutes(61), "isp1", samples: 10, upSamples: 0, octetsIn: 5)]), default);
        await store.WriteAsync(HistoryBatch.Of(minutes[61..]), default);

        var byMinute = await store.StatsAsync(new StatsQuery(T0, T0.AddHours(3), TimeSpan.FromMinutes(60), Link: "isp1"), default);
        var byHour = await store.StatsAsync(new StatsQuery(T0, T0.AddHours(3), TimeSpan.FromHours(1), Link: "isp1"), default);

        Assert.Equal(3, byHour.Count);
        Assert.Equal(byMinute, byHour);
        Assert.Equal((3600 + 10, 60L * 1000 + Enumerable.Range(60, 60).Sum() + 5, 49.0), (byHour[1].Samples, byHour[1].OctetsIn, byHour[1].RttMaxMs!.Value));
        // A window that starts within an hour gets that whole hour from the hourly rollups.
        Assert.Equal(byHour[1], (await store.StatsAsync(new StatsQuery(T0.AddMinutes(90), T0.AddHours(2), TimeSpan.FromHours(1), Link: "isp1"), default)).Single());

        // Minutes older than T0 + 1 h 30 go, and with them the first hour (its minutes are all gone); the second stays.
        await store.DeleteOlderThanAsync(T0.AddYears(-1), T0.AddMinutes(90), default);
        Assert.Equal([T0.AddHours(1), T0.AddHours(2)], (await store.StatsAsync(new StatsQuery(T0, T0.AddHours(3), TimeSpan.FromHours(1)), default)).Select(p => p.Time));
        await store.DeleteOldestAsync(1, default);
        Assert.Empty(await store.StatsAsync(new StatsQuery(T0, T0.AddHours(3), TimeSpan.FromHours(1)), default));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Probes_lost_in_a_bucket_are_those_sent_and_not_answered(string backend)
    {
        var store = await OpenAsync(backend);
        await store.WriteAsync(HistoryBatch.Of([
            Rollup(T0, "vpn", StatsScope.Bundle, probesSent: 1200, probesAnswered: 1150),
            Rollup(T0.AddMinutes(1), "vpn", StatsScope.Bundle, probesSent: 1200, probesAnswered: 1210), // late answers
        ]), default);

        var points = await store.StatsAsync(new StatsQuery(T0, T0.AddMinutes(2), TimeSpan.FromMinutes(1)), default);

        Assert.Equal([50L, 0L], points.Select(p => p.ProbesLost));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task A_failover_episode_written_again_is_replaced_and_an_open_one_overlaps_every_later_window(string backend)
    {
        var store = await OpenAsync(backend);
        var started = new FailoverEpisode("test", "vpn", T0, null, 4, ["2"], "2 left: echo timeout", 0, 3);
        await store.WriteAsync(HistoryBatch.Of([started]), default);

        var open = Assert.Single(await store.FailoversAsync(new FailoverQuery(T0.AddHours(1), T0.AddHours(2)), default));
        Assert.Null(open.Ended);

        await store.WriteAsync(HistoryBatch.Of([started with { Ended = T0.AddMinutes(3), MembersLost = ["2", "3"], GapMs = 1000, ProbesLost = 40 }]), default);

        var ended = Assert.Single(await store.FailoversAsync(new FailoverQuery(T0, T0.AddHours(1)), default));
        Assert.Equal((T0.AddMinutes(3), 1000L, 40L, "2 left: echo timeout"), (ended.Ended!.Value, ended.GapMs, ended.ProbesLost!.Value, ended.Cause));
        Assert.Equal(["2", "3"], ended.MembersLost);
        Assert.Empty(await store.FailoversAsync(new FailoverQuery(T0.AddHours(1), T0.AddHours(2)), default));
        Assert.Empty(await store.FailoversAsync(new FailoverQuery(T0, T0.AddHours(1), Bundle: "other"), default));
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Retention_by_age_keeps_90_days_of_events_and_30_of_rollups(string backend)
    {
        var store = await OpenAsync(backend);
        var now = T0;
        await store.WriteAsync(HistoryBatch.Of([
            Event(now.AddDays(-100), "old"),
            Event(now.AddDays(-60), "kept"),
            Rollup(now.AddDays(-60), "old"),
            Rollup(now.AddDays(-10), "kept"),
            new FailoverEpisode("test", "vpn", now.AddDays(-101), now.AddDays(-100), 2, ["1"], "1 left", 0, null),
            new FailoverEpisode("test", "vpn", now.AddDays(-61), now.AddDays(-60), 2, ["1"], "1 left", 0, null),
        ]), default);

        var result = await Retention(store, new FakeTimeProvider(now), new HistoryOptions()).RunOnceAsync(default);

        Assert.Equal((1L, 1L, 1L), (result.Events, result.Rollups, result.Failovers));
        Assert.Equal("kept", Assert.Single(await store.EventsAsync(new EventQuery(now.AddYears(-1), now), default)).Name);
        Assert.Equal("kept", Assert.Single(await store.StatsAsync(new StatsQuery(now.AddYears(-1), now, TimeSpan.FromMinutes(1)), default)).Name);
        Assert.Equal(now.AddDays(-61), Assert.Single(await store.FailoversAsync(new FailoverQuery(now.AddYears(-1), now), default)).Started);
    }

    [SkippableTheory]
    [MemberData(nameof(Backends))]
    public async Task Retention_by_size_deletes_the_oldest_until_the_data_is_under_the_limit(string backend)
    {
        var store = await OpenAsync(backend);
        const int count = 3000;
        foreach (var chunk in Enumerable.Range(0, count).Chunk(500))
            await store.WriteAsync(HistoryBatch.Of(chunk.Select(i => Event(T0.AddSeconds(i), $"e{i}", detail: new string('x', 100)))), default);
        var used = await store.UsedBytesAsync(default);
        var options = new HistoryOptions { MaxBytes = used / 2 };

        var result = await Retention(store, new FakeTimeProvider(T0.AddHours(2)), options).RunOnceAsync(default);

        Assert.True(result.UsedBytesAfter <= options.MaxBytes * HistoryRetention.HighWater, $"{result.UsedBytesAfter} bytes in use, limit {options.MaxBytes}");
        var left = await store.EventsAsync(new EventQuery(T0, T0.AddHours(2), Limit: count), default);
        Assert.Equal(count - result.Events, left.Count);
        Assert.InRange(left.Count, 1, count / 2);
        Assert.Equal($"e{count - 1}", left[^1].Name); // the newest stays, the oldest went
        Assert.Equal($"e{count - left.Count}", left[0].Name);
    }

    private static HistoryRetention Retention(IHistoryStore store, FakeTimeProvider time, HistoryOptions options) =>
        new(store, options, new HistoryWriter(store, options, time, NullLogger<HistoryWriter>.Instance), time, NullLogger<HistoryRetention>.Instance);

    private async Task<IHistoryStore> OpenAsync(string backend)
    {
        IHistoryStore store;
        if (backend == Postgres)
        {
            store = new PostgresHistoryStore(await postgres.CreateDatabaseAsync(), NullLogger.Instance);
        }
        else
        {
            directory ??= NewDirectory("gateway-history-store");
            store = new SqliteHistoryStore(Path.Combine(directory, $"{stores.Count}.db"), 0, TimeSpan.FromSeconds(2), NullLogger.Instance);
        }
        stores.Add(store);
        await store.MigrateAsync(default);
        return store;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in stores)
            await store.DisposeAsync();
        if (directory is not null)
            DeleteDirectory(directory);
    }
}
