using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Crypto;
using Gateway.Core.Status;
using Gateway.Tests.History;
using Gateway.Web.Security;

namespace Gateway.Tests.Web;

/// <summary>The REST API, its security, <c>/healthz</c>, <c>/metrics</c> and the OpenAPI document, on the demo role.</summary>
[Collection("Demo")]
public sealed class RestApiTests : IAsyncLifetime
{
    private WebTestHost host = null!;

    public async Task InitializeAsync() => host = await WebTestHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Links_and_bundles_are_readable_without_logging_in()
    {
        using var client = host.Client();
        var links = await client.GetFromJsonAsync<IspLinkStatus[]>("api/links", WebTestHost.Json);
        var bundles = await client.GetFromJsonAsync<BundleStatus[]>("api/bundles", WebTestHost.Json);

        Assert.Equal(["isp1", "isp2", "isp3", "isp4"], links!.Select(l => l.Name));
        Assert.All(links!, l => Assert.Equal(IspLinkState.Up, l.State));
        var vpn = Assert.Single(bundles!, b => b.Name == "vpn");
        Assert.True(vpn.Up);
        Assert.Equal(4, vpn.Members.Count);
        // Issue 16: the schedule (the demo sets none: latency, which runs no delay equaliser), and each member's echo
        // RTT (known after its first echo reply), which the fragmenter uses.
        Assert.Equal("latency", vpn.Schedule);
        Assert.Null(vpn.Equaliser);
        await host.WaitForBundleAsync("vpn", b => b.MemberDetails.Count == 4 && b.MemberDetails.All(m => m.RttMs > 0 && m.HoldMs >= 0), TimeSpan.FromSeconds(15));
        // Issue 13: every sublink says whether it is encrypted (the demo's are: the receiver requires it).
        var sublinks = await client.GetFromJsonAsync<SublinkStatus[]>("api/sublinks", WebTestHost.Json);
        Assert.NotEmpty(sublinks!);
        Assert.All(sublinks!, s => Assert.Equal((true, true, 0L), (s.Encryption.Enabled, s.Encryption.Encrypted, s.Encryption.Rejected.Total)));
        // Both ends run on this machine: AEGIS-256 where it has AES in hardware, ChaCha20-Poly1305 otherwise.
        var cipher = TransportCiphers.Name(TransportCiphers.Preferred);
        Assert.All(sublinks!, s => Assert.Equal(cipher, s.Encryption.Cipher));
    }

    [Theory]
    [InlineData("dial")]
    [InlineData("close")]
    [InlineData("down")]
    public async Task Control_without_credentials_is_refused_and_changes_nothing(string verb)
    {
        using var anonymous = host.Client();
        using var wrong = host.Client(password: "not-the-password");

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync($"api/links/isp1/{verb}", null)).StatusCode);
        var refused = await wrong.PostAsync($"api/links/isp1/{verb}", null);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("Basic", refused.Headers.WwwAuthenticate.ToString());
        Assert.Equal(IspLinkState.Up, (await host.LinkAsync("isp1")).State);
    }

    [Fact]
    public async Task Operator_with_basic_auth_closes_and_dials_a_link()
    {
        using var client = host.Client(WebTestHost.Password);

        var closed = await client.PostAsync("api/links/isp3/close", null);
        Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        var result = await closed.Content.ReadFromJsonAsync<LinkCommandResult>(WebTestHost.Json);
        Assert.Equal(("isp3", LinkCommandKind.Close, true), (result!.Link, result.Kind, result.Found));
        await host.WaitForLinkStateAsync("isp3", IspLinkState.Closed, TimeSpan.FromSeconds(2));

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("api/links/isp3/dial", null)).StatusCode);
        await host.WaitForLinkStateAsync("isp3", IspLinkState.Up, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task An_unknown_link_is_404()
    {
        using var client = host.Client(WebTestHost.Password);
        var response = await client.PostAsync("api/links/isp9/dial", null);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False((await response.Content.ReadFromJsonAsync<LinkCommandResult>(WebTestHost.Json))!.Found);
    }

    [Fact]
    public async Task The_operator_makes_a_member_a_backup_or_ranks_it_and_nobody_else_can()
    {
        using var anonymous = host.Client();
        using var client = host.Client(WebTestHost.Password);
        const string url = "api/bundles/vpn/members/4/policy";

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync(url, new { backup = true })).StatusCode);
        var backup = await client.PostAsJsonAsync(url, new { backup = true });

        Assert.Equal(HttpStatusCode.OK, backup.StatusCode);
        var result = await backup.Content.ReadFromJsonAsync<MemberPolicyResult>(WebTestHost.Json);
        Assert.Equal(("vpn", "4", true, "backup"), (result!.Bundle, result.Member, result.Found, result.Message));
        await host.WaitForBundleAsync("vpn", b => b.MemberDetails.Any(m => m is { Name: "4", Backup: true, CarriesData: false, SharePercent: 0.0 }), TimeSpan.FromSeconds(5));

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync(url, new { backup = false, priority = 2 })).StatusCode);
        await host.WaitForBundleAsync("vpn", b => b.MemberDetails.Any(m => m is { Name: "4", Backup: false, Priority: 2, CarriesData: false }), TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync(url, new { backup = false })).StatusCode);
        await host.WaitForBundleAsync("vpn", b => b.MemberDetails.Any(m => m is { Name: "4", Priority: 1, CarriesData: true }), TimeSpan.FromSeconds(5));

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync(url, new { backup = false, priority = 0 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync(url, new { backup = true, priority = 2 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync("api/bundles/vpn/members/9/policy", new { backup = true })).StatusCode);
    }

    [Fact]
    public async Task A_cookie_session_must_send_the_antiforgery_token_with_its_posts()
    {
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler) { BaseAddress = host.BaseAddress };

        var login = await browser.PostAsJsonAsync("api/login", new LoginRequest(WebTestHost.Password));
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var session = await login.Content.ReadFromJsonAsync<SessionInfo>(WebTestHost.Json);
        Assert.True(session!.Operator);

        Assert.Equal(HttpStatusCode.BadRequest, (await browser.PostAsync("api/links/isp4/down", null)).StatusCode);
        Assert.Equal(IspLinkState.Up, (await host.LinkAsync("isp4")).State);

        using var withToken = new HttpRequestMessage(HttpMethod.Post, "api/links/isp4/down");
        withToken.Headers.Add(SecurityPolicies.AntiforgeryHeader, session.Antiforgery);
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(withToken)).StatusCode);
        Assert.NotEqual(IspLinkState.Up, (await host.LinkAsync("isp4")).State);
    }

    [Fact]
    public async Task Failed_logins_are_rate_limited_even_for_the_right_password_afterwards()
    {
        using var client = host.Client();
        for (var i = 0; i < LoginThrottle.MaxFailures; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("api/login", new LoginRequest("guess" + i))).StatusCode);

        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.PostAsJsonAsync("api/login", new LoginRequest(WebTestHost.Password))).StatusCode);
        using var basic = host.Client(WebTestHost.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await basic.PostAsync("api/links/isp1/dial", null)).StatusCode);
    }

    [Fact]
    public async Task A_post_from_another_origin_is_refused()
    {
        using var client = host.Client(WebTestHost.Password);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/links/isp1/close");
        request.Headers.Add("Origin", "http://attacker.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(request)).StatusCode);
        Assert.Equal(IspLinkState.Up, (await host.LinkAsync("isp1")).State);
    }

    [Theory]
    [InlineData("http://attacker.example", false)]
    [InlineData(null, true)]
    public async Task A_websocket_to_the_hub_from_another_origin_is_refused(string? foreignOrigin, bool accepted)
    {
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", foreignOrigin ?? $"http://{host.BaseAddress.Authority}");
        var uri = new UriBuilder(host.BaseAddress) { Scheme = "ws", Path = Gateway.Web.Status.StatusHub.Path }.Uri;
        if (accepted)
        {
            await socket.ConnectAsync(uri, CancellationToken.None);
            Assert.Equal(System.Net.WebSockets.WebSocketState.Open, socket.State);
        }
        else
        {
            await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() => socket.ConnectAsync(uri, CancellationToken.None));
        }
    }

    [Fact]
    public async Task Healthz_answers_healthy()
    {
        using var client = host.Client();
        var response = await client.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_have_per_link_and_per_bundle_series_in_prometheus_format()
    {
        using var client = host.Client();
        // Goodput is measured over a window after the bundle comes up; the member's round trip after its first echo reply.
        await host.WaitForBundleAsync("vpn", b => b.Traffic?.GoodputBitsPerSecond > 0, TimeSpan.FromSeconds(20));
        string text = "";
        await HistoryTestSupport.WaitUntilAsync(async () =>
        {
            text = await client.GetStringAsync("metrics");
            return Regex.IsMatch(text, @"gateway_sublink_rtt_milliseconds\{bundle=""vpn"",sublink=""1""\} [1-9]");
        }, "sublink 1 has a round trip", TimeSpan.FromSeconds(20));

        Assert.Contains("# TYPE gateway_link_octets_total counter", text);
        foreach (var link in new[] { "isp1", "isp2", "isp3", "isp4" })
            Assert.Contains($"gateway_link_up{{link=\"{link}\"}} 1", text);
        Assert.Contains("gateway_bundle_up{bundle=\"vpn\"} 1", text);
        Assert.Contains("gateway_sublink_encrypted{bundle=\"vpn\",sublink=\"1\"} 1", text);
        Assert.Contains("gateway_bundle_members{bundle=\"vpn\"} 4", text);
        Assert.Matches(@"gateway_bundle_goodput_bits_per_second\{bundle=""vpn""\} [1-9]", text);
        // the bundle came up: how long its IPCP took after the first member joined (a positive figure)
        Assert.Matches(@"(?m)^gateway_bundle_bringup_seconds\{bundle=""vpn""\} [0-9.]+(e-?[0-9]+)?$", text);
        Assert.DoesNotMatch(@"(?m)^gateway_bundle_bringup_seconds\{bundle=""vpn""\} 0$", text);
        Assert.Matches(@"gateway_sublink_rtt_milliseconds\{bundle=""vpn"",sublink=""1""\} [1-9]", text);
        // The members run LCP echo, which measures no inbound loss: that figure is left out, never exported as NaN.
        // The process's own figures (what an operator graphs to see a leak).
        Assert.Matches(@"(?m)^dotnet_total_memory_bytes [1-9]", text);
        Assert.Matches(@"(?m)^process_num_threads [1-9]", text);
        Assert.Matches(@"(?m)^process_working_set_bytes [1-9]", text);
        Assert.DoesNotContain("NaN", text);
        Assert.DoesNotContain("gateway_sublink_loss_percent{bundle=\"vpn\",sublink=\"1\",direction=\"in\"}", text);
        Assert.Contains("gateway_sublink_loss_percent{bundle=\"vpn\",sublink=\"1\",direction=\"out\"}", text);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_api()
    {
        using var client = host.Client();
        var text = await client.GetStringAsync("openapi/v1.json");
        foreach (var path in new[] { "/api/links", "/api/bundles", "/api/links/{name}/dial", "/api/links/{name}/close", "/api/links/{name}/down", "/api/bundles/{bundle}/members/{member}/policy" })
            Assert.Contains($"\"{path}\"", text);
    }

    [Fact]
    public async Task The_dashboard_page_and_its_libraries_are_served_locally()
    {
        using var client = host.Client();
        var page = await client.GetStringAsync("/");
        Assert.Contains("lib/signalr.min.js", page);
        Assert.Contains("lib/uPlot.iife.min.js", page);
        Assert.DoesNotContain("http://", page.Replace("http://www.w3.org", ""));
        Assert.DoesNotContain("https://", page);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("lib/signalr.min.js")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("lib/uPlot.iife.min.js")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("js/main.js")).StatusCode);
    }

    [Fact]
    public async Task The_dashboard_has_an_icon_where_browsers_look_for_one()
    {
        using var client = host.Client();
        Assert.Contains("rel=\"icon\" href=\"favicon.svg\"", await client.GetStringAsync("/"));
        var svg = await client.GetAsync("favicon.svg");
        Assert.Equal(HttpStatusCode.OK, svg.StatusCode);
        Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType?.MediaType);
        // Browsers and feed readers still ask for /favicon.ico without reading the page.
        var ico = await client.GetAsync("favicon.ico");
        Assert.Equal(HttpStatusCode.OK, ico.StatusCode);
        Assert.Equal("image/x-icon", ico.Content.Headers.ContentType?.MediaType);
        Assert.Equal(new byte[] { 0, 0, 1, 0 }, (await ico.Content.ReadAsByteArrayAsync())[..4]);
    }
}
