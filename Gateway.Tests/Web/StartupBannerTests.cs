using Gateway.Core.Status;
using Gateway.Web.Hosting;
using Gateway.Web.Status;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Web;

/// <summary>The dashboard's address and password are printed last, once the role's actors have started, set apart.</summary>
[Collection("Demo")]
public sealed class StartupBannerTests
{
    [Fact]
    public async Task The_banner_waits_for_the_links_and_bundles_to_come_up_and_stands_apart()
    {
        await using var app = GatewayWebApp.Build(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"], GatewayRole.Demo, WebTestHost.WebProjectDirectory);
        await app.StartAsync();

        await app.StartupSettledAsync(TimeSpan.FromSeconds(90), CancellationToken.None);

        // When the banner would be printed, the demo's start-up is over: every link up, every bundle up.
        var (snapshot, _) = app.App.Services.GetRequiredService<StatusBoard>().Snapshot("demo");
        Assert.Equal(4, snapshot.Links.Count);
        Assert.All(snapshot.Links, l => Assert.Equal(IspLinkState.Up, l.State));
        Assert.NotEmpty(snapshot.Bundles);
        Assert.All(snapshot.Bundles, b => Assert.True(b.Up, $"{b.Name} up"));

        var lines = app.Banner().Split(Environment.NewLine);
        Assert.Equal("", lines[0]);
        Assert.Matches("^=+$", lines[1]);
        Assert.StartsWith("  Dashboard (demo): http://127.0.0.1:", lines[2]);
        Assert.StartsWith("  Operator login: user 'operator', password '", lines[3]);
        Assert.Matches("^=+$", lines[4]);
        Assert.Equal(["", ""], lines[5..]);
    }
}
