using System.Net;
using System.Net.Http.Json;
using Gateway.Core.Status;
using Gateway.Web.Hosting;
using Gateway.Web.Security;

namespace Gateway.Tests.Web;

/// <summary>The gateway and receiver roles start the same web layer; until their actors are wired, control answers 503.</summary>
public sealed class RoleHostTests
{
    [Theory]
    [InlineData(GatewayRole.Gateway)]
    [InlineData(GatewayRole.Receiver)]
    public async Task A_role_without_a_gateway_actor_serves_status_and_answers_control_with_503(GatewayRole role)
    {
        await using var host = await WebTestHost.StartAsync(role);
        using var client = host.Client(WebTestHost.Password);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("healthz")).StatusCode);
        var snapshot = await client.GetFromJsonAsync<GatewaySnapshot>("api/snapshot", WebTestHost.Json);
        Assert.Equal(role.Name(), snapshot!.Role);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.PostAsync("api/links/isp1/dial", null)).StatusCode);
    }

    [Fact]
    public async Task Viewing_can_be_closed_to_anonymous_clients()
    {
        await using var host = await WebTestHost.StartAsync(GatewayRole.Demo, "--Gateway:Web:OpenViewing=false");
        using var anonymous = host.Client();
        using var operatorClient = host.Client(WebTestHost.Password);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("api/links")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.GetAsync("api/links")).StatusCode);
    }

    [Fact]
    public void Outside_the_demo_no_password_is_generated()
    {
        var app = GatewayWebApp.Build(["--urls", "http://127.0.0.1:0"], GatewayRole.Gateway, WebTestHost.WebProjectDirectory);
        Assert.Equal(Environment.GetEnvironmentVariable(OperatorCredentials.EnvironmentVariable) is null ? OperatorPasswordSource.None : OperatorPasswordSource.Environment,
            app.Credentials.Source);
        Assert.Null(app.Credentials.GeneratedPassword);
    }
}
