using System.Text.Json;
using Gateway.Tests.History;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Gateway.Tests.Web;

/// <summary>Failover as it happened (issue 15, item 3 and its browser acceptance): the stacked bundle chart, markers, episodes, history.</summary>
public sealed partial class DashboardBrowserTests
{
    [SkippableFact]
    public async Task Dropping_isp2_moves_its_band_onto_the_others_with_a_marker_and_an_episode_kept_across_a_reload_and_a_restart()
    {
        SkipWithoutChromium();
        var directory = HistoryTestSupport.NewDirectory("gateway-dashboard-history");
        try
        {
            var first = await WebTestHost.StartAsync(extraOptions: ["--data", directory]);
            var port = first.BaseAddress.Port;
            await using var browser = await Browser.LaunchAsync();
            var page = await browser.NewPageAsync(1280, 1400);
            await page.GotoAsync(first.BaseAddress.ToString());
            await Expect(Badge(page, "vpn")).ToHaveTextAsync("up");

            // One band per member, labelled by its ISP link, every one carrying traffic.
            const string Isp2 = "c.values[c.labels.indexOf('isp2')]";
            await WaitForChartAsync(page, "bundle:vpn",
                $"['isp1', 'isp2', 'isp3', 'isp4'].every(l => c.labels.includes(l) && c.values[c.labels.indexOf(l)].length >= 3) && {Isp2}.slice(-3).every(v => v > 0)", 30_000);
            var before = await OthersAsync(page);

            var closedAt = DateTimeOffset.UtcNow;
            using (var client = first.Client(WebTestHost.Password))
                (await client.PostAsync("api/links/isp2/close", null)).EnsureSuccessStatusCode();

            // isp2's band falls to zero and the others carry more than before.
            await WaitForChartAsync(page, "bundle:vpn", $"{Isp2}.slice(-3).every(v => v === 0)");
            await WaitForChartAsync(page, "bundle:vpn", $"{Isp2}.slice(-3).every(v => v === 0) && c.values.filter((v, i) => ['isp1', 'isp3', 'isp4'].includes(c.labels[i])).reduce((sum, v) => sum + v.at(-1), 0) > {before}");
            // The bundle's event is a marker on its chart, isp2's on the link's.
            await WaitForChartAsync(page, "bundle:vpn", "c.markers.some(m => m.text.includes('sublink 2 left'))");
            await WaitForChartAsync(page, "link:isp2", "c.markers.some(m => m.text.includes('close by operator'))");

            // The failover episode, open, with its gap (none: the others carried on). It is the one isp2's leaving
            // opened, or one that another member's late echo reply opened just before (on a slow machine): the
            // detector keeps a single episode until the bundle sends on as many members as before.
            var found = await OpenEpisodeAsync(first, "2", TimeSpan.FromSeconds(20));
            var cause = found.GetProperty("cause").GetString();
            var started = found.GetProperty("started").GetDateTimeOffset();
            Assert.True(cause == "2 left" || started <= closedAt, $"the episode that lost isp2 started at {started:O}, after the close ({closedAt:O}), for '{cause}'");
            var episodes = page.GetByRole(AriaRole.Table, new() { Name = "failover episodes" }).Locator("tbody tr[data-bundle=\"vpn\"]");
            var shown = episodes.Filter(new() { HasText = cause }).Filter(new() { HasText = "isp2" });
            await Expect(shown).ToHaveCountAsync(1, new() { Timeout = 20_000 });
            await Expect(shown).ToContainTextAsync("ongoing");
            // Found by its cause and start from here on: once the page reloads, isp2's sublink (stopped with its link)
            // is not there to name member 2 by its ISP link.
            var startedText = await shown.Locator("td").Nth(1).TextContentAsync();
            var episode = episodes.Filter(new() { HasText = cause }).Filter(new() { HasText = startedText });
            await Expect(episode).ToHaveCountAsync(1);
            await Expect(episode.Locator("td").Nth(6)).ToHaveTextAsync("0 ms");
            await Expect(page.Locator("#failover-timeline .episode.open")).Not.ToHaveCountAsync(0);
            await browser.ScreenshotAsync(page, "failover");

            // Reload: the episode comes back from the history.
            await page.ReloadAsync();
            await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("live");
            await Expect(episode).ToHaveCountAsync(1, new() { Timeout = 20_000 });

            // Restart the process on the same data directory: still there, ended when the first process stopped.
            await first.DisposeAsync();
            await using var second = await WebTestHost.StartAsync(extraOptions: ["--data", directory, "--urls", $"http://127.0.0.1:{port}"]);
            await page.ReloadAsync();
            await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("live");
            await Expect(episode).ToHaveCountAsync(1, new() { Timeout = 20_000 });
            await Expect(episode).Not.ToContainTextAsync("ongoing");
            // The first run's minutes are in the day's availability: isp2 was down for part of them.
            var isp2Today = page.GetByRole(AriaRole.Table, new() { Name = "availability and data per day" }).Locator("tbody tr").Filter(new() { HasText = "isp2" });
            await Expect(isp2Today).ToHaveCountAsync(1);
            await Expect(isp2Today.Locator("td").Nth(2)).Not.ToHaveTextAsync("100.0 %");
            await Expect(isp2Today.Locator("td").Nth(3)).Not.ToHaveTextAsync("0 B");

            // The last hour from the history: member 2's band and its leaving as a marker, from the REST API.
            await page.GetByRole(AriaRole.Button, new() { Name = "1 h" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "1 h" })).ToHaveAttributeAsync("aria-pressed", "true");
            await WaitForChartAsync(page, "bundle:vpn",
                "!window.gatewayDashboard.view().live && c.times.length >= 60 && c.values[c.labels.indexOf('isp2')].some(v => v > 0) " +
                "&& c.markers.some(m => m.text.startsWith('2 (vpn): left'))", 20_000);
            await browser.ScreenshotAsync(page, "history-1h");
        }
        finally
        {
            HistoryTestSupport.DeleteDirectory(directory);
        }
    }

    /// <summary>
    /// The bundle's open failover episode that lost <paramref name="member"/>, from the history's API (it is written a
    /// second or so after it happens); the failure names every episode there is.
    /// </summary>
    private static async Task<JsonElement> OpenEpisodeAsync(WebTestHost host, string member, TimeSpan timeout)
    {
        using var client = host.Client(WebTestHost.Password);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var body = await client.GetStringAsync("api/history/failovers?bundle=vpn");
            var all = JsonDocument.Parse(body).RootElement.Clone();
            var open = all.EnumerateArray().Where(e => e.GetProperty("ended").ValueKind == JsonValueKind.Null
                && e.GetProperty("membersLost").EnumerateArray().Any(m => m.GetString() == member)).ToList();
            if (open.Count == 1)
                return open[0];
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"no single open failover episode that lost member {member} within {timeout.TotalSeconds} s; the history's episodes: {body}");
            await Task.Delay(200);
        }
    }

    /// <summary>What isp1, isp3 and isp4 carry together, on average over the last three points.</summary>
    private static async Task<double> OthersAsync(IPage page)
    {
        var chart = await page.EvaluateAsync<JsonElement>("window.gatewayDashboard.chart('bundle:vpn')");
        var labels = chart.GetProperty("labels").EnumerateArray().Select(l => l.GetString()).ToList();
        var values = chart.GetProperty("values");
        return new[] { "isp1", "isp3", "isp4" }
            .Sum(l => values[labels.IndexOf(l)].EnumerateArray().TakeLast(3).Average(v => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0));
    }
}
