using System.Net;
using System.Text.Json;
using Gateway.Web.Hosting;

namespace Gateway.Tests.Web;

/// <summary>Security headers, allowed hosts and the OpenAPI document's security, on the gateway role (no actors to wait for).</summary>
public sealed class WebHardeningTests(WebHardeningTests.GatewayRoleHost fixture) : IClassFixture<WebHardeningTests.GatewayRoleHost>
{
    private WebTestHost Host => fixture.Host;

    [Theory]
    [InlineData("/")]
    [InlineData("/js/main.js")]
    [InlineData("/api/snapshot")]
    [InlineData("/api/links/isp1/dial")] // refused (401): the answer still carries them
    public async Task The_page_and_the_api_carry_the_security_headers(string path)
    {
        using var client = Host.Client();
        using var request = new HttpRequestMessage(path.EndsWith("/dial") ? HttpMethod.Post : HttpMethod.Get, path);
        var response = await client.SendAsync(request);

        var csp = Header(response, "Content-Security-Policy");
        Assert.Contains("script-src 'self';", csp);
        Assert.Contains("style-src 'self';", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
    }

    [Theory]
    [InlineData("attacker.example", HttpStatusCode.BadRequest)]
    [InlineData("attacker.example:80", HttpStatusCode.BadRequest)]
    [InlineData("127.0.0.2", HttpStatusCode.BadRequest)]
    [InlineData("localhost", HttpStatusCode.OK)]
    [InlineData("127.0.0.1", HttpStatusCode.OK)]
    [InlineData("[::1]", HttpStatusCode.OK)]
    public async Task Only_the_allowed_hosts_are_served(string hostHeader, HttpStatusCode expected)
    {
        using var client = Host.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/snapshot") { Headers = { Host = hostHeader } };
        Assert.Equal(expected, (await client.SendAsync(request)).StatusCode);
    }

    [Theory]
    [InlineData("--AllowedHosts=gateway.example", "localhost", HttpStatusCode.BadRequest)] // replaces the defaults
    [InlineData("--AllowedHosts=gateway.example", "gateway.example", HttpStatusCode.OK)]
    [InlineData("--Gateway:Web:AllowedHosts=gateway.example", "localhost", HttpStatusCode.OK)] // adds to them
    [InlineData("--Gateway:Web:AllowedHosts=gateway.example", "gateway.example", HttpStatusCode.OK)]
    [InlineData("--Gateway:Web:AllowedHosts=gateway.example", "other.example", HttpStatusCode.BadRequest)]
    [InlineData("--AllowedHosts=*", "other.example", HttpStatusCode.OK)]
    public async Task Allowed_hosts_come_from_configuration(string option, string hostHeader, HttpStatusCode expected)
    {
        await using var host = await WebTestHost.StartAsync(GatewayRole.Gateway, option);
        using var client = host.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/snapshot") { Headers = { Host = hostHeader } };
        Assert.Equal(expected, (await client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_declares_basic_and_the_refusals_of_the_control_endpoints()
    {
        using var client = Host.Client();
        using var document = JsonDocument.Parse(await client.GetStringAsync("openapi/v1.json"));
        var root = document.RootElement;

        var basic = root.GetProperty("components").GetProperty("securitySchemes").GetProperty("Basic");
        Assert.Equal("http", basic.GetProperty("type").GetString());
        Assert.Equal("basic", basic.GetProperty("scheme").GetString());

        var paths = root.GetProperty("paths");
        foreach (var verb in new[] { "dial", "close", "down" })
        {
            var post = paths.GetProperty($"/api/links/{{name}}/{verb}").GetProperty("post");
            Assert.Contains(post.GetProperty("security").EnumerateArray(), r => r.TryGetProperty("Basic", out _));
            var responses = post.GetProperty("responses");
            foreach (var code in new[] { "401", "403", "429" })
                Assert.True(responses.TryGetProperty(code, out _), $"{verb} declares {code}");
            Assert.True(responses.GetProperty("429").GetProperty("headers").TryGetProperty("Retry-After", out _));
        }
        // Reading needs no credentials (Gateway:Web:OpenViewing is true by default).
        Assert.False(paths.GetProperty("/api/links").GetProperty("get").TryGetProperty("security", out _));
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(",", values)
            : throw new Xunit.Sdk.XunitException($"{response.RequestMessage?.RequestUri}: no {name} header");

    /// <summary>One gateway-role host for the tests that do not change its configuration.</summary>
    public sealed class GatewayRoleHost : IAsyncLifetime
    {
        public WebTestHost Host { get; private set; } = null!;

        public async Task InitializeAsync() => Host = await WebTestHost.StartAsync(GatewayRole.Gateway);

        public async Task DisposeAsync() => await Host.DisposeAsync();
    }
}
