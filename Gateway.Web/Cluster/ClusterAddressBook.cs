using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using Gateway.Core.Actors;

namespace Gateway.Web.Cluster;

/// <summary>
/// The receiver cluster's peer-address leases (issue 14, docs/CONFIG.md "Receiver cluster"): bundle identity to
/// <c>"ADDRESS live|kept NODE"</c> in <see cref="Buckets"/> <see cref="LWWDictionary{TKey,TValue}"/>s of
/// Akka.DistributedData (<see cref="KeyOf"/>), replicated to every node. This node's receiver tells it each lease its
/// bundles take or keep (<see cref="ReceiverActor.LeaseChanged"/>), written to a majority of the nodes (or, when they
/// do not answer within <see cref="WriteTimeout"/>, to this node and then by gossip); the leases, as changed, go back
/// to the receiver at most every <see cref="PublishPeriod"/> (<see cref="ReceiverActor.ClusterLeases"/>), which chooses
/// from its copy and never waits on the cluster.
/// </summary>
/// <remarks>
/// A write to a majority carries the whole dictionary it changes: with one dictionary for every lease, 1,500 gateways
/// joining three nodes at once made each node serialise it 1,500 times: up to 910 KiB of RSS per bundle, and a join
/// twice as slow (docs/BENCHMARKS.md, "Receiver cluster scale"). In buckets, a write carries one bucket.
/// </remarks>
public sealed class ClusterAddressBook : ReceiveActor, IWithTimers
{
    /// <summary>How often the book introduces itself to the receiver again (one restarted by its supervisor forgot it).</summary>
    public static readonly TimeSpan Reintroduce = TimeSpan.FromSeconds(5);

    /// <summary>How many replicated dictionaries the leases are spread over, by a hash of the bundle identity.</summary>
    public const int Buckets = 256;

    /// <summary>The replicated dictionaries' keys, by bucket.</summary>
    public static readonly IReadOnlyList<LWWDictionaryKey<string, string>> Keys =
        Enumerable.Range(0, Buckets).Select(b => new LWWDictionaryKey<string, string>($"receiver-peer-addresses-{b}")).ToArray();

    /// <summary>How often, at most, the receiver is told the leases as they changed.</summary>
    public static readonly TimeSpan PublishPeriod = TimeSpan.FromMilliseconds(250);

    /// <summary>The key of the dictionary that holds <paramref name="identity"/>'s lease (FNV-1a of its UTF-8: the same on every node).</summary>
    public static LWWDictionaryKey<string, string> KeyOf(string identity)
    {
        uint hash = 2166136261;
        foreach (byte b in System.Text.Encoding.UTF8.GetBytes(identity))
            hash = (hash ^ b) * 16777619;
        return Keys[(int)(hash % Buckets)];
    }

    public static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(2);

    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly IActorRef receiver;
    private readonly IActorRef replicator;
    private readonly Akka.Cluster.Cluster cluster;
    private readonly string node;
    // Every lease, merged from the buckets as each one changes; what each bucket held last, to take out what it no longer holds.
    private readonly Dictionary<string, AddressLease> known = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyDictionary<string, AddressLease>> byBucket = [];
    private bool changed;
    private HashSet<Address> up = [];

    public ClusterAddressBook(IActorRef receiver)
    {
        this.receiver = receiver;
        replicator = DistributedData.Get(Context.System).Replicator;
        cluster = Akka.Cluster.Cluster.Get(Context.System);
        node = cluster.SelfAddress.ToString();
        Receive<Changed>(c =>
        {
            var key = (LWWDictionaryKey<string, string>)c.Key;
            var now = Parse(c.Get(key));
            if (byBucket.TryGetValue(key.Id, out var before))
            {
                foreach (var identity in before.Keys)
                    known.Remove(identity);
            }
            foreach (var (identity, lease) in now)
                known[identity] = lease;
            byBucket[key.Id] = now;
            changed = true;
        });
        Receive<Publish>(_ =>
        {
            if (!changed)
                return;
            changed = false;
            receiver.Tell(new ReceiverActor.ClusterLeases(new Dictionary<string, AddressLease>(known, StringComparer.Ordinal)));
        });
        Receive<Introduce>(_ =>
        {
            receiver.Tell(new ReceiverActor.UseAddressBook(Self, node, new Dictionary<string, AddressLease>(known, StringComparer.Ordinal)));
            TellStripe();
        });
        Receive<ReceiverActor.LeaseChanged>(l =>
        {
            string value = Format(l.Address, l.Live, node);
            replicator.Tell(Dsl.Update(KeyOf(l.Identity), LWWDictionary<string, string>.Empty, new WriteMajority(WriteTimeout),
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
        foreach (var key in Keys)
            replicator.Tell(Dsl.Subscribe(key, Self));
        receiver.Tell(new ReceiverActor.UseAddressBook(Self, node, new Dictionary<string, AddressLease>()));
        Timers.StartPeriodicTimer("introduce", Introduce.Instance, Reintroduce);
        Timers.StartPeriodicTimer("publish", Publish.Instance, PublishPeriod);
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

    private sealed record Publish
    {
        public static Publish Instance { get; } = new();
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
