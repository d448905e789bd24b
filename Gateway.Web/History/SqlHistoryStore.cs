using System.Data.Common;
using System.Text;
using System.Text.Json;
using Dapper;

namespace Gateway.Web.History;

/// <summary>
/// The SQL both backends share (Dapper over ADO.NET): SQLite 3.24+ and PostgreSQL 9.5+ agree on every statement
/// here (<c>INSERT ... ON CONFLICT ... DO UPDATE</c>, <c>LIMIT/OFFSET</c>, integer division, <c>CAST(... AS BIGINT)</c>);
/// times are stored as UTC milliseconds so that comparisons and buckets are plain integer arithmetic in both.
/// The backends differ only in how they connect, migrate and measure their size.
/// </summary>
public abstract class SqlHistoryStore : IHistoryStore
{
    private const string NoBundle = "";

    public abstract string Backend { get; }
    public abstract string Location { get; }

    public abstract Task MigrateAsync(CancellationToken cancellation);

    public abstract Task<long> UsedBytesAsync(CancellationToken cancellation);

    public abstract ValueTask DisposeAsync();

    /// <summary>An open connection; <paramref name="write"/> is false for queries.</summary>
    protected abstract Task<DbConnection> OpenAsync(bool write, CancellationToken cancellation);

    /// <summary>Called before each write: a backend whose database can vanish (a deleted file) re-creates it here.</summary>
    protected virtual Task EnsureReadyAsync(CancellationToken cancellation) => Task.CompletedTask;

    /// <summary>Tells the backend that a write failed, so it can notice a database that must be migrated again.</summary>
    protected virtual void WriteFailed(Exception error)
    {
    }

    public async Task WriteAsync(HistoryBatch batch, CancellationToken cancellation)
    {
        if (batch.Count == 0)
            return;
        try
        {
            await EnsureReadyAsync(cancellation);
            await using var connection = await OpenAsync(write: true, cancellation);
            await using var transaction = await connection.BeginTransactionAsync(cancellation);
            if (batch.Events.Count > 0)
                await connection.ExecuteAsync(new CommandDefinition(InsertEvent, batch.Events.Select(EventParameters), transaction, cancellationToken: cancellation));
            if (batch.Rollups.Count > 0)
            {
                await connection.ExecuteAsync(new CommandDefinition(UpsertRollup, batch.Rollups.Select(RollupParameters), transaction, cancellationToken: cancellation));
                await connection.ExecuteAsync(new CommandDefinition(UpsertHourlyRollup, batch.Rollups.Select(RollupParameters), transaction, cancellationToken: cancellation));
            }
            if (batch.Failovers.Count > 0)
                await connection.ExecuteAsync(new CommandDefinition(UpsertFailover, batch.Failovers.Select(FailoverParameters), transaction, cancellationToken: cancellation));
            await transaction.CommitAsync(cancellation);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            WriteFailed(e);
            throw;
        }
    }

    public async Task<IReadOnlyList<HistoryEvent>> EventsAsync(EventQuery query, CancellationToken cancellation)
    {
        var sql = new StringBuilder(
            "SELECT time_ms AS TimeMs, node AS Node, scope AS Scope, name AS Name, bundle AS Bundle, kind AS Kind, state AS State, " +
            "detail AS Detail, operator_name AS Operator, address AS Address FROM history_events WHERE time_ms >= @From AND time_ms < @To");
        if (query.Link is not null)
            sql.Append(" AND (name = @Link OR bundle = @Link)");
        if (query.Scope is not null)
            sql.Append(" AND scope = @Scope");
        sql.Append(" ORDER BY time_ms, id LIMIT @Limit");
        var parameters = new
        {
            From = query.From.ToUnixTimeMilliseconds(),
            To = query.To.ToUnixTimeMilliseconds(),
            query.Link,
            Scope = query.Scope?.ToString(),
            Limit = Math.Clamp(query.Limit, 1, EventQuery.MaxLimit),
        };
        await using var connection = await OpenAsync(write: false, cancellation);
        var rows = await connection.QueryAsync<EventRow>(new CommandDefinition(sql.ToString(), parameters, cancellationToken: cancellation));
        return rows.Select(r => new HistoryEvent(
            DateTimeOffset.FromUnixTimeMilliseconds(r.TimeMs), r.Node, Enum.Parse<HistoryScope>(r.Scope), r.Name,
            Enum.Parse<HistoryEventKind>(r.Kind), BundleOrNull(r.Bundle), r.State, r.Detail, r.Operator, r.Address)).ToList();
    }

    public async Task<IReadOnlyList<StatsPoint>> StatsAsync(StatsQuery query, CancellationToken cancellation)
    {
        var stepMs = (long)query.Step.TotalMilliseconds;
        if (stepMs < 60_000 || stepMs % 60_000 != 0)
            throw new ArgumentException("the step is a whole number of minutes", nameof(query));
        // Steps of whole hours read the hourly rollups (a sixtieth of the rows); their buckets then hold whole hours,
        // also the first one when the window starts within an hour.
        var hourly = stepMs % HourMs == 0;
        var (table, time) = hourly ? ("history_rollups_hourly", "hour_ms") : ("history_rollups", "minute_ms");
        var sql = new StringBuilder(
            $"SELECT ({time} / @StepMs) * @StepMs AS BucketMs, node AS Node, scope AS Scope, name AS Name, bundle AS Bundle, " +
            "CAST(SUM(samples) AS BIGINT) AS Samples, CAST(SUM(up_samples) AS BIGINT) AS UpSamples, " +
            "CAST(SUM(octets_in) AS BIGINT) AS OctetsIn, CAST(SUM(octets_out) AS BIGINT) AS OctetsOut, " +
            "CAST(SUM(packets_in) AS BIGINT) AS PacketsIn, CAST(SUM(packets_out) AS BIGINT) AS PacketsOut, " +
            "CAST(SUM(errors) AS BIGINT) AS Errors, CAST(SUM(queue_drops) AS BIGINT) AS QueueDrops, " +
            "CAST(SUM(rtt_samples) AS BIGINT) AS RttSamples, SUM(rtt_sum_ms) AS RttSumMs, MAX(rtt_max_ms) AS RttMaxMs, " +
            "CAST(SUM(loss_samples) AS BIGINT) AS LossSamples, SUM(loss_in_sum_pct) AS LossInSum, SUM(loss_out_sum_pct) AS LossOutSum, " +
            "CAST(SUM(goodput_samples) AS BIGINT) AS GoodputSamples, SUM(goodput_sum_bps) AS GoodputSum, " +
            "CAST(SUM(probes_sent) AS BIGINT) AS ProbesSent, CAST(SUM(probes_answered) AS BIGINT) AS ProbesAnswered " +
            $"FROM {table} WHERE {time} >= @From AND {time} < @To");
        if (query.Link is not null)
            sql.Append(" AND (name = @Link OR bundle = @Link)");
        if (query.Scope is not null)
            sql.Append(" AND scope = @Scope");
        sql.Append(" GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 3, 5, 4, 2");
        var from = query.From.ToUnixTimeMilliseconds();
        var parameters = new
        {
            StepMs = stepMs,
            From = hourly ? from - from % HourMs : from,
            To = query.To.ToUnixTimeMilliseconds(),
            query.Link,
            Scope = query.Scope?.ToString(),
        };
        await using var connection = await OpenAsync(write: false, cancellation);
        var rows = await connection.QueryAsync<StatsRow>(new CommandDefinition(sql.ToString(), parameters, cancellationToken: cancellation));
        return rows.Select(r => new StatsPoint(
            DateTimeOffset.FromUnixTimeMilliseconds(r.BucketMs), r.Node, Enum.Parse<StatsScope>(r.Scope), r.Name, BundleOrNull(r.Bundle),
            (int)r.Samples,
            r.Samples == 0 ? 0 : 100.0 * r.UpSamples / r.Samples,
            r.OctetsIn, r.OctetsOut, r.PacketsIn, r.PacketsOut, r.Errors, r.QueueDrops,
            Mean(r.RttSumMs, r.RttSamples), r.RttMaxMs,
            Mean(r.LossInSum, r.LossSamples), Mean(r.LossOutSum, r.LossSamples),
            Mean(r.GoodputSum, r.GoodputSamples),
            r.ProbesSent, Math.Max(0, r.ProbesSent - r.ProbesAnswered))).ToList();
    }

    public async Task<IReadOnlyList<FailoverEpisode>> FailoversAsync(FailoverQuery query, CancellationToken cancellation)
    {
        var sql = new StringBuilder(
            "SELECT node AS Node, bundle AS Bundle, started_ms AS StartedMs, ended_ms AS EndedMs, members_before AS MembersBefore, " +
            "members_lost AS MembersLost, cause AS Cause, gap_ms AS GapMs, probes_lost AS ProbesLost FROM history_failovers " +
            "WHERE started_ms < @To AND (ended_ms IS NULL OR ended_ms >= @From)");
        if (query.Bundle is not null)
            sql.Append(" AND bundle = @Bundle");
        sql.Append(" ORDER BY started_ms, bundle, node");
        var parameters = new { From = query.From.ToUnixTimeMilliseconds(), To = query.To.ToUnixTimeMilliseconds(), query.Bundle };
        await using var connection = await OpenAsync(write: false, cancellation);
        var rows = await connection.QueryAsync<FailoverRow>(new CommandDefinition(sql.ToString(), parameters, cancellationToken: cancellation));
        return rows.Select(r => new FailoverEpisode(
            r.Node, r.Bundle, DateTimeOffset.FromUnixTimeMilliseconds(r.StartedMs),
            r.EndedMs is { } ended ? DateTimeOffset.FromUnixTimeMilliseconds(ended) : null,
            (int)r.MembersBefore, JsonSerializer.Deserialize<string[]>(r.MembersLost) ?? [], r.Cause, r.GapMs, r.ProbesLost)).ToList();
    }

    public async Task<(long Events, long Rollups, long Failovers)> DeleteOlderThanAsync(DateTimeOffset eventsBefore, DateTimeOffset rollupsBefore, CancellationToken cancellation)
    {
        await using var connection = await OpenAsync(write: true, cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        var events = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM history_events WHERE time_ms < @Cutoff", new { Cutoff = eventsBefore.ToUnixTimeMilliseconds() }, transaction, cancellationToken: cancellation));
        var rollups = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM history_rollups WHERE minute_ms < @Cutoff", new { Cutoff = rollupsBefore.ToUnixTimeMilliseconds() }, transaction, cancellationToken: cancellation));
        await DeleteHoursWithoutMinutes(connection, transaction, cancellation);
        // An episode whose end this process never saw (it stopped first) goes by its start.
        var failovers = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM history_failovers WHERE COALESCE(ended_ms, started_ms) < @Cutoff", new { Cutoff = eventsBefore.ToUnixTimeMilliseconds() }, transaction, cancellationToken: cancellation));
        await transaction.CommitAsync(cancellation);
        return (events, rollups, failovers);
    }

    public async Task<(long Events, long Rollups, long Failovers)> DeleteOldestAsync(double fraction, CancellationToken cancellation)
    {
        if (fraction is <= 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "a share of the rows, above 0 and at most 1");
        await using var connection = await OpenAsync(write: true, cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        var events = await DeleteOldest(connection, transaction, "history_events", "time_ms", fraction, cancellation);
        var rollups = await DeleteOldest(connection, transaction, "history_rollups", "minute_ms", fraction, cancellation);
        await DeleteHoursWithoutMinutes(connection, transaction, cancellation);
        var failovers = await DeleteOldest(connection, transaction, "history_failovers", "started_ms", fraction, cancellation);
        await transaction.CommitAsync(cancellation);
        return (events, rollups, failovers);
    }

    /// <summary>
    /// The hourly rollups go with their minutes: an hour before the oldest minute kept (or every hour, when no minute
    /// is) is deleted, so both tables answer for the same time. Not counted apart: they are the minutes' summary.
    /// </summary>
    private static Task<int> DeleteHoursWithoutMinutes(DbConnection connection, DbTransaction transaction, CancellationToken cancellation) =>
        connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM history_rollups_hourly WHERE NOT EXISTS (SELECT 1 FROM history_rollups) " +
            $"OR hour_ms + {HourMs} <= (SELECT MIN(minute_ms) FROM history_rollups)", transaction: transaction, cancellationToken: cancellation));

    /// <summary>Deletes at least the oldest <paramref name="fraction"/> of the table's rows (ties at the cut go too).</summary>
    private static async Task<long> DeleteOldest(DbConnection connection, DbTransaction transaction, string table, string timeColumn, double fraction, CancellationToken cancellation)
    {
        var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT COUNT(*) FROM {table}", transaction: transaction, cancellationToken: cancellation));
        var n = (long)Math.Ceiling(count * fraction);
        if (n == 0)
            return 0;
        var cutoff = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT {timeColumn} FROM {table} ORDER BY {timeColumn} LIMIT 1 OFFSET @Skip", new { Skip = n - 1 }, transaction, cancellationToken: cancellation));
        return await connection.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM {table} WHERE {timeColumn} <= @Cutoff", new { Cutoff = cutoff }, transaction, cancellationToken: cancellation));
    }

    private static double? Mean(double sum, long count) => count == 0 ? null : sum / count;

    private static string? BundleOrNull(string bundle) => bundle == NoBundle ? null : bundle;

    private const string InsertEvent =
        "INSERT INTO history_events (time_ms, node, scope, name, bundle, kind, state, detail, operator_name, address) " +
        "VALUES (@TimeMs, @Node, @Scope, @Name, @Bundle, @Kind, @State, @Detail, @Operator, @Address)";

    private static object EventParameters(HistoryEvent e) => new
    {
        TimeMs = e.Time.ToUnixTimeMilliseconds(),
        e.Node,
        Scope = e.Scope.ToString(),
        e.Name,
        Bundle = e.Bundle ?? NoBundle,
        Kind = e.Kind.ToString(),
        e.State,
        e.Detail,
        e.Operator,
        e.Address,
    };

    private const long HourMs = 3_600_000;

    /// <summary>Two writes of the same minute (a restart within it) add up; the maximum stays the maximum.</summary>
    private static readonly string UpsertRollup = Upsert("history_rollups", "minute_ms", "@MinuteMs");

    /// <summary>Each minute written is added into its hour as well (the hour's sums are its minutes' sums).</summary>
    private static readonly string UpsertHourlyRollup = Upsert("history_rollups_hourly", "hour_ms", $"(@MinuteMs / {HourMs}) * {HourMs}");

    private static string Upsert(string table, string time, string timeValue) => UpsertTemplate
        .Replace("history_rollups", table, StringComparison.Ordinal)
        .Replace("minute_ms", time, StringComparison.Ordinal)
        .Replace("@MinuteMs", timeValue, StringComparison.Ordinal);

    private const string UpsertTemplate =
        "INSERT INTO history_rollups (minute_ms, node, scope, name, bundle, samples, up_samples, octets_in, octets_out, packets_in, " +
        "packets_out, errors, queue_drops, rtt_samples, rtt_sum_ms, rtt_max_ms, loss_samples, loss_in_sum_pct, loss_out_sum_pct, " +
        "goodput_samples, goodput_sum_bps, probes_sent, probes_answered) VALUES (@MinuteMs, @Node, @Scope, @Name, @Bundle, @Samples, " +
        "@UpSamples, @OctetsIn, @OctetsOut, @PacketsIn, @PacketsOut, @Errors, @QueueDrops, @RttSamples, @RttSumMs, @RttMaxMs, " +
        "@LossSamples, @LossInSumPercent, @LossOutSumPercent, @GoodputSamples, @GoodputSumBitsPerSecond, @ProbesSent, @ProbesAnswered) " +
        "ON CONFLICT (node, scope, bundle, name, minute_ms) DO UPDATE SET " +
        "samples = history_rollups.samples + excluded.samples, up_samples = history_rollups.up_samples + excluded.up_samples, " +
        "octets_in = history_rollups.octets_in + excluded.octets_in, octets_out = history_rollups.octets_out + excluded.octets_out, " +
        "packets_in = history_rollups.packets_in + excluded.packets_in, packets_out = history_rollups.packets_out + excluded.packets_out, " +
        "errors = history_rollups.errors + excluded.errors, queue_drops = history_rollups.queue_drops + excluded.queue_drops, " +
        "rtt_samples = history_rollups.rtt_samples + excluded.rtt_samples, rtt_sum_ms = history_rollups.rtt_sum_ms + excluded.rtt_sum_ms, " +
        "rtt_max_ms = CASE WHEN history_rollups.rtt_max_ms IS NULL OR excluded.rtt_max_ms > history_rollups.rtt_max_ms " +
        "THEN excluded.rtt_max_ms ELSE history_rollups.rtt_max_ms END, " +
        "loss_samples = history_rollups.loss_samples + excluded.loss_samples, " +
        "loss_in_sum_pct = history_rollups.loss_in_sum_pct + excluded.loss_in_sum_pct, " +
        "loss_out_sum_pct = history_rollups.loss_out_sum_pct + excluded.loss_out_sum_pct, " +
        "goodput_samples = history_rollups.goodput_samples + excluded.goodput_samples, " +
        "goodput_sum_bps = history_rollups.goodput_sum_bps + excluded.goodput_sum_bps, " +
        "probes_sent = history_rollups.probes_sent + excluded.probes_sent, " +
        "probes_answered = history_rollups.probes_answered + excluded.probes_answered";

    private static object RollupParameters(StatsRollup r) => new
    {
        MinuteMs = r.Minute.ToUnixTimeMilliseconds(),
        r.Node,
        Scope = r.Scope.ToString(),
        r.Name,
        Bundle = r.Bundle ?? NoBundle,
        r.Samples,
        r.UpSamples,
        r.OctetsIn,
        r.OctetsOut,
        r.PacketsIn,
        r.PacketsOut,
        r.Errors,
        r.QueueDrops,
        r.RttSamples,
        r.RttSumMs,
        r.RttMaxMs,
        r.LossSamples,
        r.LossInSumPercent,
        r.LossOutSumPercent,
        r.GoodputSamples,
        r.GoodputSumBitsPerSecond,
        r.ProbesSent,
        r.ProbesAnswered,
    };

    /// <summary>An episode is written when it starts and again as it changes; the latest write is the truth.</summary>
    private const string UpsertFailover =
        "INSERT INTO history_failovers (node, bundle, started_ms, ended_ms, members_before, members_lost, cause, gap_ms, probes_lost) " +
        "VALUES (@Node, @Bundle, @StartedMs, @EndedMs, @MembersBefore, @MembersLost, @Cause, @GapMs, @ProbesLost) " +
        "ON CONFLICT (node, bundle, started_ms) DO UPDATE SET ended_ms = excluded.ended_ms, members_before = excluded.members_before, " +
        "members_lost = excluded.members_lost, cause = excluded.cause, gap_ms = excluded.gap_ms, probes_lost = excluded.probes_lost";

    private static object FailoverParameters(FailoverEpisode f) => new
    {
        f.Node,
        f.Bundle,
        StartedMs = f.Started.ToUnixTimeMilliseconds(),
        EndedMs = f.Ended?.ToUnixTimeMilliseconds(),
        f.MembersBefore,
        MembersLost = JsonSerializer.Serialize(f.MembersLost),
        f.Cause,
        f.GapMs,
        f.ProbesLost,
    };

    private sealed class EventRow
    {
        public long TimeMs { get; set; }
        public string Node { get; set; } = "";
        public string Scope { get; set; } = "";
        public string Name { get; set; } = "";
        public string Bundle { get; set; } = "";
        public string Kind { get; set; } = "";
        public string? State { get; set; }
        public string? Detail { get; set; }
        public string? Operator { get; set; }
        public string? Address { get; set; }
    }

    private sealed class StatsRow
    {
        public long BucketMs { get; set; }
        public string Node { get; set; } = "";
        public string Scope { get; set; } = "";
        public string Name { get; set; } = "";
        public string Bundle { get; set; } = "";
        public long Samples { get; set; }
        public long UpSamples { get; set; }
        public long OctetsIn { get; set; }
        public long OctetsOut { get; set; }
        public long PacketsIn { get; set; }
        public long PacketsOut { get; set; }
        public long Errors { get; set; }
        public long QueueDrops { get; set; }
        public long RttSamples { get; set; }
        public double RttSumMs { get; set; }
        public double? RttMaxMs { get; set; }
        public long LossSamples { get; set; }
        public double LossInSum { get; set; }
        public double LossOutSum { get; set; }
        public long GoodputSamples { get; set; }
        public double GoodputSum { get; set; }
        public long ProbesSent { get; set; }
        public long ProbesAnswered { get; set; }
    }

    private sealed class FailoverRow
    {
        public string Node { get; set; } = "";
        public string Bundle { get; set; } = "";
        public long StartedMs { get; set; }
        public long? EndedMs { get; set; }
        public long MembersBefore { get; set; }
        public string MembersLost { get; set; } = "[]";
        public string Cause { get; set; } = "";
        public long GapMs { get; set; }
        public long? ProbesLost { get; set; }
    }
}
