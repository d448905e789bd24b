using Gateway.Core.Ppp.Multilink;

namespace Gateway.Core.Actors;

/// <summary>
/// The receiver's bundles (RFC 1990 5.1.3: one per peer authname and endpoint discriminator), the sublinks handed to
/// each, the <c>set ifaddr</c> peer addresses they hold, and when a bundle stops. Pure state for
/// <see cref="ReceiverActor"/>: it alone hands sublinks to bundles, so it alone decides when a bundle has none left.
/// </summary>
/// <remarks>
/// A bundle stops when the last sublink handed to it has ended, and keeps its address until it has stopped (its tun
/// device, which holds the address, closes as it stops). A sublink of the same identity that comes up in between
/// waits, and is handed to the identity's next bundle, which gets the freed address: the gateway's bundle re-forms
/// with the address it had. Before this table, a bundle stopped itself when its last sublink ended, and a sublink that
/// came up before the receiver heard of that stop was handed to the stopping bundle and lost: it stayed up, answering
/// echoes, while what the gateway sent on it went nowhere (seen in the flapping soak after a receiver freeze).
/// </remarks>
public sealed class ReceiverBundleTable<TRef, TPending> where TRef : notnull
{
    private sealed class Entry(BundleIdentity identity, TRef bundle, int address, string name)
    {
        public BundleIdentity Identity { get; } = identity;
        public TRef Bundle { get; } = bundle;
        public int Address { get; } = address;
        public string Name { get; } = name;
        public int Sublinks { get; set; }
        public bool Stopping { get; set; }
        public List<(TRef Sublink, TPending Pending)> Waiting { get; } = [];
    }

    private readonly bool[] addressInUse;
    private readonly Dictionary<BundleIdentity, Entry> byIdentity = new();
    private readonly Dictionary<TRef, Entry> byBundle = new();
    private readonly Dictionary<string, Entry> byName = new(StringComparer.Ordinal);
    private readonly Dictionary<TRef, Entry> bundleOfSublink = new();
    private readonly Dictionary<TRef, Entry> waitingFor = new();

    /// <param name="addresses">How many peer addresses <c>set ifaddr</c> gives (one bundle each).</param>
    public ReceiverBundleTable(int addresses) => addressInUse = new bool[addresses];

    /// <summary>Bundles, stopping ones included.</summary>
    public int Count => byBundle.Count;

    /// <summary>What a sublink that came up with <see cref="Adopt"/>'s identity should do.</summary>
    public enum Placement
    {
        /// <summary>Its identity's bundle is there: hand the sublink to it (<see cref="Adopt"/> said which).</summary>
        Join,

        /// <summary>Its identity's bundle is stopping: the sublink waits for it (<see cref="BundleStopped"/> gives it back).</summary>
        Wait,

        /// <summary>No bundle yet: make one (with <see cref="Add"/>) on a free address (<see cref="FreeAddress"/>).</summary>
        Create,
    }

    /// <summary>
    /// Where <paramref name="sublink"/> of <paramref name="identity"/> goes. On <see cref="Placement.Join"/> it is counted
    /// as the bundle's (<paramref name="bundle"/>); on <see cref="Placement.Wait"/> it is kept with
    /// <paramref name="pending"/> until the stopping bundle has stopped.
    /// </summary>
    public Placement Adopt(BundleIdentity identity, TRef sublink, TPending pending, out TRef? bundle)
    {
        bundle = default;
        if (!byIdentity.TryGetValue(identity, out var entry))
            return Placement.Create;
        if (entry.Stopping)
        {
            if (waitingFor.TryAdd(sublink, entry))
                entry.Waiting.Add((sublink, pending));
            return Placement.Wait;
        }
        CountIn(entry, sublink);
        bundle = entry.Bundle;
        return Placement.Join;
    }

    /// <summary>The first peer address not held by a bundle (an index into <c>set ifaddr</c>'s range), or -1 when all are.</summary>
    public int FreeAddress() => Array.IndexOf(addressInUse, false);

    /// <summary>Whether no bundle (stopping ones included) holds peer address <paramref name="address"/>.</summary>
    public bool IsFree(int address) => !addressInUse[address];

    /// <summary>Every bundle's identity and peer address, stopping ones included.</summary>
    public IEnumerable<(BundleIdentity Identity, int Address)> Held => byBundle.Values.Select(e => (e.Identity, e.Address));

    /// <summary>The identity and peer address of <paramref name="bundle"/>; null when it is not in the table.</summary>
    public (BundleIdentity Identity, int Address)? HeldBy(TRef bundle) =>
        byBundle.TryGetValue(bundle, out var entry) ? (entry.Identity, entry.Address) : null;

    /// <summary>A new bundle for <paramref name="identity"/> on <paramref name="address"/>, with <paramref name="firstSublink"/> handed to it.</summary>
    public void Add(BundleIdentity identity, TRef bundle, int address, string name, TRef firstSublink)
    {
        if (byIdentity.ContainsKey(identity))
            throw new InvalidOperationException($"{identity} has a bundle already");
        if (addressInUse[address])
            throw new InvalidOperationException($"address {address} is held already");
        var entry = new Entry(identity, bundle, address, name);
        addressInUse[address] = true;
        byIdentity[identity] = entry;
        byBundle[bundle] = entry;
        byName[name] = entry;
        CountIn(entry, firstSublink);
    }

    private void CountIn(Entry entry, TRef sublink)
    {
        // A sublink that left the Network phase and authenticated again is counted once.
        if (bundleOfSublink.TryAdd(sublink, entry))
            entry.Sublinks++;
    }

    /// <summary>
    /// A sublink that had been handed to a bundle came up again, as <paramref name="identity"/>: if that is another
    /// identity than its bundle's, it leaves that bundle, and the bundle is returned when it has to stop (as
    /// <see cref="SublinkEnded"/>); otherwise nothing changes.
    /// </summary>
    public TRef? Rejoining(TRef sublink, BundleIdentity identity) =>
        bundleOfSublink.TryGetValue(sublink, out var entry) && !entry.Identity.Equals(identity) ? SublinkEnded(sublink) : default;

    /// <summary>
    /// A sublink ended. Returns the bundle to stop when it was the last one handed to it (the bundle is stopping from
    /// now on); a waiting sublink just stops waiting.
    /// </summary>
    public TRef? SublinkEnded(TRef sublink)
    {
        if (bundleOfSublink.Remove(sublink, out var entry))
        {
            if (--entry.Sublinks > 0 || entry.Stopping)
                return default;
            entry.Stopping = true;
            return entry.Bundle;
        }
        // Every peer that ends comes here, strangers' half-open ones included: a look-up, not a walk over the bundles.
        if (waitingFor.Remove(sublink, out var waitedFor))
            waitedFor.Waiting.RemoveAll(w => EqualityComparer<TRef>.Default.Equals(w.Sublink, sublink));
        return default;
    }

    /// <summary>
    /// A bundle stopped: its identity and address are free, and the sublinks that waited for it are returned to be
    /// placed again (with <see cref="Adopt"/>, in the order they came up). False when the bundle was not in the table.
    /// </summary>
    public bool BundleStopped(TRef bundle, out IReadOnlyList<TPending> waiting)
    {
        waiting = [];
        if (!byBundle.Remove(bundle, out var entry))
            return false;
        byIdentity.Remove(entry.Identity);
        byName.Remove(entry.Name);
        addressInUse[entry.Address] = false;
        // Only a bundle stopped with sublinks still counted (not by this table's decision) leaves any behind.
        if (entry.Sublinks > 0)
        {
            foreach (var sublink in bundleOfSublink.Where(s => ReferenceEquals(s.Value, entry)).Select(s => s.Key).ToList())
                bundleOfSublink.Remove(sublink);
        }
        foreach (var (sublink, _) in entry.Waiting)
            waitingFor.Remove(sublink);
        waiting = entry.Waiting.Select(w => w.Pending).ToList();
        return true;
    }

    /// <summary>The bundle named <paramref name="name"/> (<c>vpn-in-1</c>), stopping or not.</summary>
    public bool TryNamed(string name, out TRef bundle)
    {
        bundle = default!;
        if (!byName.TryGetValue(name, out var entry))
            return false;
        bundle = entry.Bundle;
        return true;
    }
}
