using System.Diagnostics;
using System.Threading.Channels;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Status;
using Gateway.Web.Status;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Gateway.Tests.Web;

/// <summary>The SignalR hub: snapshot on connect, updates as things change, control only for the operator.</summary>
[Collection("Demo")]
public sealed class StatusHubTests : IAsyncLifetime
{
    private WebTestHost host = null!;

    public async Task InitializeAsync() => host = await WebTestHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task A_client_gets_the_whole_picture_on_connect()
    {
        var snapshots = Channel.CreateUnbounded<GatewaySnapshot>();
        await using var hub = host.Hub();
        hub.On<GatewaySnapshot>(nameof(IStatusClient.Snapshot), s => snapshots.Writer.TryWrite(s));
        await hub.StartAsync();

        var snapshot = await snapshots.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("demo", snapshot.Role);
        Assert.Equal(4, snapshot.Links.Count);
        // The demo runs both ends in one process: the gateway's vpn bundle and the receiver's bundle for it.
        Assert.Equal(4, snapshot.Sublinks.Count(s => s.Bundle == "vpn"));
        Assert.True(Assert.Single(snapshot.Bundles, b => b.Name == "vpn").Up);
        Assert.NotEmpty(snapshot.RecentLog);
    }

    [Fact]
    public async Task An_update_is_pushed_to_a_connected_client_when_a_link_changes_state()
    {
        var isp2States = Channel.CreateUnbounded<IspLinkState>();
        await using var hub = host.Hub();
        hub.On<StatusUpdate>(nameof(IStatusClient.Update), u =>
        {
            foreach (var link in u.Links.Where(l => l.Name == "isp2"))
                isp2States.Writer.TryWrite(link.State);
        });
        await hub.StartAsync();

        using var client = host.Client(WebTestHost.Password);
        (await client.PostAsync("api/links/isp2/close", null)).EnsureSuccessStatusCode();

        // Pushed, not polled: the client asks for nothing after connecting. How soon is the feed's interval
        // (StatusFeed.Interval), not something a unit test times; the timeout only guards against a hang.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new List<IspLinkState>();
        while (!seen.Contains(IspLinkState.Closed))
            seen.Add(await isp2States.Reader.ReadAsync(guard.Token));
        Assert.Equal(IspLinkState.Closed, seen[^1]);
    }

    [Theory]
    [InlineData(nameof(StatusHub.Dial))]
    [InlineData(nameof(StatusHub.Close))]
    [InlineData(nameof(StatusHub.Down))]
    public async Task Hub_control_without_login_is_refused(string method)
    {
        await using var hub = host.Hub();
        await hub.StartAsync();

        var error = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<LinkCommandResult>(method, "isp1"));
        Assert.Contains("unauthorized", error.Message);
        Assert.Equal(IspLinkState.Up, (await host.LinkAsync("isp1")).State);
    }

    [Fact]
    public async Task The_operator_drops_and_dials_through_the_hub()
    {
        await using var hub = host.Hub(WebTestHost.Password);
        await hub.StartAsync();

        var down = await hub.InvokeAsync<LinkCommandResult>(nameof(StatusHub.Down), "isp1");
        Assert.True(down.Found);
        Assert.NotEqual(IspLinkState.Up, (await host.LinkAsync("isp1")).State);
        var dial = await hub.InvokeAsync<LinkCommandResult>(nameof(StatusHub.Dial), "isp1");
        Assert.Equal(LinkCommandKind.Dial, dial.Kind);
        await host.WaitForLinkStateAsync("isp1", IspLinkState.Up, TimeSpan.FromSeconds(10));
    }
}
