using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Remote;
using Akka.Event;
using Gateway.Core.Actors;
using Gateway.Core.Actors.Messages;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Web.Cluster;

/// <summary>The key of the receiver cluster's shard region of bundles in Akka.Hosting's registry.</summary>
public sealed class BundleRegion;

/// <summary>
/// One gateway's bundle as an entity of the receiver cluster (issue 14, <c>Gateway:Cluster:ShardBundles</c>), keyed by
/// its identity (authname and endpoint discriminator): Akka.Cluster.Sharding places it on one node, where it runs the
/// receiver's bundle (<see cref="ReceiverBundleActor"/>, with its tun device there), and its members are
/// <see cref="Core.Actors.Cluster.MemberRelay"/>s on the nodes that hold the sublinks. It forms with the peer address
/// the first member's node chose from the cluster's leases, records the lease on this node's address book, and stops
/// (passivates) once its last member has gone, keeping the lease for the gateway's return. When its shard is handed off
/// because this node is leaving the cluster (<see cref="HandOff"/>), it tells its members' relays to ask for it again
/// only once the node has gone (<see cref="BundleMoving"/>).
/// </summary>
public sealed class BundleEntity : ReceiveActor
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly ReceiverOptions options;
    private readonly string identity;
    private readonly IActorRef receiver;
    private readonly HashSet<IActorRef> members = [];
    private IActorRef? bundle;
    private int address = -1;

    public BundleEntity(ReceiverOptions options, string identity, IActorRef receiver)
    {
        this.options = options;
        this.identity = identity;
        this.receiver = receiver;
        Receive<RemoteSublinkUp>(Up);
        Receive<HandOff>(_ => HandedOff());
        Receive<Terminated>(t =>
        {
            if (t.ActorRef.Equals(bundle))
            {
                Lease(live: false);
                bundle = null;
                Context.Parent.Tell(new Passivate(PoisonPill.Instance));
            }
            else if (members.Remove(t.ActorRef) && members.Count == 0 && bundle is not null)
            {
                Context.Stop(bundle);
            }
        });
        // A member's node gone or cut off: no data to its relay until it is heard from again (issue 14). A process
        // that dies closes its cluster connection at once (the remote association fails); a machine or network that dies
        // is seen by the failure detector. Either way the cluster downs the node later, and the relay goes with it.
        Receive<DisassociatedEvent>(d => ToRelaysOn(d.RemoteAddress, relay => new MemberUnreachable(relay, "its node's cluster connection closed")));
        Receive<ClusterEvent.UnreachableMember>(u => ToRelaysOn(u.Member.Address, relay => new MemberUnreachable(relay, "its node is unreachable")));
        Receive<ClusterEvent.ReachableMember>(r => ToRelaysOn(r.Member.Address, relay => new MemberReachable(relay)));
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
        // What a member's relay said before the bundle answered it (a report, a fragment held before the join).
        ReceiveAny(m => bundle?.Forward(m));
    }

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(DisassociatedEvent));
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.ReachableMember));
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }

    /// <summary>Tells the bundle, for each member whose relay lives on <paramref name="node"/>, what <paramref name="report"/> makes of it.</summary>
    private void ToRelaysOn(Address node, Func<IActorRef, object> report)
    {
        if (bundle is null)
            return;
        foreach (var relay in members.Where(m => m.Path.Address.Equals(node)))
            bundle.Tell(report(relay));
    }

    /// <param name="receiver">This node's receiver: it hears of the bundles placed here, and it lives as long as the node.</param>
    public static Props Props(ReceiverOptions options, string identity, IActorRef receiver) =>
        Akka.Actor.Props.Create(() => new BundleEntity(options, identity, receiver));

    /// <summary>What the shard tells its entities when it hands them off (the region's <c>HandOffStopMessage</c>): a rebalance, or this node leaving.</summary>
    public sealed class HandOff
    {
        public static readonly HandOff Instance = new();
    }

    /// <summary>
    /// The shard is handed off: the bundle stops here. When this node is leaving the cluster (its coordinated shutdown
    /// has begun), its shards are handed off while it may still run the shard coordinator, and a member that asked for
    /// the bundle at once would have that departing coordinator place it, in a placement its successor never learns
    /// (the next hand-off then waits for a shard the coordinator does not know, or a second bundle of the same identity
    /// forms). The members' relays are told to wait until this node has gone (its receiver stops with it). A rebalance
    /// while the node stays needs no wait: the coordinator stays too.
    /// </summary>
    private void HandedOff()
    {
        if (CoordinatedShutdown.Get(Context.System).ShutdownReason is not null)
        {
            foreach (var member in members)
                member.Tell(new BundleMoving(receiver));
            log.Info("cluster: bundle for {0} leaves with this node; its {1} members ask for it again once the node has gone", identity, members.Count);
        }
        Context.Stop(Self);
    }

    private void Up(RemoteSublinkUp up)
    {
        if (bundle is null)
        {
            if (up.Address < 0 || up.Address >= options.PeerAddresses.Count)
            {
                up.Relay.Tell(new Refused($"no peer address for a new bundle ({identity})"));
                return;
            }
            address = up.Address;
            var name = $"{options.Bundle.Name}-{address + 1}";
            bundle = Context.ActorOf(ReceiverBundleActor.Props(new BundleOptions
            {
                Settings = options.Bundle with
                {
                    Name = name,
                    Ipcp = options.Bundle.Ipcp with { PeerAddress = options.PeerAddresses[address] },
                },
                MemberSession = options.MemberSession,
                EchoPeriod = options.EchoPeriod,
                DataPlane = options.DataPlane,
            }), "bundle");
            Context.Watch(bundle);
            receiver.Tell(new ReceiverActor.ShardedBundleHere(bundle));
            Lease(live: true);
            log.Info("cluster: bundle {0} for {1} on this node, peer address {2}", name, identity, options.PeerAddresses[address]);
        }
        if (members.Add(up.Relay))
            Context.Watch(up.Relay);
        bundle.Forward(up);
    }

    private void Lease(bool live) =>
        Context.ActorSelection("/user/address-book").Tell(new ReceiverActor.LeaseChanged(identity, address, live));
}

/// <summary>Routes a <see cref="ForBundle"/> to the entity of its identity; 100 shards spread the bundles over the nodes.</summary>
public sealed class BundleMessageExtractor() : HashCodeMessageExtractor(100)
{
    public override string? EntityId(object message) => message is ForBundle f ? f.Identity : null;

    public override object? EntityMessage(object message) => message is ForBundle f ? f.Message : message;
}
