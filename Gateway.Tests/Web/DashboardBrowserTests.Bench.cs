using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Gateway.Tests.History;
using Gateway.Tests.Support;
using Gateway.Web.History;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Gateway.Tests.Web;

public sealed partial class DashboardBrowserTests
{
    private const int BenchLinks = 8;
    private static readonly TimeSpan BenchWeek = TimeSpan.FromDays(7);

    /// <summary>
    /// Not a check: with GATEWAY_BENCH_HISTORY=1 (bench/history-load.sh) it seeds a week of one-minute rollups for
    /// 8 links (and their 8 members and the bundle) into a real SQLite file, starts the demo on it, and measures the
    /// REST calls the page makes and the page's load of the 7-day window in Chromium; the figures go to
    /// artifacts/bench/history-load.json.
    /// </summary>
    [SkippableFact]
    [Trait("Category", "Bench")]
    public async Task History_load_bench()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("GATEWAY_BENCH_HISTORY") == "1", "set GATEWAY_BENCH_HISTORY=1 (bench/history-load.sh) to run the history load benchmark");
        SkipWithoutChromium();
        var directory = HistoryTestSupport.NewDirectory("gateway-history-bench");
        try
        {
            var path = Path.Combine(directory, HistoryOptions.DatabaseFileName);
            var seed = Stopwatch.StartNew();
            var rows = await SeedWeekAsync(path);
            seed.Stop();

            await using var host = await WebTestHost.StartAsync(extraOptions: ["--data", directory]);
            using var client = host.Client();
            var now = DateTimeOffset.UtcNow;
            var window = $"from={Uri.EscapeDataString((now - BenchWeek).ToString("O"))}&to={Uri.EscapeDataString(now.ToString("O"))}";
            var api = new Dictionary<string, double[]>
            {
                ["stats 7 d, 1 h steps, all scopes (what the page loads)"] = await TimeAsync(client, $"api/history/stats?{window}&step=1h"),
                ["stats 7 d, 15 min steps, all scopes"] = await TimeAsync(client, $"api/history/stats?{window}&step=15m"),
                ["stats 7 d, 1 min steps, one link"] = await TimeAsync(client, $"api/history/stats?{window}&step=1m&link=isp1&scope=Link"),
                ["stats per day, links"] = await TimeAsync(client, $"api/history/stats?{window}&step=1d&scope=Link"),
                ["events 7 d"] = await TimeAsync(client, $"api/history/events?{window}&limit=20000"),
                ["failovers 7 d"] = await TimeAsync(client, $"api/history/failovers?{window}"),
            };

            await using var browser = await Browser.LaunchAsync();
            var page = await browser.NewPageAsync(1280, 1400);
            var loads = new List<double>();
            var afterNavigation = new List<double>();
            for (var run = 0; run < 5; run++)
            {
                await page.GotoAsync(host.BaseAddress.ToString());
                await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("live");
                await Expect(Badge(page, "vpn")).ToHaveTextAsync("up");
                await page.GetByRole(AriaRole.Button, new() { Name = "7 d" }).ClickAsync();
                await page.WaitForFunctionAsync("() => document.body.dataset.historyLoadedMs !== undefined", null, new() { Timeout = 60_000 });
                loads.Add(double.Parse(await page.EvaluateAsync<string>("document.body.dataset.historyLoadedMs"), CultureInfo.InvariantCulture));
                afterNavigation.Add(double.Parse(await page.EvaluateAsync<string>("document.body.dataset.historyLoadedAt"), CultureInfo.InvariantCulture));
            }
            var points = await page.EvaluateAsync<int>("window.gatewayDashboard.chart('bundle:vpn').times.length");
            await browser.ScreenshotAsync(page, "bench-7d");

            var result = new
            {
                rows,
                seedSeconds = Math.Round(seed.Elapsed.TotalSeconds, 1),
                databaseBytes = new FileInfo(path).Length + (File.Exists(path + "-wal") ? new FileInfo(path + "-wal").Length : 0),
                limitBytes = new HistoryOptions().MaxBytes,
                apiMilliseconds = api.ToDictionary(a => a.Key, a => new { median = Median(a.Value), max = a.Value.Max() }),
                pageLoadMilliseconds = new { median = Median([.. loads]), max = loads.Max(), runs = loads },
                pageReadyAfterNavigationMilliseconds = new { median = Median([.. afterNavigation]), max = afterNavigation.Max() },
                chartPoints = points,
                loadAverage = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : null,
                when = DateTimeOffset.UtcNow,
            };
            var output = Path.Combine(Repository.Root, "artifacts", "bench");
            Directory.CreateDirectory(output);
            await File.WriteAllTextAsync(Path.Combine(output, "history-load.json"), JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
            Assert.True(points >= 167, $"the 7-day window has a point an hour ({points})");
        }
        finally
        {
            HistoryTestSupport.DeleteDirectory(directory);
        }
    }

    /// <summary>A week to ten minutes ago, one rollup a minute for isp1..isp8, members 1..8 of vpn and vpn itself.</summary>
    private static async Task<int> SeedWeekAsync(string path)
    {
        await using var store = new SqliteHistoryStore(path, new HistoryOptions().MaxBytes, TimeSpan.FromSeconds(5), NullLogger.Instance);
        await store.MigrateAsync(CancellationToken.None);
        var end = DateTimeOffset.UtcNow.AddMinutes(-10);
        var start = end - BenchWeek;
        start = new DateTimeOffset(start.Ticks - start.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        var batch = new List<HistoryRecord>();
        var rows = 0;
        for (var minute = start; minute < end; minute = minute.AddMinutes(1))
        {
            var wave = 1 + Math.Sin(minute.ToUnixTimeSeconds() / 3600.0);
            for (var i = 1; i <= BenchLinks; i++)
            {
                var octets = (long)(600_000 * wave * i / BenchLinks) + 1000;
                batch.Add(HistoryTestSupport.Rollup(minute, $"isp{i}", octetsIn: octets / 3, octetsOut: octets, node: "bench"));
                batch.Add(HistoryTestSupport.Rollup(minute, i.ToString(CultureInfo.InvariantCulture), StatsScope.Member, "vpn", octetsIn: octets / 50, octetsOut: octets, node: "bench"));
            }
            batch.Add(HistoryTestSupport.Rollup(minute, "vpn", StatsScope.Bundle, octetsIn: 100_000, octetsOut: 2_000_000, node: "bench"));
            if (batch.Count >= 5000)
            {
                await store.WriteAsync(HistoryBatch.Of(batch), CancellationToken.None);
                rows += batch.Count;
                batch.Clear();
            }
        }
        await store.WriteAsync(HistoryBatch.Of(batch), CancellationToken.None);
        return rows + batch.Count;
    }

    private static async Task<double[]> TimeAsync(HttpClient client, string url)
    {
        var times = new double[5];
        for (var i = 0; i < times.Length; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await client.GetAsync(url);
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
            times[i] = Math.Round(watch.Elapsed.TotalMilliseconds, 1);
        }
        return times;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
