using System.Net;
using System.Net.Http.Json;
using Gateway.Web.Hosting;
using Gateway.Web.Security;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.Web;

/// <summary>
/// A copy of the dashboard's login cookie (taken from a browser, a proxy log, a backup) is refused after a logout,
/// after a restart and after the password changes.
/// </summary>
public sealed class OperatorSessionTests
{
    [Fact]
    public async Task A_cookie_copied_before_logout_is_refused_after_it()
    {
        await using var host = await WebTestHost.StartAsync(GatewayRole.Gateway);
        using var session = await Session.LogInAsync(host);
        var copy = session.Cookie;
        Assert.True(await IsOperatorAsync(host, copy)); // the copy works while the session lasts

        await session.LogOutAsync();

        Assert.False(await IsOperatorAsync(host, copy));
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostWithCookieAsync(host, copy, "api/links/isp1/dial")).StatusCode);
    }

    [Fact]
    public async Task A_cookie_does_not_survive_a_restart()
    {
        var first = await WebTestHost.StartAsync(GatewayRole.Gateway);
        string cookie;
        try
        {
            using var session = await Session.LogInAsync(first);
            cookie = session.Cookie;
            Assert.True(await IsOperatorAsync(first, cookie));
        }
        finally
        {
            await first.DisposeAsync();
        }

        await using var second = await WebTestHost.StartAsync(GatewayRole.Gateway); // the same password
        Assert.False(await IsOperatorAsync(second, cookie));
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostWithCookieAsync(second, cookie, "api/links/isp1/dial")).StatusCode);
    }

    [Fact]
    public async Task A_cookie_issued_before_a_password_change_is_refused_after_it()
    {
        // The hash in appsettings.json, as an operator keeps it, so that it can change while the gateway runs.
        var contentRoot = Directory.CreateTempSubdirectory("gateway-settings-").FullName;
        try
        {
            WriteSettings(contentRoot, PasswordHash.Create(WebTestHost.Password, iterations: 1000));
            await using var host = await WebTestHost.StartAsync(new WebTestHost.Setup(GatewayRole.Gateway)
            {
                ContentRoot = contentRoot,
                PasswordOnCommandLine = false,
            });
            using var session = await Session.LogInAsync(host);
            Assert.True(await IsOperatorAsync(host, session.Cookie));

            const string newPassword = "the-new-operator-secret";
            WriteSettings(contentRoot, PasswordHash.Create(newPassword, iterations: 1000));
            ((IConfigurationRoot)host.App.App.Configuration).Reload(); // what the file watcher does when the file changes

            Assert.False(await IsOperatorAsync(host, session.Cookie));
            Assert.Equal(HttpStatusCode.Unauthorized, (await PostWithCookieAsync(host, session.Cookie, "api/links/isp1/dial")).StatusCode);
            using var oldPassword = host.Client(WebTestHost.Password);
            Assert.Equal(HttpStatusCode.Unauthorized, (await oldPassword.PostAsync("api/links/isp1/dial", null)).StatusCode);
            using var renewed = await Session.LogInAsync(host, newPassword);
            Assert.True(await IsOperatorAsync(host, renewed.Cookie));
        }
        finally
        {
            Directory.Delete(contentRoot, recursive: true);
        }
    }

    /// <summary>Replaces the file whole (a rename), so that a reload never reads it half written.</summary>
    private static void WriteSettings(string contentRoot, string passwordHash)
    {
        var path = Path.Combine(contentRoot, "appsettings.json");
        var json = System.Text.Json.JsonSerializer.Serialize(new { Gateway = new { Operator = new { PasswordHash = passwordHash } } });
        File.WriteAllText(path + ".new", json);
        File.Move(path + ".new", path, overwrite: true);
    }

    /// <summary>What the server says of a request that carries only this cookie (as a copy would).</summary>
    private static async Task<bool> IsOperatorAsync(WebTestHost host, string cookie)
    {
        using var client = WithoutCookieJar(host);
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/session");
        request.Headers.Add("Cookie", $"{SecurityPolicies.CookieName}={cookie}");
        var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<SessionInfo>(WebTestHost.Json))!.Operator;
    }

    private static async Task<HttpResponseMessage> PostWithCookieAsync(WebTestHost host, string cookie, string path)
    {
        using var client = WithoutCookieJar(host);
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("Cookie", $"{SecurityPolicies.CookieName}={cookie}");
        return await client.SendAsync(request);
    }

    /// <summary>A client that sends the Cookie header it is given, and no other.</summary>
    private static HttpClient WithoutCookieJar(WebTestHost host) =>
        new(new HttpClientHandler { UseCookies = false }) { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>A browser's login: its cookies, and the anti-forgery token its posts carry.</summary>
    private sealed class Session(WebTestHost host, HttpClient browser, CookieContainer cookies, string antiforgery) : IDisposable
    {
        public string Cookie => cookies.GetCookies(host.BaseAddress)[SecurityPolicies.CookieName]?.Value
            ?? throw new InvalidOperationException("the browser holds no login cookie");

        public static async Task<Session> LogInAsync(WebTestHost host, string password = WebTestHost.Password)
        {
            var cookies = new CookieContainer();
            var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = host.BaseAddress };
            var login = await browser.PostAsJsonAsync("api/login", new LoginRequest(password));
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            var info = await login.Content.ReadFromJsonAsync<SessionInfo>(WebTestHost.Json);
            return new Session(host, browser, cookies, info!.Antiforgery!);
        }

        public async Task LogOutAsync()
        {
            using var logout = new HttpRequestMessage(HttpMethod.Post, "api/logout");
            logout.Headers.Add(SecurityPolicies.AntiforgeryHeader, antiforgery);
            Assert.Equal(HttpStatusCode.NoContent, (await browser.SendAsync(logout)).StatusCode);
        }

        public void Dispose() => browser.Dispose();
    }
}
