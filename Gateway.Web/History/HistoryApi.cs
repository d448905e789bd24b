using System.Globalization;
using Gateway.Web.Security;

namespace Gateway.Web.History;

/// <summary>
/// <c>GET /api/history/events</c>, <c>/stats</c>, <c>/failovers</c> (JSON, or CSV with <c>?format=csv</c> or
/// <c>Accept: text/csv</c>) and <c>/status</c>. Times are ISO 8601; without them the last 24 hours.
/// </summary>
public static class HistoryApi
{
    public const string Prefix = "/api/history";
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(24);

    public static void MapHistoryApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(Prefix).WithTags("history").RequireAuthorization(SecurityPolicies.Viewer);

        api.MapGet("/events", (IHistoryStore store, TimeProvider time, HttpContext http, CancellationToken ct,
                DateTimeOffset? from, DateTimeOffset? to, string? link, HistoryScope? scope, int? limit, string? format) =>
            Query(http, time, from, to, async window =>
            {
                var events = await store.EventsAsync(new EventQuery(window.From, window.To, link, scope, limit ?? EventQuery.DefaultLimit), ct);
                return Respond(http, format, events, HistoryCsv.Events);
            }))
            .WithName("GetHistoryEvents")
            .WithSummary("Link, sublink, bundle, member and operator events and log lines, oldest first.")
            .WithDescription("`from`/`to`: ISO 8601 (default: the last 24 hours); `link`: a link's, sublink's, member's or bundle's name " +
                "(a bundle's brings its members); `scope`: Link, Sublink, Bundle, Member, Operator or Log; `limit`: at most this many " +
                $"(default {EventQuery.DefaultLimit}, at most {EventQuery.MaxLimit}); `format=csv` for CSV.")
            .Produces<IReadOnlyList<HistoryEvent>>(StatusCodes.Status200OK, "application/json", HistoryCsv.ContentType)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapGet("/stats", (IHistoryStore store, TimeProvider time, HttpContext http, CancellationToken ct,
                DateTimeOffset? from, DateTimeOffset? to, string? link, StatsScope? scope, string? step, string? format) =>
            Query(http, time, from, to, async window =>
            {
                if (!TryParseStep(step, out var length))
                    return TypedResults.Problem($"step '{step}': a whole number of minutes, as 1m, 15m, 1h, 1d or seconds (60, 300)", statusCode: StatusCodes.Status400BadRequest);
                var points = await store.StatsAsync(new StatsQuery(window.From, window.To, length, link, scope), ct);
                return Respond(http, format, points, HistoryCsv.Stats);
            }))
            .WithName("GetHistoryStats")
            .WithSummary("Per link, member and bundle: traffic, up time, round trip, loss, goodput, probes and queue drops, in buckets of `step`.")
            .WithDescription("Built from one-minute rollups. `from`/`to`: ISO 8601 (default: the last 24 hours); `link`: a name " +
                "(a bundle's brings its members); `scope`: Link, Member or Bundle; `step`: 1m (default), 5m, 1h, 1d, or seconds, " +
                "a whole number of minutes; buckets are aligned to the step in UTC; a step of whole hours is read from the hourly " +
                "rollups, whose buckets hold whole hours (also the first, when `from` is within an hour); `format=csv` for CSV.")
            .Produces<IReadOnlyList<StatsPoint>>(StatusCodes.Status200OK, "application/json", HistoryCsv.ContentType)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapGet("/failovers", (IHistoryStore store, TimeProvider time, HttpContext http, CancellationToken ct,
                DateTimeOffset? from, DateTimeOffset? to, string? bundle, string? format) =>
            Query(http, time, from, to, async window =>
            {
                var episodes = await store.FailoversAsync(new FailoverQuery(window.From, window.To, bundle), ct);
                return Respond(http, format, episodes, HistoryCsv.Failovers);
            }))
            .WithName("GetHistoryFailovers")
            .WithSummary("Failover episodes that overlap the window: start, end (null while the bundle is short of members), members lost, gap, probes lost.")
            .WithDescription("`from`/`to`: ISO 8601 (default: the last 24 hours); `bundle`: one bundle; `format=csv` for CSV.")
            .Produces<IReadOnlyList<FailoverEpisode>>(StatusCodes.Status200OK, "application/json", HistoryCsv.ContentType)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapGet("/status", (HistoryWriter writer) => writer.Status)
            .WithName("GetHistoryStatus")
            .WithSummary("Whether history is being kept (`available`), the backend, records written, queued and lost, the last error, retention.");
    }

    private static async Task<IResult> Query(HttpContext http, TimeProvider time, DateTimeOffset? from, DateTimeOffset? to, Func<(DateTimeOffset From, DateTimeOffset To), Task<IResult>> run)
    {
        var end = to ?? time.GetUtcNow();
        var start = from ?? end - DefaultWindow;
        if (start >= end)
            return TypedResults.Problem($"from ({start:O}) must be before to ({end:O})", statusCode: StatusCodes.Status400BadRequest);
        try
        {
            return await run((start, end));
        }
        catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
        {
            // The database is outside the process: whatever it throws, the answer is "not now" (GET /api/history/status says why).
            return TypedResults.Problem($"history unavailable: {e.Message}", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static IResult Respond<T>(HttpContext http, string? format, IReadOnlyList<T> rows, Func<IReadOnlyList<T>, string> csv)
    {
        var wantsCsv = string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase)
            || (format is null && http.Request.Headers.Accept.Any(a => a?.Contains(HistoryCsv.ContentType, StringComparison.OrdinalIgnoreCase) == true));
        return wantsCsv ? TypedResults.Text(csv(rows), HistoryCsv.ContentType) : TypedResults.Ok(rows);
    }

    /// <summary><c>1m</c>, <c>15m</c>, <c>1h</c>, <c>1d</c> or seconds; a whole number of minutes. Null is one minute.</summary>
    internal static bool TryParseStep(string? text, out TimeSpan step)
    {
        step = TimeSpan.FromMinutes(1);
        if (string.IsNullOrWhiteSpace(text))
            return true;
        text = text.Trim();
        var unit = char.ToLowerInvariant(text[^1]);
        var (digits, scale) = unit switch
        {
            'm' => (text[..^1], 60L),
            'h' => (text[..^1], 3600L),
            'd' => (text[..^1], 86400L),
            's' => (text[..^1], 1L),
            _ => (text, 1L),
        };
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count <= 0 || count > 366L * 86400)
            return false;
        var seconds = count * scale;
        if (seconds % 60 != 0 || seconds > 366L * 86400)
            return false;
        step = TimeSpan.FromSeconds(seconds);
        return true;
    }
}
