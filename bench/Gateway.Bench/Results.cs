using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Bench;

/// <summary>One case of a scenario (e.g. 4 sublinks, 1400 bytes): its inputs, each run's values and their medians.</summary>
public sealed class ResultRow
{
    public required Dictionary<string, object> Case { get; init; }

    public List<Dictionary<string, double?>> Runs { get; } = [];

    public Dictionary<string, double?> Median { get; } = [];

    /// <summary>Values computed from the medians (ratios to a ceiling, efficiencies), and pass/fail against the issue's targets.</summary>
    public Dictionary<string, object?> Derived { get; } = [];

    /// <summary>Fills <see cref="Median"/> from <see cref="Runs"/> (per key, over the runs that have a value).</summary>
    public void ComputeMedians()
    {
        Median.Clear();
        foreach (var key in Runs.SelectMany(r => r.Keys).Distinct())
            Median[key] = Stats.Median(Runs.Select(r => r.GetValueOrDefault(key)));
    }
}

/// <summary>What one scenario writes to bench/results/&lt;scenario&gt;.json and prints as a table.</summary>
public sealed class ScenarioResult
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public required string Scenario { get; init; }

    public string Started { get; } = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public Dictionary<string, object> Machine { get; } = MachineInfo.Describe();

    /// <summary>What the scenario was run with (an anonymous object: names as in the JSON).</summary>
    public object? Inputs { get; set; }

    /// <summary>What each value means and its unit.</summary>
    public object? Units { get; set; }

    public List<ResultRow> Rows { get; } = [];

    public List<string> Notes { get; } = [];

    /// <summary>Targets the run missed (the soak's leak and recovery checks): the harness exits with status 3 when any.</summary>
    public List<string> Failures { get; } = [];

    public ResultRow Row(params (string Key, object Value)[] @case)
    {
        var row = new ResultRow { Case = @case.ToDictionary(c => c.Key, c => c.Value) };
        Rows.Add(row);
        return row;
    }

    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{Scenario}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
        Console.WriteLine($"wrote {path}");
    }

    /// <summary>A Markdown table of the case columns, then the given median and derived columns.</summary>
    public string Table(params string[] columns)
    {
        var caseKeys = Rows.SelectMany(r => r.Case.Keys).Distinct().ToList();
        var header = caseKeys.Concat(columns).ToList();
        var sb = new StringBuilder();
        sb.Append("| ").Append(string.Join(" | ", header)).AppendLine(" |");
        sb.Append('|').Append(string.Join("|", header.Select((_, i) => i < caseKeys.Count ? "---" : "---:"))).AppendLine("|");
        foreach (var row in Rows)
        {
            var cells = caseKeys.Select(k => row.Case.TryGetValue(k, out var v) ? Format(v) : "")
                .Concat(columns.Select(c => row.Median.TryGetValue(c, out var m) ? Format(m) : row.Derived.TryGetValue(c, out var d) ? Format(d) : ""));
            sb.Append("| ").Append(string.Join(" | ", cells)).AppendLine(" |");
        }
        return sb.ToString();
    }

    private static string Format(object? value) => value switch
    {
        null => "-",
        double d when double.IsNaN(d) => "-",
        double d when Math.Abs(d) >= 100 => d.ToString("N0", CultureInfo.InvariantCulture),
        double d when Math.Abs(d) >= 10 => d.ToString("F1", CultureInfo.InvariantCulture),
        double d => d.ToString("0.###", CultureInfo.InvariantCulture),
        bool b => b ? "yes" : "no",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}

public static class Stats
{
    public static double? Median(IEnumerable<double?> values)
    {
        var sorted = values.Where(v => v is { } d && !double.IsNaN(d)).Select(v => v!.Value).Order().ToList();
        if (sorted.Count == 0)
            return null;
        int mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

/// <summary>The machine and the code measured, for each result file.</summary>
public static class MachineInfo
{
    public static Dictionary<string, object> Describe()
    {
        var info = new Dictionary<string, object>
        {
            ["cpu"] = CpuModel(),
            ["cores"] = Environment.ProcessorCount,
            ["kernel"] = Read("/proc/sys/kernel/osrelease"),
            ["dotnet"] = Environment.Version.ToString(),
            ["loadAverageAtStart"] = Read("/proc/loadavg"),
        };
        if (Git("rev-parse", "--short", "HEAD") is { } commit)
            info["commit"] = commit + (Git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results") is { Length: > 0 } ? "+changes" : "");
        return info;
    }

    private static string CpuModel()
    {
        foreach (var line in File.ReadLines("/proc/cpuinfo"))
        {
            if (line.StartsWith("model name", StringComparison.Ordinal))
                return line[(line.IndexOf(':') + 1)..].Trim();
        }
        return "unknown";
    }

    private static string Read(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : "";

    private static string? Git(params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args)
                info.ArgumentList.Add(a);
            using var p = Process.Start(info)!;
            string output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return p.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
