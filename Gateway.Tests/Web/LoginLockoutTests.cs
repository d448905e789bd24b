using System.Net;
using System.Net.Http.Json;
using Gateway.Web.Cli;
using Gateway.Web.Hosting;
using Gateway.Web.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Web;

/// <summary>
/// The failed-login lock-out through the real host: how long to wait, that the wait ends, and whose address counts
/// behind a reverse proxy. The throttle's clock is a fake one that the test moves.
/// </summary>
public sealed class LoginLockoutTests
{
    private const string Proxy = "--Gateway:Web:TrustedProxies=127.0.0.1"; // the tests' own address: they play the proxy

    [Fact]
    public async Task A_locked_out_address_is_told_when_to_retry_and_the_right_password_works_after_that()
    {
        var clock = new FakeTimeProvider();
        await using var host = await StartAsync(clock);
        using var client = host.Client();
        await LockOutAsync(client);

        var login = await LoginAsync(client, WebTestHost.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, login.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(60), login.Headers.RetryAfter?.Delta);
        using var basic = host.Client(WebTestHost.Password);
        var control = await basic.PostAsync("api/links/isp1/dial", null);
        Assert.Equal(HttpStatusCode.TooManyRequests, control.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(60), control.Headers.RetryAfter?.Delta);
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(CtlCommand.Failed, await CtlCommand.RunAsync([host.BaseAddress.ToString(), "dial", "isp1"], stdout, stderr, new StringReader(""), password: WebTestHost.Password));
        Assert.Contains("try again in 60 s", stderr.ToString());

        clock.Advance(TimeSpan.FromSeconds(59));
        login = await LoginAsync(client, WebTestHost.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, login.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), login.Headers.RetryAfter?.Delta);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, WebTestHost.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await basic.PostAsync("api/links/isp1/dial", null)).StatusCode); // let in; no gateway actor in this role
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_a_locked_out_client_does_not_lock_out_another()
    {
        await using var host = await StartAsync(new FakeTimeProvider(), Proxy);
        using var attacker = host.Client();
        attacker.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.66");
        using var operatorClient = host.Client();
        operatorClient.DefaultRequestHeaders.Add("X-Forwarded-For", "198.51.100.7");

        await LockOutAsync(attacker);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginAsync(attacker, WebTestHost.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(operatorClient, WebTestHost.Password)).StatusCode);
    }

    [Theory]
    [InlineData(null)] // no proxy configured
    [InlineData("--Gateway:Web:TrustedProxies=192.0.2.1")] // a proxy, but not the sender
    public async Task Forwarded_headers_from_a_sender_that_is_not_a_configured_proxy_are_ignored(string? proxies)
    {
        await using var host = await StartAsync(new FakeTimeProvider(), proxies is null ? [] : [proxies]);
        using var client = host.Client();
        // An attacker who could name any address would never be locked out: each guess claims a new one.
        for (var i = 0; i < LoginThrottle.MaxFailures; i++)
        {
            using var guess = new HttpRequestMessage(HttpMethod.Post, "api/login") { Content = JsonContent.Create(new LoginRequest("guess" + i)) };
            guess.Headers.Add("X-Forwarded-For", $"203.0.113.{i + 1}");
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(guess)).StatusCode);
        }
        using var next = new HttpRequestMessage(HttpMethod.Post, "api/login") { Content = JsonContent.Create(new LoginRequest(WebTestHost.Password)) };
        next.Headers.Add("X-Forwarded-For", "203.0.113.99");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendAsync(next)).StatusCode);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task Https_at_a_trusted_proxy_counts_as_https(bool trusted, bool hsts)
    {
        await using var host = await StartAsync(new FakeTimeProvider(), trusted ? Proxy : "--Gateway:Web:TrustedProxies=192.0.2.1", "--Gateway:Web:AllowedHosts=gateway.example");
        using var client = host.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/session") { Headers = { Host = "gateway.example" } };
        request.Headers.Add("X-Forwarded-Proto", "https");
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(hsts, response.Headers.Contains("Strict-Transport-Security"));
    }

    private static Task<WebTestHost> StartAsync(FakeTimeProvider clock, params string[] options) =>
        WebTestHost.StartAsync(new WebTestHost.Setup(GatewayRole.Gateway)
        {
            Options = options,
            ReplaceServices = services => services.AddSingleton(new LoginThrottle(clock)),
        });

    private static async Task LockOutAsync(HttpClient client)
    {
        for (var i = 0; i < LoginThrottle.MaxFailures; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(client, "guess" + i)).StatusCode);
    }

    private static Task<HttpResponseMessage> LoginAsync(HttpClient client, string password) =>
        client.PostAsJsonAsync("api/login", new LoginRequest(password));
}
