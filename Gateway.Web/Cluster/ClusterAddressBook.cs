using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using Gateway.Core.Actors;

namespace Gateway.Web.Cluster;

/// <summary>
/// The receiver cluster's peer-address leases (issue 14, docs/CONFIG.md "Receiver cluster"): one
/// <see cref="LWWDictionary{TKey,TValue}"/> of Akka.DistributedData, bundle identity to <c>"ADDRESS live|kept NODE"</c>,
/// replicated to every node. This node's receiver tells it each lease its bundles take or keep
/// (<see cref="ReceiverActor.LeaseChanged"/>), written to a majority of the nodes (or, when they do not answer within
/// <see cref="WriteTimeout"/>, to this node and then by gossip); every change of the whole dictionary goes back to the
/// receiver (<see cref="ReceiverActor.ClusterLeases"/>), which chooses from its copy and never waits on the cluster.
/// </summary>
public sealed class ClusterAddressBook : ReceiveActor, IWithTimers
{
    /// <summary>How often the book introduces itself to the receiver again (one restarted by its supervisor forgot it).</summary>
    public static readonly TimeSpan Reintroduce = TimeSpan.FromSeconds(5);

    /// <summary>The replicated dictionary's key.</summary>
    public static readonly LWWDictionaryKey<string, string> Key = new("receiver-peer-addresses");

    public static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(2);

    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly IActorRef receiver;
    private readonly IActorRef replicator;
    private readonly Akka.Cluster.Cluster cluster;
    private readonly string node;
    private IReadOnlyDictionary<string, AddressLease> known = new Dictionary<string, AddressLease>();
    private HashSet<Address> up = [];

    public ClusterAddressBook(IActorRef receiver)
    {
        this.receiver = receiver;
        replicator = DistributedData.Get(Context.System).Replicator;
        cluster = Akka.Cluster.Cluster.Get(Context.System);
        node = cluster.SelfAddress.ToString();
        Receive<Changed>(c => c.Key.Equals(Key), c =>
        {
            known = Parse(c.Get(Key));
            receiver.Tell(new ReceiverActor.ClusterLeases(known));
        });
        Receive<Introduce>(_ =>
        {
            receiver.Tell(new ReceiverActor.UseAddressBook(Self, node, known));
            TellStripe();
        });
        Receive<ReceiverActor.LeaseChanged>(l =>
        {
            string value = Format(l.Address, l.Live, node);
            replicator.Tell(Dsl.Update(Key, LWWDictionary<string, string>.Empty, new WriteMajority(WriteTimeout),
                d => d.SetItem(cluster, l.Identity, value)));
        });
        // The receiver nodes that are up, by address: this node's place among them is its share of the addresses.
        Receive<ClusterEvent.CurrentClusterState>(state =>
        {
            up = state.Members.Where(IsUpReceiver).Select(m => m.Address).ToHashSet();
            TellStripe();
        });
        Receive<ClusterEvent.IMemberEvent>(e =>
        {
            if (IsUpReceiver(e.Member))
                up.Add(e.Member.Address);
            else
                up.Remove(e.Member.Address);
            TellStripe();
        });
        Receive<UpdateSuccess>(_ => { });
        // Written here and spread by gossip; the majority did not confirm in time (a node down, a partition).
        Receive<IUpdateResponse>(r => log.Debug("cluster address book: {0}", r));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef receiver) => Akka.Actor.Props.Create(() => new ClusterAddressBook(receiver));

    protected override void PreStart()
    {
        replicator.Tell(Dsl.Subscribe(Key, Self));
        receiver.Tell(new ReceiverActor.UseAddressBook(Self, node, known));
        Timers.StartPeriodicTimer("introduce", Introduce.Instance, Reintroduce);
        cluster.Subscribe(Self, typeof(ClusterEvent.IMemberEvent));
    }

    protected override void PostStop() => cluster.Unsubscribe(Self);

    private static bool IsUpReceiver(Member m) => m.Status == MemberStatus.Up && m.HasRole(ReceiverClusterSettings.Role);

    private void TellStripe()
    {
        var ordered = up.OrderBy(a => a, Address.Comparer).ToList();
        int index = ordered.IndexOf(cluster.SelfAddress);
        receiver.Tell(index < 0 ? new ReceiverActor.AddressStripe(0, 1) : new ReceiverActor.AddressStripe(index, ordered.Count));
    }

    private sealed record Introduce
    {
        public static Introduce Instance { get; } = new();
    }

    /// <summary><c>"12 live akka.tcp://gateway@10.0.0.1:4053"</c>: peer address index 12, held now by a bundle on that node.</summary>
    public static string Format(int address, bool live, string node) =>
        string.Create(CultureInfo.InvariantCulture, $"{address} {(live ? "live" : "kept")} {node}");

    /// <summary>The leases in <paramref name="data"/>; an entry that does not read as <see cref="Format"/> writes it is left out.</summary>
    public static IReadOnlyDictionary<string, AddressLease> Parse(LWWDictionary<string, string> data)
    {
        var leases = new Dictionary<string, AddressLease>(StringComparer.Ordinal);
        foreach (var (identity, value) in data.Entries)
        {
            var parts = value.Split(' ', 3);
            if (parts.Length == 3 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int address) && parts[1] is "live" or "kept")
                leases[identity] = new AddressLease(address, parts[2], parts[1] == "live");
        }
        return leases;
    }
}
