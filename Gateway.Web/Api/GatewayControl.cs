using Akka.Actor;
using Akka.Hosting;
using Gateway.Core.Actors;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Hosting;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Status;
using Gateway.Web.Status;

namespace Gateway.Web.Api;

/// <summary>The gateway actor is not running in this role, or did not answer in time.</summary>
public sealed class GatewayUnavailableException(string message) : Exception(message);

/// <summary>
/// The web layer's only way into the actors: link commands to <see cref="ActorKeys.Gateway"/>; snapshots from the
/// <see cref="StatusBoard"/> (the status events' one projection). Shared by the REST API and the hub.
/// </summary>
public sealed class GatewayControl(ActorRegistry registry, StatusBoard board, GatewayRoleInfo role)
{
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public Task<LinkCommandResult> SendAsync(string link, LinkCommandKind kind, CancellationToken cancellation) =>
        AskAsync<LinkCommandResult>(new LinkCommand(link, kind), "link commands", $"{kind.ToString().ToLowerInvariant()} {link}", cancellation);

    /// <summary>Makes a member of a bundle a backup or a primary of some priority (<see cref="MemberPolicyCommand"/>).</summary>
    public Task<MemberPolicyResult> SetPolicyAsync(string bundle, string member, MemberPolicy policy, CancellationToken cancellation) =>
        AskAsync<MemberPolicyResult>(new MemberPolicyCommand(bundle, member, policy), "member policies", $"{member} of {bundle}: {policy}", cancellation);

    private async Task<T> AskAsync<T>(object command, string kind, string what, CancellationToken cancellation)
    {
        if (!registry.TryGet<ActorKeys.Gateway>(out var gateway))
            throw new GatewayUnavailableException($"this role has no gateway actor: {kind} are not available");
        try
        {
            return await gateway.Ask<T>(command, AskTimeout, cancellation);
        }
        catch (AskTimeoutException)
        {
            throw new GatewayUnavailableException($"the gateway did not answer {what} within {AskTimeout.TotalSeconds:0} s");
        }
    }

    /// <summary>The whole current picture: the one projection of the status events that the hub and /metrics read too.</summary>
    public GatewaySnapshot Snapshot() => board.Snapshot(role.Name).Snapshot;
}
