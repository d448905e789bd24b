using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Gateway.Core.Status;
using Gateway.Web.Status;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Gateway.Tests.Web;

/// <summary>
/// The dashboard in Debian's Chromium, driven by Playwright, against the demo role on a free port. Screenshots of
/// each step go to artifacts/web/ at the repository root.
/// </summary>
public sealed partial class DashboardBrowserTests
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    [GeneratedRegex(@"^[1-9][0-9.]* (k|M)bit/s$")]
    private static partial Regex NonZeroRate();

    [GeneratedRegex(@"↑ [1-9]")]
    private static partial Regex NonZeroOutbound();

    [SkippableFact]
    public async Task Operator_drops_and_redials_a_link_while_the_bundle_keeps_carrying_traffic()
    {
        SkipWithoutChromium();
        await using var host = await WebTestHost.StartAsync();
        await using var watch = await BundleWatch.StartAsync(host);
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(1280, 1000);
        await page.GotoAsync(host.BaseAddress.ToString());

        // Four ISP links up, the bundle up with traffic flowing.
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("live");
        foreach (var name in new[] { "isp1", "isp2", "isp3", "isp4" })
            await Expect(Badge(page, name)).ToHaveTextAsync("up");
        await Expect(Badge(page, "vpn")).ToHaveTextAsync("up");
        await Expect(Field(page, "vpn", "goodput")).ToHaveTextAsync(NonZeroRate());
        await Expect(Field(page, "vpn", "members")).ToContainTextAsync("4:");
        await browser.ScreenshotAsync(page, "1-all-up");

        // Buttons need an operator: log in.
        await Expect(Card(page, "isp2").GetByRole(AriaRole.Button, new() { Name = "Drop" })).ToBeDisabledAsync();
        await page.GetByLabel("Operator password").FillAsync(WebTestHost.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Log out" })).ToBeVisibleAsync();
        await browser.ScreenshotAsync(page, "2-logged-in");

        // Drop isp2 (asks first); it shows down within 2 s, the bundle stays up with goodput.
        watch.Begin();
        await Card(page, "isp2").GetByRole(AriaRole.Button, new() { Name = "Drop" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("Drop isp2?");
        await browser.ScreenshotAsync(page, "3-confirm-drop");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Drop" }).ClickAsync();
        await Expect(Badge(page, "isp2")).ToHaveTextAsync("down", new() { Timeout = 2000 });
        await Expect(Badge(page, "vpn")).ToHaveTextAsync("up");
        await Expect(Field(page, "vpn", "members")).ToContainTextAsync("3:");
        await Expect(Field(page, "vpn", "goodput")).ToHaveTextAsync(NonZeroRate());
        await browser.ScreenshotAsync(page, "4-isp2-dropped");

        // Dial it again: it comes back and carries traffic.
        await Card(page, "isp2").GetByRole(AriaRole.Button, new() { Name = "Dial" }).ClickAsync();
        await Expect(Badge(page, "isp2")).ToHaveTextAsync("up", new() { Timeout = 15_000 });
        await Expect(Field(page, "isp2", "rate")).ToHaveTextAsync(NonZeroOutbound(), new() { Timeout = 5000 });
        await Expect(Field(page, "vpn", "members")).ToContainTextAsync("4:");
        await browser.ScreenshotAsync(page, "5-isp2-redialled");

        // Throughout, every bundle status the server pushed had the bundle up and goodput above zero.
        var seen = watch.End();
        Assert.NotEmpty(seen);
        Assert.All(seen, b => Assert.True(b.Up && b.Traffic?.GoodputBitsPerSecond > 0, $"bundle {b.Name}: up={b.Up} goodput={b.Traffic?.GoodputBitsPerSecond}"));
        Assert.Contains(seen, b => b.Members.Count == 3);
    }

    [SkippableFact]
    public async Task Dashboard_fits_a_phone_screen_with_one_card_per_row()
    {
        SkipWithoutChromium();
        await using var host = await WebTestHost.StartAsync();
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(390, 844);
        await page.GotoAsync(host.BaseAddress.ToString());
        await Expect(Badge(page, "isp4")).ToHaveTextAsync("up");

        var first = await Card(page, "isp1").BoundingBoxAsync();
        var second = await Card(page, "isp2").BoundingBoxAsync();
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Equal(first.X, second.X, 1);
        Assert.True(second.Y > first.Y + first.Height - 1, "cards stack vertically");
        Assert.True(first.X + first.Width <= 390, "a card is no wider than the screen");
        var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= 390, $"no sideways scrolling (page is {scrollWidth} px wide)");
        await browser.ScreenshotAsync(page, "phone");
    }

    [SkippableFact]
    public async Task Dashboard_says_it_is_disconnected_and_reconnects_after_a_server_restart()
    {
        SkipWithoutChromium();
        var first = await WebTestHost.StartAsync();
        var port = first.BaseAddress.Port;
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(1280, 800);
        await page.GotoAsync(first.BaseAddress.ToString());
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("live");

        await first.DisposeAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("disconnected");
        await browser.ScreenshotAsync(page, "disconnected");

        await using var second = await WebTestHost.StartAsync(extraOptions: ["--urls", $"http://127.0.0.1:{port}"]);
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("live", new() { Timeout = 15_000 });
        await Expect(Badge(page, "isp1")).ToHaveTextAsync("up");
    }

    [SkippableFact]
    public async Task The_dashboard_works_under_its_content_security_policy()
    {
        SkipWithoutChromium();
        await using var host = await WebTestHost.StartAsync();
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(1280, 900);
        var violations = new ConcurrentQueue<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
                violations.Enqueue(message.Text);
        };
        // Chromium logs each violation on the console; the event says it too, in case the log's wording changes.
        await page.AddInitScriptAsync(
            "document.addEventListener('securitypolicyviolation', e => " +
            "console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`));");

        var response = await page.GotoAsync(host.BaseAddress.ToString());
        Assert.Contains("script-src 'self'", await response!.HeaderValueAsync("content-security-policy"));

        // The hub connects, the cards and their charts draw, the operator logs in and out: all under the policy.
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("live");
        await Expect(Badge(page, "isp1")).ToHaveTextAsync("up");
        await Expect(Field(page, "vpn", "goodput")).ToHaveTextAsync(NonZeroRate());
        await Expect(Card(page, "vpn").Locator(".chart canvas")).ToBeVisibleAsync();
        await page.GetByLabel("Operator password").FillAsync(WebTestHost.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Expect(Card(page, "isp1").GetByRole(AriaRole.Button, new() { Name = "Drop" })).ToBeEnabledAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Log in" })).ToBeVisibleAsync();
        await browser.ScreenshotAsync(page, "csp");

        Assert.Empty(violations);
    }

    /// <summary>
    /// Not a check: with GATEWAY_README_SCREENSHOT=1 it writes the README's picture (Gateway.Web/docs/dashboard.png)
    /// after the charts have half a minute of history.
    /// </summary>
    [SkippableFact]
    public async Task Readme_screenshot()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("GATEWAY_README_SCREENSHOT") == "1", "set GATEWAY_README_SCREENSHOT=1 to refresh the README's screenshot");
        SkipWithoutChromium();
        await using var host = await WebTestHost.StartAsync();
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(1280, 900);
        await page.GotoAsync(host.BaseAddress.ToString());
        await Expect(Field(page, "isp1", "uptime")).ToHaveTextAsync("0:00:20", new() { Timeout = 40_000 });
        using (var client = host.Client(WebTestHost.Password))
            (await client.PostAsync("api/links/isp3/close", null)).EnsureSuccessStatusCode();
        await Expect(Field(page, "isp1", "uptime")).ToHaveTextAsync("0:00:35", new() { Timeout = 40_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(WebTestHost.WebProjectDirectory, "docs", "dashboard.png"), FullPage = true });
    }

    internal static void SkipWithoutChromium() =>
        Skip.IfNot(File.Exists(ChromiumPath), $"Debian's Chromium is not installed at {ChromiumPath} (test.sh installs the 'chromium' package)");

    private static ILocator Card(IPage page, string name) => page.GetByRole(AriaRole.Region, new() { Name = name, Exact = true });

    private static ILocator Badge(IPage page, string name) => Field(page, name, "badge");

    private static ILocator Field(IPage page, string name, string field) => Card(page, name).Locator($"[data-field=\"{field}\"]");

    /// <summary>Debian's Chromium under Playwright, a fresh profile each time (Playwright makes one per launch).</summary>
    internal sealed class Browser : IAsyncDisposable
    {
        private readonly IPlaywright playwright;
        private readonly IBrowser browser;
        private readonly string artifacts;

        private Browser(IPlaywright playwright, IBrowser browser)
        {
            this.playwright = playwright;
            this.browser = browser;
            artifacts = Path.Combine(Path.GetDirectoryName(WebTestHost.WebProjectDirectory)!, "artifacts", "web");
            Directory.CreateDirectory(artifacts);
        }

        public static async Task<Browser> LaunchAsync()
        {
            Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
            var playwright = await Playwright.CreateAsync();
            var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ChromiumArgs,
                Timeout = 30_000,
            });
            return new Browser(playwright, browser);
        }

        public async Task<IPage> NewPageAsync(int width, int height, ColorScheme scheme = ColorScheme.Light)
        {
            var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height }, ColorScheme = scheme });
            context.SetDefaultTimeout(10_000);
            return await context.NewPageAsync();
        }

        public Task ScreenshotAsync(IPage page, string step) =>
            page.ScreenshotAsync(new() { Path = Path.Combine(artifacts, $"dashboard-{step}.png"), FullPage = true });

        public async ValueTask DisposeAsync()
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }

    /// <summary>A SignalR client beside the browser that records every bundle status pushed between Begin and End.</summary>
    private sealed class BundleWatch : IAsyncDisposable
    {
        private readonly HubConnection hub;
        private readonly ConcurrentQueue<BundleStatus> seen = new();
        private volatile bool recording;

        private BundleWatch(HubConnection hub)
        {
            this.hub = hub;
            hub.On<StatusUpdate>(nameof(IStatusClient.Update), u =>
            {
                if (recording)
                    foreach (var b in u.Bundles)
                        seen.Enqueue(b);
            });
        }

        public static async Task<BundleWatch> StartAsync(WebTestHost host)
        {
            var watch = new BundleWatch(host.Hub());
            await watch.hub.StartAsync();
            return watch;
        }

        public void Begin() => recording = true;

        public IReadOnlyList<BundleStatus> End()
        {
            recording = false;
            return seen.ToArray();
        }

        public async ValueTask DisposeAsync() => await hub.DisposeAsync();
    }
}
