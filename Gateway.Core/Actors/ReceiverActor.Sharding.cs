using Akka.Actor;
using Akka.Event;
using Gateway.Core.Actors.Cluster;
using Gateway.Core.Ppp.Multilink;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Core.Actors;

/// <summary>
/// The receiver as a node of a cluster whose bundles are sharded (issue 14, <c>Gateway:Cluster:ShardBundles</c>): a
/// sublink that authenticated here is handed, through a <see cref="MemberRelay"/> of its own, to the bundle of its
/// identity wherever the cluster placed it (the shard region given by <see cref="UseBundleRegion"/>), with the peer
/// address this node chose from the cluster's leases for a bundle that does not exist yet. The sublink's socket and
/// session stay here; the bundle, its reassembly and its tun device are on the bundle's node. Without a region the
/// receiver keeps its own bundles, as a receiver alone does.
/// </summary>
public sealed partial class ReceiverActor
{
    private readonly Dictionary<IActorRef, IActorRef> relays = new();
    private readonly HashSet<IActorRef> shardedBundles = [];
    private IActorRef? bundleRegion;
    private int relaySerial;

    /// <summary>The cluster's shard region of bundles: from now on every sublink that authenticates here goes to it.</summary>
    public sealed record UseBundleRegion(IActorRef Region);

    /// <summary>The cluster placed a bundle on this node (<paramref name="Bundle"/>): counted as this node's until it stops.</summary>
    public sealed record ShardedBundleHere(IActorRef Bundle);

    /// <summary>Bundles on this node: its own, and the cluster's that it runs.</summary>
    private int BundleCount => bundles.Count + shardedBundles.Count;

    private void ReceiveSharding()
    {
        Receive<UseBundleRegion>(u =>
        {
            bundleRegion = u.Region;
            log.Info("receiver: bundles are the cluster's (sharded); sublinks that authenticate here join them wherever they are");
        });
        Receive<ShardedBundleHere>(h =>
        {
            if (shardedBundles.Add(h.Bundle))
                Context.Watch(h.Bundle);
        });
    }

    /// <summary>Hands <paramref name="up"/> to the cluster's bundle of <paramref name="identity"/>; false when bundles are this receiver's own.</summary>
    private bool HandToCluster(SublinkUp up, BundleIdentity identity)
    {
        if (bundleRegion is null)
            return false;
        if (relays.TryGetValue(up.Sublink, out var relay))
        {
            relay.Tell(up);
            return true;
        }
        int address = ChooseAddress(identity);
        if (address < 0)
        {
            up.Sublink.Tell(new Refused($"no address left for a new bundle ({identity})"));
            return true;
        }
        relays[up.Sublink] = Context.ActorOf(MemberRelay.Props(up, bundleRegion, identity.ToString(), address), $"relay-{++relaySerial}");
        return true;
    }

    /// <summary>A sublink ended: its relay stops by itself (it watches the sublink).</summary>
    private void ForgetRelay(IActorRef sublink) => relays.Remove(sublink);

    /// <summary>A bundle the cluster placed here stopped; true when <paramref name="actor"/> was one.</summary>
    private bool ShardedBundleStopped(IActorRef actor) => shardedBundles.Remove(actor);
}
