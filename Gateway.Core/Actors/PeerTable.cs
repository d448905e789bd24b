using System.Net;

namespace Gateway.Core.Actors;

/// <summary>
/// The receiver's peers by address and port, each half-open (no authenticated peer yet) or authenticated, with the
/// half-open ones in the order they came, apart by whether their address was known (<see cref="KnownSourceAddresses"/>):
/// when the table is full a newcomer takes the place of the oldest half-open stranger, a newcomer from a known address
/// that of the oldest half-open known one if no stranger is left, and nobody that of a peer that authenticated
/// (docs/DESIGN.md, "receiver admission"). An evicted peer is leaving until the caller says it is gone: its address and
/// port take no newcomer meanwhile (its socket registration is still there), and a stranger evicts only while fewer than
/// <c>capacity</c> are leaving, a newcomer from a known address while fewer than twice that (a burst of strangers
/// leaves it room), so peers and leaving ones stay within three times <c>capacity</c>. Pure: the actor does the stopping.
/// </summary>
internal sealed class PeerTable<TPeer>(int capacity) where TPeer : notnull
{
    private readonly Dictionary<IPEndPoint, TPeer> byEndpoint = new();
    private readonly Dictionary<TPeer, Entry> entries = new();
    private readonly LinkedList<TPeer> halfOpenStrangers = new();
    private readonly LinkedList<TPeer> halfOpenKnown = new();
    private readonly Dictionary<TPeer, IPEndPoint> leaving = new();
    private readonly HashSet<IPEndPoint> leavingEndpoints = new();

    private sealed record Entry(IPEndPoint Endpoint, LinkedListNode<TPeer>? HalfOpen);

    public int Count => byEndpoint.Count;

    public int HalfOpen => halfOpenStrangers.Count + halfOpenKnown.Count;

    public bool TryGet(IPEndPoint endpoint, out TPeer peer) => byEndpoint.TryGetValue(endpoint, out peer!);

    public bool Contains(IPEndPoint endpoint) => byEndpoint.ContainsKey(endpoint);

    /// <summary>An evicted peer of <paramref name="endpoint"/> has not stopped yet.</summary>
    public bool IsLeaving(IPEndPoint endpoint) => leavingEndpoints.Contains(endpoint);

    /// <summary>True while <paramref name="peer"/> is in the table (not removed, not evicted).</summary>
    public bool Contains(TPeer peer) => entries.ContainsKey(peer);

    /// <summary>
    /// Room for a newcomer: true when the table has a free place, or makes one by giving up <paramref name="evicted"/>
    /// (already out of the table: the caller stops it); false when every place is taken by a peer the newcomer may not displace.
    /// </summary>
    public bool MakeRoom(bool newcomerKnown, out TPeer? evicted)
    {
        evicted = default;
        if (byEndpoint.Count < capacity)
            return true;
        var oldest = halfOpenStrangers.First ?? (newcomerKnown ? halfOpenKnown.First : null);
        if (oldest is null || leaving.Count >= (newcomerKnown ? 2 * capacity : capacity))
            return false;
        evicted = oldest.Value;
        var (endpoint, _) = Remove(evicted)!.Value;
        leaving[evicted] = endpoint;
        leavingEndpoints.Add(endpoint);
        return true;
    }

    /// <summary>A new half-open peer (the caller made room first).</summary>
    public void Add(IPEndPoint endpoint, TPeer peer, bool known)
    {
        byEndpoint[endpoint] = peer;
        entries[peer] = new Entry(endpoint, (known ? halfOpenKnown : halfOpenStrangers).AddLast(peer));
    }

    /// <summary>The peer authenticated: never displaced from now on. Returns its address and port, or null if it is not in the table or had authenticated before.</summary>
    public IPEndPoint? Authenticated(TPeer peer)
    {
        if (!entries.TryGetValue(peer, out var entry) || entry.HalfOpen is not { } node)
            return null;
        node.List!.Remove(node);
        entries[peer] = entry with { HalfOpen = null };
        return entry.Endpoint;
    }

    /// <summary>The peer is gone: its place is free. Returns its address and port and whether it had authenticated; null if it was not in the table (or was evicted).</summary>
    public (IPEndPoint Endpoint, bool Authenticated)? Remove(TPeer peer)
    {
        if (leaving.Remove(peer, out var left))
            leavingEndpoints.Remove(left);
        if (!entries.Remove(peer, out var entry))
            return null;
        byEndpoint.Remove(entry.Endpoint);
        entry.HalfOpen?.List!.Remove(entry.HalfOpen);
        return (entry.Endpoint, entry.HalfOpen is null);
    }
}
