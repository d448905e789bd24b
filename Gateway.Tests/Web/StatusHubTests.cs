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
    public async Task An_update_arrives_within_a_second_of_a_link_state_change()
    {
        var closedAt = Channel.CreateUnbounded<long>();
        await using var hub = host.Hub();
        hub.On<StatusUpdate>(nameof(IStatusClient.Update), u =>
        {
            if (u.Links.Any(l => l.Name == "isp2" && l.State == IspLinkState.Closed))
                closedAt.Writer.TryWrite(Stopwatch.GetTimestamp());
        });
        await hub.StartAsync();

        using var client = host.Client(WebTestHost.Password);
        var sent = Stopwatch.GetTimestamp();
        (await client.PostAsync("api/links/isp2/close", null)).EnsureSuccessStatusCode();

        var received = await closedAt.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(Stopwatch.GetElapsedTime(sent, received) < TimeSpan.FromSeconds(1), $"took {Stopwatch.GetElapsedTime(sent, received)}");
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
