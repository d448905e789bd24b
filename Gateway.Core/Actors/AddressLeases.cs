namespace Gateway.Core.Actors;

/// <summary>
/// One gateway's hold on a peer address of <c>set ifaddr</c> in a receiver cluster: which address (an index into the
/// range), the node that gave it, and whether a bundle on that node holds it now (<see cref="Live"/>) or held it last
/// (kept so that the gateway gets it back wherever its bundle forms again).
/// </summary>
public sealed record AddressLease(int Address, string Node, bool Live);

/// <summary>
/// The receiver cluster's peer addresses (issue 14): every node's leases, as the cluster has replicated them to this
/// node, and the choice of an address for a new bundle. Pure: the leases come and go as messages
/// (<see cref="ReceiverActor.ClusterLeases"/>), and the choice reads only them and what this node holds.
/// </summary>
/// <remarks>
/// The choice is made from this node's copy, without a round trip: a bundle never waits for the cluster (a node cut off
/// from the others goes on choosing from what it last knew). Two nodes that choose at the same moment, before either
/// lease has reached the other, can pick one address for two gateways; <see cref="Conflicts"/> finds that once the
/// leases meet, and the receiver reports it.
/// </remarks>
public sealed class AddressLeases
{
    private IReadOnlyDictionary<string, AddressLease> leases = new Dictionary<string, AddressLease>();
    // By address: how many leases hold it (live or kept), and how many of those are live. Counted once per Replace, so
    // that choosing an address for a new bundle allocates nothing and walks no lease.
    private Dictionary<int, (int Held, int Live)> byAddress = [];

    /// <summary>
    /// This node's share of the addresses: those whose index modulo <see cref="Stripe"/>'s <c>Of</c> (the nodes that are
    /// up) is its <c>Index</c> (its place among them), tried first by <see cref="Choose"/>, so that nodes choosing at the
    /// same moment choose different addresses. (0, 1): every address, in order (a node alone, or not yet up).
    /// </summary>
    public (int Index, int Of) Stripe { get; private set; } = (0, 1);

    /// <summary>The nodes' membership changed: this node is <paramref name="index"/> of <paramref name="of"/>.</summary>
    public void UseStripe(int index, int of) => Stripe = of >= 1 && index >= 0 && index < of ? (index, of) : (0, 1);

    /// <summary>How many leases the cluster holds (live and kept).</summary>
    public int Count => leases.Count;

    /// <summary>The cluster's leases by bundle identity, as last replicated to this node.</summary>
    public void Replace(IReadOnlyDictionary<string, AddressLease> all)
    {
        leases = all;
        var counts = new Dictionary<int, (int Held, int Live)>();
        foreach (var lease in all.Values)
        {
            var (held, live) = counts.GetValueOrDefault(lease.Address);
            counts[lease.Address] = (held + 1, live + (lease.Live ? 1 : 0));
        }
        byAddress = counts;
    }

    /// <summary>The lease of <paramref name="identity"/>, if the cluster has one.</summary>
    public AddressLease? Of(string identity) => leases.GetValueOrDefault(identity);

    /// <summary>
    /// The address for a new bundle of <paramref name="identity"/>, among those <paramref name="freeHere"/> accepts
    /// (not held by a bundle of this node): the one it had, unless another gateway's bundle holds it now; else the
    /// first of this node's <see cref="Stripe"/> that no other gateway holds or held; else the first such address of
    /// any stripe; else the first that no other gateway's bundle holds now (the kept address of a gateway that is not
    /// connected is given to another). -1 when none is left.
    /// </summary>
    public int Choose(string identity, int count, Func<int, bool> freeHere)
    {
        var own = Of(identity);
        // Another gateway's leases on address i: all of them, less this gateway's own.
        (int Held, int Live) Others(int i)
        {
            var (held, live) = byAddress.GetValueOrDefault(i);
            return own is { } o && o.Address == i ? (held - 1, live - (o.Live ? 1 : 0)) : (held, live);
        }
        if (own is not null && own.Address < count && freeHere(own.Address) && Others(own.Address).Live == 0)
            return own.Address;
        // A join storm on several nodes at once (a concentrator restarted): each takes from its own share first, where
        // no other node's choice, not yet replicated here, can meet it.
        for (int i = Stripe.Index; Stripe.Of > 1 && i < count; i += Stripe.Of)
        {
            if (freeHere(i) && Others(i).Held == 0)
                return i;
        }
        for (int i = 0; i < count; i++)
        {
            if (freeHere(i) && Others(i).Held == 0)
                return i;
        }
        for (int i = 0; i < count; i++)
        {
            if (freeHere(i) && Others(i).Live == 0)
                return i;
        }
        return -1;
    }

    /// <summary>
    /// Addresses that bundles on two nodes hold at once (each pair once): <c>(address, identity on
    /// <paramref name="node"/>, the other identity, the other node)</c> for every live lease of this node that another
    /// node's live lease shares.
    /// </summary>
    public IEnumerable<(int Address, string Identity, string Other, string OtherNode)> Conflicts(string node)
    {
        // One pass to group the live leases by address, so that this stays linear in the leases (it runs at each change).
        var live = new Dictionary<int, List<(string Identity, string Node)>>();
        foreach (var (identity, lease) in leases)
        {
            if (!lease.Live)
                continue;
            if (!live.TryGetValue(lease.Address, out var holders))
                live[lease.Address] = holders = [];
            holders.Add((identity, lease.Node));
        }
        foreach (var (address, holders) in live)
        {
            if (holders.Count < 2)
                continue;
            foreach (var mine in holders.Where(h => h.Node == node))
            {
                foreach (var theirs in holders.Where(h => h.Node != node))
                    yield return (address, mine.Identity, theirs.Identity, theirs.Node);
            }
        }
    }
}
