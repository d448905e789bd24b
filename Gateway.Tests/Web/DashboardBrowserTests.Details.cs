using System.Text.RegularExpressions;
using Gateway.Core.Crypto;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Gateway.Tests.Web;

/// <summary>What a new user saw wrong on the dashboard (issue 15, item 5), each tried in Chromium as they would.</summary>
public sealed partial class DashboardBrowserTests
{
    [GeneratedRegex(@"\bup\b")]
    private static partial Regex UpClass();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} ")]
    private static partial Regex DatedLine();

    [SkippableFact]
    public async Task While_disconnected_the_cards_look_stale_and_the_charts_draw_a_gap_until_the_server_is_back()
    {
        SkipWithoutChromium();
        var first = await WebTestHost.StartAsync();
        var port = first.BaseAddress.Port;
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(1280, 900);
        await page.GotoAsync(first.BaseAddress.ToString());
        await Expect(Badge(page, "isp1")).ToHaveTextAsync("up");
        await WaitForChartAsync(page, "link:isp1", "c.values[0].filter(v => v != null).length >= 2");

        await first.DisposeAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("disconnected");
        // The last figures are still there, but nothing says "up" and the card is greyed: it is the past.
        await Expect(Badge(page, "isp1")).ToHaveTextAsync("stale");
        await Expect(Badge(page, "vpn")).ToHaveTextAsync("stale");
        await Expect(Card(page, "isp1")).Not.ToHaveClassAsync(UpClass());
        await Expect(Card(page, "isp1")).ToHaveClassAsync(new Regex(@"\bstale\b"));
        // The chart stops inventing traffic: the points since the server went are gaps.
        await WaitForChartAsync(page, "link:isp1", "c.values[0].slice(-2).every(v => v === null)");
        await browser.ScreenshotAsync(page, "stale");

        await using var second = await WebTestHost.StartAsync(extraOptions: ["--urls", $"http://127.0.0.1:{port}"]);
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("live", new() { Timeout = 15_000 });
        await Expect(Badge(page, "isp1")).ToHaveTextAsync("up");
        // Points before the outage, the outage as nulls, points after it: drawn as a gap, not a line across.
        await WaitForChartAsync(page, "link:isp1", "c.values[0].slice(-3).every(v => v != null)");
        var outbound = await ChartSeriesAsync(page, "link:isp1", 0);
        var firstGap = Array.IndexOf(outbound, null);
        Assert.True(firstGap > 0, "a point before the outage");
        Assert.Contains(outbound[..firstGap], v => v is not null);
        Assert.Contains(outbound[firstGap..], v => v is not null);
    }

    [SkippableFact]
    public async Task The_operator_sees_why_buttons_wait_for_a_login_and_a_dropped_member_stays_listed_as_closed_with_who_dropped_it()
    {
        SkipWithoutChromium();
        await using var host = await WebTestHost.StartAsync();
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(1280, 1000);
        await page.GotoAsync(host.BaseAddress.ToString());
        await Expect(Badge(page, "isp2")).ToHaveTextAsync("up");

        // Not logged in: the buttons are off and each card says why.
        var isp2 = Card(page, "isp2");
        foreach (var name in new[] { "Dial", "Down", "Drop" })
            await Expect(isp2.GetByRole(AriaRole.Button, new() { Name = name, Exact = true })).ToBeDisabledAsync();
        await Expect(isp2.GetByText("log in to operate")).ToBeVisibleAsync();

        // Each member's weight and share of the bundle: the slow link (isp4, 256 kbit/s) weighs a quarter of the others.
        var member4 = Card(page, "vpn").Locator("tr[data-member=\"4\"]");
        await Expect(member4).ToContainTextAsync("204.8 kbit/s");
        await Expect(Card(page, "vpn").Locator("tr[data-member=\"1\"]")).ToContainTextAsync("800.0 kbit/s");
        await Expect(member4.Locator("td").Nth(4)).ToHaveTextAsync("7.9 %");
        // Issue 13: each member says whether it is encrypted (the demo runs encrypted: "yes" and its keys' age) and
        // what it rejected (nothing: no one forges into the demo).
        await Expect(member4.Locator("td").Nth(8)).ToHaveTextAsync(new Regex($@"^yes, {TransportCiphers.Name(TransportCiphers.Preferred)}, \d+ s$"));
        await Expect(member4.Locator("td").Nth(9)).ToHaveTextAsync("0");

        // Issue 16: the bundle's schedule (the demo's ppp.conf sets none: latency, earliest delivery first).
        await Expect(Card(page, "vpn").Locator("[data-field=\"schedule\"]")).ToHaveTextAsync(new Regex(@"^latency(, equalised to \d+ ms \(\d+ held\))?$"));

        // Issue 16: each member says whether it is a backup; only the operator may change it.
        var member1 = Card(page, "vpn").Locator("tr[data-member=\"1\"]");
        await Expect(member1.Locator("td").Nth(10)).ToContainTextAsync("primary 1");
        await Expect(member1.GetByRole(AriaRole.Button, new() { Name = "make 1 backup" })).ToBeDisabledAsync();

        // Logging in puts the keyboard on the first button it unlocked, not on the page's body.
        await page.GetByLabel("Operator password").FillAsync(WebTestHost.Password);
        await page.GetByLabel("Operator password").PressAsync("Enter");
        await Expect(Card(page, "isp1").GetByRole(AriaRole.Button, new() { Name = "Dial" })).ToBeFocusedAsync();
        await Expect(isp2.GetByText("log in to operate")).ToBeHiddenAsync();

        // The operator makes member 1 a backup from its row: it gets no share while the primaries are up; then a primary again.
        await member1.GetByRole(AriaRole.Button, new() { Name = "make 1 backup" }).ClickAsync();
        await Expect(member1.Locator("td").Nth(10)).ToContainTextAsync("backup, idle");
        await Expect(member1.Locator("td").Nth(4)).ToHaveTextAsync("0.0 %");
        await member1.GetByRole(AriaRole.Button, new() { Name = "make 1 primary" }).ClickAsync();
        await Expect(member1.Locator("td").Nth(10)).ToContainTextAsync("primary 1");

        await isp2.GetByRole(AriaRole.Button, new() { Name = "Drop" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Drop" }).ClickAsync();
        await Expect(Badge(page, "isp2")).ToHaveTextAsync("down");

        // The member is still in the table, closed; the link's Drop and Down are off (it is closed), Dial is on.
        var member2 = Card(page, "vpn").Locator("tr[data-member=\"2\"]");
        await Expect(member2).ToContainTextAsync("closed");
        await Expect(member2).ToContainTextAsync("isp2");
        await Expect(isp2.GetByRole(AriaRole.Button, new() { Name = "Drop" })).ToBeDisabledAsync();
        await Expect(isp2.GetByRole(AriaRole.Button, new() { Name = "Down" })).ToBeDisabledAsync();
        await Expect(isp2.GetByRole(AriaRole.Button, new() { Name = "Dial" })).ToBeEnabledAsync();

        // The event log has dates, the modem links' own lines (dial attempts) and who closed isp2 from where.
        var log = page.GetByRole(AriaRole.List, new() { Name = "event log" });
        await Expect(log.Locator("li").Filter(new() { HasText = "isp2: close by operator from 127.0.0.1: 200 OK" })).ToHaveCountAsync(1);
        await Expect(log.Locator("li").Filter(new() { HasText = "isp1: dial attempt 1" }).First).ToHaveTextAsync(DatedLine());
        await browser.ScreenshotAsync(page, "member-closed");

        // Down on a link that is up drops the line at once (it stays down, as FreeBSD ppp's down does).
        await Card(page, "isp3").GetByRole(AriaRole.Button, new() { Name = "Down" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Down" }).ClickAsync();
        await Expect(log.Locator("li").Filter(new() { HasText = "isp3: down by operator from 127.0.0.1: 200 OK" })).ToHaveCountAsync(1);
    }

    [SkippableFact]
    public async Task The_page_follows_a_dark_preference_labels_axes_plainly_and_charts_each_links_round_trip_and_loss()
    {
        SkipWithoutChromium();
        await using var host = await WebTestHost.StartAsync();
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(1280, 900, ColorScheme.Dark);
        await page.GotoAsync(host.BaseAddress.ToString());
        await Expect(Badge(page, "isp1")).ToHaveTextAsync("up");

        Assert.Equal("rgb(13, 17, 23)", await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor"));
        // [hidden] is a rule of its own, not one nested in :root (which only CSS nesting made work).
        Assert.True(await page.EvaluateAsync<bool>(
            "[...document.styleSheets].filter(s => s.href?.endsWith('app.css')).flatMap(s => [...s.cssRules]).some(r => r.selectorText === '[hidden]')"));
        Assert.Equal(["500", "1k", "1.5k", "2M", "0"],
            await page.EvaluateAsync<string[]>("import('./js/format.js').then(f => [500, 1000, 1500, 2e6, 0].map(f.fmtAxis))"));

        // Each link has a round-trip and loss chart, fed from its member's echo and its own LQR.
        await WaitForChartAsync(page, "quality:isp1", "c.values[0].some(v => v > 0) && c.values[1].some(v => v != null)");
        var chart = await page.EvaluateAsync<string[]>("window.gatewayDashboard.chart('quality:isp1').labels");
        Assert.Equal(["RTT ms", "loss %"], chart);
        await browser.ScreenshotAsync(page, "dark");

        // A custom window that ends in the past is history only: live updates keep the cards current but add no point.
        await page.GetByRole(AriaRole.Button, new() { Name = "Custom" }).ClickAsync();
        var end = await page.EvaluateAsync<string>("new Date(Date.now() - 60_000 - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16)");
        var start = await page.EvaluateAsync<string>("new Date(Date.now() - 3_600_000 - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16)");
        await page.GetByLabel("From", new() { Exact = true }).FillAsync(start);
        await page.GetByLabel("To", new() { Exact = true }).FillAsync(end);
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Expect(page.Locator("#charts-state")).ToContainTextAsync("history");
        // The view changes at the click, the chart when the history has loaded: wait for the chart to be the window's.
        await WaitForChartAsync(page, "link:isp1",
            "!window.gatewayDashboard.view().live && window.gatewayDashboard.view().to != null && c.times.every(t => t < window.gatewayDashboard.view().to)");
        var held = await page.EvaluateAsync<double[]>("window.gatewayDashboard.chart('link:isp1').times");
        var to = await page.EvaluateAsync<double>("window.gatewayDashboard.view().to");
        Assert.All(held, t => Assert.True(t < to, $"a point at {t} is within the window ending {to}"));
        var uptime = await Field(page, "isp1", "uptime").TextContentAsync();
        await Expect(Field(page, "isp1", "uptime")).Not.ToHaveTextAsync(uptime!);
        Assert.Equal(held.Length, await page.EvaluateAsync<int>("window.gatewayDashboard.chart('link:isp1').times.length"));
    }

    /// <summary>Waits until <paramref name="condition"/> (JavaScript over <c>c</c>, the chart's description) holds.</summary>
    private static Task WaitForChartAsync(IPage page, string key, string condition, float timeout = 15_000) =>
        page.WaitForFunctionAsync($"key => {{ const c = window.gatewayDashboard?.chart(key); return !!c && ({condition}); }}", key,
            new() { Timeout = timeout, PollingInterval = 200 });

    private static Task<double?[]> ChartSeriesAsync(IPage page, string key, int series) =>
        page.EvaluateAsync<double?[]>("([key, i]) => window.gatewayDashboard.chart(key).values[i]", new object[] { key, series });
}
