using Gateway.Core.Actors.Messages;
using Gateway.Core.Status;
using Gateway.Web.Api;
using Gateway.Web.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Gateway.Web.Status;

/// <summary>What the server calls on a dashboard client.</summary>
public interface IStatusClient
{
    /// <summary>The whole current picture, sent once right after connecting.</summary>
    Task Snapshot(GatewaySnapshot snapshot);

    /// <summary>Everything that changed since the last snapshot or update (at most about 10 a second).</summary>
    Task Update(StatusUpdate update);
}

/// <summary>
/// The dashboard's hub at <c>/hub/status</c>: a snapshot on connect, then batched updates from <see cref="StatusFeed"/>;
/// the control methods need an authenticated operator.
/// </summary>
[Authorize(Policy = SecurityPolicies.Viewer)]
public sealed class StatusHub(StatusFeed feed, GatewayControl control) : Hub<IStatusClient>
{
    public const string Path = "/hub/status";

    public override async Task OnConnectedAsync()
    {
        var (snapshot, version) = feed.SnapshotForNewClient();
        await Clients.Caller.Snapshot(snapshot);
        feed.Join(Context.ConnectionId, version);
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        feed.Leave(Context.ConnectionId);
        return Task.CompletedTask;
    }

    [Authorize(Policy = SecurityPolicies.Operator)]
    public Task<LinkCommandResult> Dial(string link) => Run(link, LinkCommandKind.Dial);

    [Authorize(Policy = SecurityPolicies.Operator)]
    public Task<LinkCommandResult> Close(string link) => Run(link, LinkCommandKind.Close);

    [Authorize(Policy = SecurityPolicies.Operator)]
    public Task<LinkCommandResult> Down(string link) => Run(link, LinkCommandKind.Down);

    private async Task<LinkCommandResult> Run(string link, LinkCommandKind kind)
    {
        try
        {
            return await control.SendAsync(link, kind, Context.ConnectionAborted);
        }
        catch (GatewayUnavailableException e)
        {
            throw new HubException(e.Message);
        }
    }
}
