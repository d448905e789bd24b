using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.DistributedData;
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
/// <para>
/// Akka's shard coordinator can lose a placement while it moves between nodes (a rolling restart: the departing one
/// places the shard as it hands over, and its successor starts without that placement), and then places the same shard
/// on a second node. Before it forms a bundle, the entity therefore looks at the cluster's lease of its identity: when
/// it is live on another node that is up and that node's entity answers (<see cref="Identify"/>), the entity sends its
/// members there instead, so that one gateway never has two bundles (docs/DESIGN.md, "Rolling restart").
/// </para>
/// </summary>
public sealed class BundleEntity : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly ReceiverOptions options;
    private readonly string identity;
    private readonly IActorRef receiver;
    private readonly HashSet<IActorRef> members = [];
    private readonly List<RemoteSublinkUp> waiting = [];
    private IActorRef? bundle;
    private IActorRef? elsewhere;
    private bool looking;
    private int lookup;
    private int address = -1;
    // The peer address of this gateway's lease as a majority of the nodes told it, if it has one.
    private int? leased;

    /// <summary>How long the entity waits for a majority of the nodes to tell it the leases before it forms the bundle here.</summary>
    public static readonly TimeSpan LeaseReadTimeout = TimeSpan.FromSeconds(1);

    /// <summary>How long the entity waits for the entity on the node its lease names to answer before it forms the bundle here.</summary>
    public static readonly TimeSpan IdentifyTimeout = TimeSpan.FromSeconds(1);

    public BundleEntity(ReceiverOptions options, string identity, IActorRef receiver)
    {
        this.options = options;
        this.identity = identity;
        this.receiver = receiver;
        Receive<RemoteSublinkUp>(Up);
        Receive<HandOff>(_ => HandedOff());
        var leaseKey = ClusterAddressBook.KeyOf(identity);
        Receive<GetSuccess>(g => g.Key.Equals(leaseKey), g => LeaseRead(ClusterAddressBook.Parse(g.Get(leaseKey))));
        Receive<NotFound>(n => n.Key.Equals(leaseKey), _ => FormHere());
        Receive<GetFailure>(f => f.Key.Equals(leaseKey), _ =>
        {
            log.Warning("cluster: the leases of {0} could not be read from a majority of the nodes within {1}; the bundle forms here", identity, LeaseReadTimeout);
            FormHere();
        });
        Receive<ActorIdentity>(i => Equals(i.MessageId, lookup), i =>
        {
            if (i.Subject is { } there && looking)
                JoinElsewhere(there);
            else
                FormHere();
        });
        Receive<IdentifyTimedOut>(t => t.Lookup == lookup, _ => FormHere());
        Receive<Terminated>(t =>
        {
            if (t.ActorRef.Equals(elsewhere))
            {
                // The bundle there stopped: the next member to ask looks at the leases again.
                elsewhere = null;
            }
            else if (t.ActorRef.Equals(bundle))
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
        ReceiveAny(m => (bundle ?? elsewhere)?.Forward(m));
    }

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(DisassociatedEvent));
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.ReachableMember));
    }

    protected override void PostStop()
    {
        // Stopped with its shard (handed off, or the region stopped): the lease is kept, no longer live here.
        if (bundle is not null)
            Lease(live: false);
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

    public ITimerScheduler Timers { get; set; } = null!;

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
        if (bundle is null && elsewhere is not null)
        {
            elsewhere.Tell(up, up.Relay);
            return;
        }
        if (bundle is null)
        {
            // Formed only once the leases say no other node holds this gateway's bundle (see the remarks). A relay asks
            // every 250 ms until answered: its latest request stands for the earlier ones.
            waiting.RemoveAll(w => w.Relay.Equals(up.Relay));
            waiting.Add(up);
            if (!looking)
            {
                looking = true;
                // From a majority of the nodes: a node that has just joined (restarted) may not have the leases yet.
                DistributedData.Get(Context.System).Replicator.Tell(Dsl.Get(ClusterAddressBook.KeyOf(identity), new ReadMajority(LeaseReadTimeout)));
            }
            return;
        }
        Join(up);
    }

    /// <summary>The lease of this identity as this node knows it: live on another node that is up, that node's entity is asked; else the bundle forms here.</summary>
    private void LeaseRead(IReadOnlyDictionary<string, AddressLease> leases)
    {
        if (!looking)
            return;
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        leased = leases.TryGetValue(identity, out var lease) ? lease.Address : null;
        if (lease is not null && lease.Live && lease.Node != cluster.SelfAddress.ToString()
            && cluster.State.Members.FirstOrDefault(m => m.Address.ToString() == lease.Node) is { Status: MemberStatus.Up } holder
            && !cluster.State.Unreachable.Contains(holder))
        {
            lookup++;
            Context.ActorSelection(new RootActorPath(holder.Address) / Self.Path.Elements).Tell(new Identify(lookup));
            Timers.StartSingleTimer("identify", new IdentifyTimedOut(lookup), IdentifyTimeout);
            return;
        }
        FormHere();
    }

    /// <summary>This gateway's bundle is on another node, placed there before the coordinator placed this shard here too: the members go there.</summary>
    private void JoinElsewhere(IActorRef there)
    {
        looking = false;
        elsewhere = there;
        Context.Watch(there);
        log.Warning("cluster: bundle for {0} is already on {1} (the shard coordinator placed it here as well); {2} member(s) join it there",
            identity, there.Path.Address, waiting.Count);
        foreach (var up in waiting)
            there.Tell(up, up.Relay);
        waiting.Clear();
    }

    /// <summary>No other node holds this gateway's bundle: it forms here with the members waiting.</summary>
    private void FormHere()
    {
        if (!looking)
            return;
        looking = false;
        var ups = waiting.ToList();
        waiting.Clear();
        foreach (var up in ups)
            Join(up);
    }

    private sealed record IdentifyTimedOut(int Lookup);

    private void Join(RemoteSublinkUp up)
    {
        if (bundle is null)
        {
            // The gateway's address back: the one its lease names, read from a majority of the nodes. The sublink's
            // node chose up.Address from its own copy of the leases, which may not have this lease yet (the write that
            // made it reached a majority, which need not include that node, and gossip takes a while).
            int chosen = leased is { } back && back < options.PeerAddresses.Count ? back : up.Address;
            if (chosen < 0 || chosen >= options.PeerAddresses.Count)
            {
                up.Relay.Tell(new Refused($"no peer address for a new bundle ({identity})"));
                return;
            }
            address = chosen;
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
