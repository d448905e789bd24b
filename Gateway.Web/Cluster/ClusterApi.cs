using Akka.Actor;
using Gateway.Web.Security;

namespace Gateway.Web.Cluster;

/// <summary>One node of the receiver cluster as this node sees it.</summary>
/// <param name="Address">Its cluster address, <c>akka.tcp://gateway@HOST:PORT</c>.</param>
/// <param name="Status">Akka's member status: <c>Joining</c>, <c>Up</c>, <c>Leaving</c>, <c>Exiting</c>, <c>Down</c>, <c>Removed</c>.</param>
/// <param name="Reachable">False while this node's failure detector has it unreachable (before the split-brain resolver decides).</param>
/// <param name="Self">True for the node that answered.</param>
/// <param name="Listen">The UDP address its receiver takes sublinks on; null when the node did not answer in time.</param>
/// <param name="Sublinks">Sublinks (peers) its receiver holds now; null when the node did not answer in time.</param>
/// <param name="Bundles">Bundles its receiver holds now; null when the node did not answer in time.</param>
/// <param name="Leases">Peer-address leases of the whole cluster that its receiver knows of (live and kept); null when it did not answer.</param>
public sealed record ClusterNode(
    string Address, string Status, IReadOnlyList<string> Roles, bool Reachable, bool Self, string? Listen = null, int? Sublinks = null, int? Bundles = null,
    int? Leases = null);

/// <summary><c>GET /api/cluster</c>: whether this process is a cluster node, and the cluster's members as it sees them.</summary>
public sealed record ClusterStatus(bool Enabled, string? Self, string? Leader, IReadOnlyList<ClusterNode> Nodes)
{
    public static readonly ClusterStatus Alone = new(false, null, null, []);

    /// <summary>What a downed node says, in the log and in <see cref="Note"/>.</summary>
    public const string DownedNote =
        "this node was downed (the split-brain resolver found it on the minority side, or it was left alone) and is out of the cluster; " +
        "its receiver goes on serving its own sublinks and bundles; restart it to join the cluster again";

    /// <summary>
    /// This node was downed and removed: it is no longer a member and sees no other node. Its receiver goes on;
    /// <see cref="Nodes"/> then holds this node alone, with what its receiver holds.
    /// </summary>
    public bool Downed { get; init; }

    /// <summary>Why the view is what it is, in words (a downed node); null otherwise.</summary>
    public string? Note { get; init; }

    /// <summary>How long the view waits for each node's receiver to say what it holds.</summary>
    public static readonly TimeSpan NodeAskTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The current state of <paramref name="system"/>'s cluster, each reachable node's receiver asked (at once, at most
    /// <see cref="NodeAskTimeout"/>) for its address, sublinks and bundles; <see cref="Alone"/> when it is not a cluster node.
    /// </summary>
    public static async Task<ClusterStatus> OfAsync(ActorSystem system)
    {
        if (system is not ExtendedActorSystem { Provider: Akka.Cluster.IClusterActorRefProvider })
            return Alone;
        var cluster = Akka.Cluster.Cluster.Get(system);
        if (cluster.IsTerminated || cluster.SelfMember.Status is Akka.Cluster.MemberStatus.Down or Akka.Cluster.MemberStatus.Removed)
        {
            var own = await SummaryAsync(system, cluster.SelfAddress);
            var self = new ClusterNode(cluster.SelfAddress.ToString(), cluster.SelfMember.Status.ToString(),
                cluster.SelfRoles.Order(StringComparer.Ordinal).ToList(), Reachable: true, Self: true, own?.Listen, own?.Peers, own?.Bundles, own?.Leases);
            return new ClusterStatus(true, self.Address, null, [self]) { Downed = true, Note = DownedNote };
        }
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var nodes = await Task.WhenAll(state.Members.Select(async m =>
        {
            bool reachable = !unreachable.Contains(m.Address);
            var summary = reachable ? await SummaryAsync(system, m.Address) : null;
            return new ClusterNode(m.Address.ToString(), m.Status.ToString(), m.Roles.Order(StringComparer.Ordinal).ToList(), reachable,
                m.Address == cluster.SelfAddress, summary?.Listen, summary?.Peers, summary?.Bundles, summary?.Leases);
        }));
        return new ClusterStatus(true, cluster.SelfAddress.ToString(), state.Leader?.ToString(),
            nodes.OrderBy(n => n.Address, StringComparer.Ordinal).ToList());
    }

    private static async Task<Gateway.Core.Actors.ReceiverActor.NodeSummary?> SummaryAsync(ActorSystem system, Address node)
    {
        try
        {
            return await system.ActorSelection($"{node}/user/receiver")
                .Ask<Gateway.Core.Actors.ReceiverActor.NodeSummary>(new Gateway.Core.Actors.ReceiverActor.GetNodeSummary(), NodeAskTimeout);
        }
        catch (Exception e) when (e is AskTimeoutException or ActorNotFoundException or TaskCanceledException)
        {
            return null; // the node is there but its receiver did not answer: the view says so (null figures)
        }
    }
}

/// <summary><c>GET /api/cluster</c> (issue 14): the receiver cluster's nodes and their state, from any node.</summary>
public static class ClusterApi
{
    public static void MapClusterApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api").WithTags("gateway").RequireAuthorization(SecurityPolicies.Viewer)
            .MapGet("/cluster", (ActorSystem system) => ClusterStatus.OfAsync(system))
            .WithName("GetCluster")
            .WithSummary("The receiver cluster (Gateway:Cluster) as this node sees it: each node's address, status, roles and reachability, and what its receiver holds (UDP address, sublinks, bundles); enabled false when the process runs alone.");
    }
}
