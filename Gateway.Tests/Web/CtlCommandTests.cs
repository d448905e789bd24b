using Gateway.Core.Status;
using Gateway.Web.Cli;

namespace Gateway.Tests.Web;

/// <summary><c>gateway ctl</c> against the demo on a free port.</summary>
[Collection("Demo")]
public sealed class CtlCommandTests : IAsyncLifetime
{
    private WebTestHost host = null!;

    public async Task InitializeAsync() => host = await WebTestHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    private async Task<(int Code, string Out, string Err)> Ctl(string? password, params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = await CtlCommand.RunAsync([host.BaseAddress.ToString(), .. args], stdout, stderr, new StringReader(""), password: password);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Ctl_drops_and_dials_a_link()
    {
        var (code, output, _) = await Ctl(WebTestHost.Password, "down", "isp2");
        Assert.Equal(CtlCommand.Ok, code);
        Assert.Equal("isp2: down\n", output.Replace("\r", ""));
        Assert.NotEqual(IspLinkState.Up, (await host.LinkAsync("isp2")).State);

        (code, output, _) = await Ctl(WebTestHost.Password, "close", "isp2");
        Assert.Equal(CtlCommand.Ok, code);
        await host.WaitForLinkStateAsync("isp2", IspLinkState.Closed, TimeSpan.FromSeconds(2));

        (code, output, _) = await Ctl(WebTestHost.Password, "dial", "isp2");
        Assert.Equal(CtlCommand.Ok, code);
        Assert.Contains("isp2: dialing", output);
        await host.WaitForLinkStateAsync("isp2", IspLinkState.Up, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Ctl_shows_links_and_bundles_as_tables()
    {
        var (code, output, _) = await Ctl(null, "show", "links");
        Assert.Equal(CtlCommand.Ok, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("LINK", lines[0]);
        Assert.Equal(["isp1", "isp2", "isp3", "isp4"], lines[1..].Select(l => l.Split(' ')[0]));
        Assert.All(lines[1..], l => Assert.Contains(" up ", l));

        (code, output, _) = await Ctl(null, "show", "bundles");
        Assert.Equal(CtlCommand.Ok, code);
        Assert.Matches(@"(?m)^vpn +yes +1,2,3,4 +1500", output);
    }

    [Fact]
    public async Task Ctl_with_a_wrong_password_is_refused()
    {
        var (code, _, error) = await Ctl("wrong", "close", "isp1");
        Assert.Equal(CtlCommand.Failed, code);
        Assert.Contains("refused (HTTP 401)", error);
        Assert.Equal(IspLinkState.Up, (await host.LinkAsync("isp1")).State);
    }

    [Fact]
    public async Task Ctl_names_an_unknown_link()
    {
        var (code, _, error) = await Ctl(WebTestHost.Password, "dial", "isp7");
        Assert.Equal(CtlCommand.Failed, code);
        Assert.Contains("no link named isp7", error);
    }

    [Fact]
    public async Task Ctl_makes_a_member_a_backup_and_a_primary_again_as_set_policy_does()
    {
        var (code, output, _) = await Ctl(WebTestHost.Password, "policy", "vpn", "4", "backup");
        Assert.Equal(CtlCommand.Ok, code);
        Assert.Equal("vpn 4: backup\n", output.Replace("\r", ""));
        await host.WaitForBundleAsync("vpn", b => b.MemberDetails.Any(m => m is { Name: "4", Backup: true, CarriesData: false }), TimeSpan.FromSeconds(5));

        (code, _, _) = await Ctl(WebTestHost.Password, "policy", "vpn", "4", "primary", "2");
        Assert.Equal(CtlCommand.Ok, code);
        await host.WaitForBundleAsync("vpn", b => b.MemberDetails.Any(m => m is { Name: "4", Backup: false, Priority: 2 }), TimeSpan.FromSeconds(5));

        (code, _, _) = await Ctl(WebTestHost.Password, "policy", "vpn", "4", "primary");
        Assert.Equal(CtlCommand.Ok, code);
        await host.WaitForBundleAsync("vpn", b => b.MemberDetails.Any(m => m is { Name: "4", Priority: 1, CarriesData: true }), TimeSpan.FromSeconds(5));

        var (refused, _, error) = await Ctl("wrong", "policy", "vpn", "4", "backup");
        Assert.Equal(CtlCommand.Failed, refused);
        Assert.Contains("refused (HTTP 401)", error);
        (code, _, error) = await Ctl(WebTestHost.Password, "policy", "vpn", "9", "backup");
        Assert.Equal(CtlCommand.Failed, code);
        Assert.Contains("no member 9 in a bundle named vpn", error);
    }

    [Theory]
    [InlineData("policy", "vpn", "4")]
    [InlineData("policy", "vpn", "4", "spare")]
    [InlineData("policy", "vpn", "4", "primary", "0")]
    [InlineData("policy", "vpn", "4", "primary", "256")]
    [InlineData("policy", "vpn", "4", "backup", "2")]
    [InlineData("show")]
    [InlineData("show", "routes")]
    [InlineData("reboot", "isp1")]
    public async Task Ctl_rejects_a_wrong_command_line(params string[] args)
    {
        var (code, _, error) = await Ctl(null, args);
        Assert.Equal(CtlCommand.BadInput, code);
        Assert.Contains("usage: gateway ctl", error);
    }
}
