using System.Globalization;
using System.Text;

namespace Gateway.Web.History;

/// <summary>CSV (RFC 4180: comma, CRLF, fields quoted when they must be) of the history's records, one column per field.</summary>
public static class HistoryCsv
{
    public const string ContentType = "text/csv";

    public static string Events(IEnumerable<HistoryEvent> events) => Table(
        ["time", "node", "scope", "name", "kind", "bundle", "state", "detail", "operator", "address"],
        events.Select(e => new object?[] { e.Time, e.Node, e.Scope, e.Name, e.Kind, e.Bundle, e.State, e.Detail, e.Operator, e.Address }));

    public static string Stats(IEnumerable<StatsPoint> points) => Table(
        ["time", "node", "scope", "name", "bundle", "samples", "up_percent", "octets_in", "octets_out", "packets_in", "packets_out",
            "errors", "queue_drops", "rtt_ms", "rtt_max_ms", "loss_in_percent", "loss_out_percent", "goodput_bps", "probes_sent", "probes_lost"],
        points.Select(p => new object?[]
        {
            p.Time, p.Node, p.Scope, p.Name, p.Bundle, p.Samples, p.UpPercent, p.OctetsIn, p.OctetsOut, p.PacketsIn, p.PacketsOut,
            p.Errors, p.QueueDrops, p.RttMs, p.RttMaxMs, p.LossInPercent, p.LossOutPercent, p.GoodputBitsPerSecond, p.ProbesSent, p.ProbesLost,
        }));

    public static string Failovers(IEnumerable<FailoverEpisode> episodes) => Table(
        ["node", "bundle", "started", "ended", "members_before", "members_lost", "cause", "gap_ms", "probes_lost"],
        episodes.Select(f => new object?[] { f.Node, f.Bundle, f.Started, f.Ended, f.MembersBefore, string.Join(' ', f.MembersLost), f.Cause, f.GapMs, f.ProbesLost }));

    private static string Table(IReadOnlyList<string> header, IEnumerable<object?[]> rows)
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', header).Append("\r\n");
        foreach (var row in rows)
            csv.AppendJoin(',', row.Select(Field)).Append("\r\n");
        return csv.ToString();
    }

    private static string Field(object? value)
    {
        var text = value switch
        {
            null => "",
            DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            double d => d.ToString("0.###", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        return text.AsSpan().IndexOfAny(",\"\r\n") < 0 ? text : "\"" + text.Replace("\"", "\"\"") + "\"";
    }
}
