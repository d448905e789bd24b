using Akka.Actor;
using Gateway.Web.Security;

namespace Gateway.Web.Cluster;

/// <summary>One node of the receiver cluster as this node sees it.</summary>
/// <param name="Address">Its cluster address, <c>akka.tcp://gateway@HOST:PORT</c>.</param>
/// <param name="Status">Akka's member status: <c>Joining</c>, <c>Up</c>, <c>Leaving</c>, <c>Exiting</c>, <c>Down</c>, <c>Removed</c>.</param>
/// <param name="Reachable">False while this node's failure detector has it unreachable (before the split-brain resolver decides).</param>
/// <param name="Self">True for the node that answered.</param>
public sealed record ClusterNode(string Address, string Status, IReadOnlyList<string> Roles, bool Reachable, bool Self);

/// <summary><c>GET /api/cluster</c>: whether this process is a cluster node, and the cluster's members as it sees them.</summary>
public sealed record ClusterStatus(bool Enabled, string? Self, string? Leader, IReadOnlyList<ClusterNode> Nodes)
{
    public static readonly ClusterStatus Alone = new(false, null, null, []);

    /// <summary>The current state of <paramref name="system"/>'s cluster, or <see cref="Alone"/> when it is not a cluster node.</summary>
    public static ClusterStatus Of(ActorSystem system)
    {
        if (system is not ExtendedActorSystem { Provider: Akka.Cluster.IClusterActorRefProvider })
            return Alone;
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var nodes = state.Members
            .Select(m => new ClusterNode(m.Address.ToString(), m.Status.ToString(), m.Roles.Order(StringComparer.Ordinal).ToList(),
                !unreachable.Contains(m.Address), m.Address == cluster.SelfAddress))
            .OrderBy(n => n.Address, StringComparer.Ordinal)
            .ToList();
        return new ClusterStatus(true, cluster.SelfAddress.ToString(), state.Leader?.ToString(), nodes);
    }
}

/// <summary><c>GET /api/cluster</c> (issue 14): the receiver cluster's nodes and their state, from any node.</summary>
public static class ClusterApi
{
    public static void MapClusterApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api").WithTags("gateway").RequireAuthorization(SecurityPolicies.Viewer)
            .MapGet("/cluster", (ActorSystem system) => ClusterStatus.Of(system))
            .WithName("GetCluster")
            .WithSummary("The receiver cluster (Gateway:Cluster) as this node sees it: each node's address, status, roles and reachability; enabled false when the process runs alone.");
    }
}
