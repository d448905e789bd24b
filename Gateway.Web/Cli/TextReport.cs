using Gateway.Core.Config;
using Gateway.Core.Ppp.Multilink;

namespace Gateway.Web.Cli;

/// <summary>The <c>--format text</c> form of a check: one table per kind of element (secrets masked).</summary>
public static class TextReport
{
    public static void Write(ConfigReport report, TextWriter output)
    {
        output.WriteLine($"Configuration {report.Config}{(report.Labels.Count > 0 ? " (labels: " + string.Join(' ', report.Labels) + ")" : "")}");
        var model = report.Model;
        if (report.Invocation is { } invocation)
        {
            output.WriteLine();
            output.WriteLine($"ppp {string.Join(' ', invocation.Labels)}: label {invocation.Label}, mrru {invocation.Mrru}, authname {invocation.AuthName}, authkey {invocation.AuthKey}, nat {(invocation.Nat ? "on" : "off")}");
            Table(output, ["link", "devices", "speed", "phone", "dial"],
                invocation.Links.Select(l => new[] { l.Name, string.Join(' ', l.Devices), l.Sync ? "sync" : l.Speed.ToString(), l.Phone.Text, l.Dial.Text }));
        }

        output.WriteLine();
        output.WriteLine("ISP links");
        Table(output, ["label", "devices", "speed", "phone", "redial", "authname", "authkey", "quality", "routes", "link up / down"],
            model.IspLinks.Select(i => new[]
            {
                i.Label, string.Join(' ', i.Devices), i.Speed.ToString(), i.Phone.Text, Redial(i.Redial), i.AuthName, i.AuthKey.ToString(),
                Quality(i.Quality), string.Join(", ", i.Routes), string.Join("; ", i.OnLinkUp.Concat(i.OnLinkDown).Select(Action)),
            }));

        output.WriteLine();
        output.WriteLine("Bundles");
        Table(output, ["label", "mode", "enddisc", "mrru", "mru", "authname", "authkey", "routes", "nat", "refused", "server"],
            model.Bundles.Select(b => new[]
            {
                b.Label, b.NicMode ? "NIC" : "over ISP links", $"{b.EndDisc.Kind} {b.EndDisc.Value}".Trim(), b.Mrru.ToString(), b.Mru.ToString(),
                b.AuthName, b.AuthKey.ToString(), string.Join(", ", b.Routes), b.Nat ? "on" : "off", string.Join(' ', b.CompressionRefused), b.Server ?? "",
            }));
        foreach (var bundle in model.Bundles)
        {
            output.WriteLine();
            output.WriteLine($"Member links of {bundle.Label}");
            Table(output, ["name", "transport", "remote", "carried by", "labels", "quality", "policy"],
                bundle.Sublinks.Select(s => new[]
                {
                    s.Name, s.Transport.ToString(), s.Remote is null ? "" : $"{s.Remote.Host}:{s.Remote.Service}{(s.Remote.Port is { } p && s.Remote.Service != p.ToString() ? $" ({p})" : "")}",
                    s.CarriedBy ?? "(NIC)", string.Join(' ', s.Labels), Quality(s.Quality), (s.Policy ?? MemberPolicy.Default).ToString(),
                }));
        }

        output.WriteLine();
        output.WriteLine("Receivers");
        Table(output, ["label", "multilink", "listen", "mrru", "enddisc", "auth", "ifaddr", "secrets"],
            model.Receivers.Select(r => new[]
            {
                r.Label, r.Multilink ? "yes" : "no", r.Listen is null ? "" : $"udp {r.Listen.Host}:{r.Listen.Port}",
                r.Mrru.ToString(), $"{r.EndDisc.Kind} {r.EndDisc.Value}".Trim(),
                string.Join(' ', new[] { r.RequireChap ? "chap" : null, r.RequirePap ? "pap" : null }.OfType<string>()),
                r.IfAddr is null ? "" : string.Join(' ', new[] { r.IfAddr.Local, r.IfAddr.Remote, r.IfAddr.Netmask, r.IfAddr.Trigger }.OfType<string>()),
                string.Join(", ", r.Secrets.Select(s => $"{s.Name} {s.Key}")),
            }));

        if (model.OtherLabels.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Other labels");
            Table(output, ["label", "why"], model.OtherLabels.Select(o => new[] { o.Label, o.Reason }));
        }
    }

    private static string Redial(RedialSpec r) =>
        $"{(r.Pause is { } p ? p.TotalSeconds + "s" : "random")}{(r.Increment > TimeSpan.Zero ? $"+{r.Increment.TotalSeconds}-{r.MaxIncrements}" : "")}" +
        $".{(r.NextPause is { } n ? n.TotalSeconds + "s" : "random")} x{(r.Attempts == 0 ? "forever" : r.Attempts.ToString())}";

    private static string Quality(LinkQuality q) =>
        string.Join(' ', new[] { q.Lqr ? "lqr" : null, q.Echo ? "echo" : null }.OfType<string>()) is { Length: > 0 } s ? $"{s} every {q.PeriodSeconds}s" : "none";

    private static string Action(LinkAction a) => a.Kind switch
    {
        LinkActionKind.StartSublink => $"up: start member of {a.Bundle} ({string.Join(' ', a.Labels)})",
        LinkActionKind.CloseSublink => $"down: close member link {a.Sublink} ({a.Socket})",
        LinkActionKind.SetServer => $"server {a.Socket}",
        _ => a.Text,
    };

    private static void Table(TextWriter output, string[] header, IEnumerable<string[]> rows)
    {
        var all = new List<string[]> { header };
        all.AddRange(rows);
        if (all.Count == 1)
        {
            output.WriteLine("  (none)");
            return;
        }
        var widths = header.Select((_, i) => all.Max(r => r[i].Length)).ToArray();
        foreach (var row in all)
            output.WriteLine("  " + string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
    }
}
