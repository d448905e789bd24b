using System.Net;
using System.Net.Http.Json;
using Gateway.Web.Cli;
using Gateway.Web.Hosting;
using Gateway.Web.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Web;

/// <summary>
/// The failed-login lock-out through the real host: how long to wait, and that the wait ends. The throttle's clock is
/// a fake one that the test moves.
/// </summary>
public sealed class LoginLockoutTests
{
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
