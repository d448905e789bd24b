using System.Net;

namespace Gateway.Core.Actors;

/// <summary>
/// The addresses (not ports) that carry, or recently carried, a sublink that authenticated at the receiver: a gateway
/// whose sublink redials comes from one of them on a new port, and is admitted on a budget strangers cannot spend
/// (docs/DESIGN.md, "receiver admission"). An address is known while one of its sublinks is authenticated and for
/// <c>lifetime</c> after the last one ended; at most <c>capacity</c> addresses, the longest idle given up first.
/// Pure: the caller passes the time and publishes the set when it changed.
/// </summary>
internal sealed class KnownSourceAddresses(TimeSpan lifetime, int capacity)
{
    private readonly Dictionary<IPAddress, (int Live, TimeSpan IdleSince)> addresses = new();

    public int Count => addresses.Count;

    public IEnumerable<IPAddress> Addresses => addresses.Keys;

    /// <summary>A sublink from <paramref name="address"/> authenticated. True when the set changed.</summary>
    public bool Authenticated(IPAddress address)
    {
        if (addresses.TryGetValue(address, out var known))
        {
            addresses[address] = known with { Live = known.Live + 1 };
            return false;
        }
        if (addresses.Count >= capacity)
        {
            var idle = addresses.Where(a => a.Value.Live == 0).OrderBy(a => a.Value.IdleSince).Select(a => a.Key).FirstOrDefault();
            if (idle is null)
                return false;
            addresses.Remove(idle);
        }
        addresses[address] = (1, TimeSpan.Zero);
        return true;
    }

    /// <summary>An authenticated sublink from <paramref name="address"/> ended.</summary>
    public void Ended(IPAddress address, TimeSpan now)
    {
        if (addresses.TryGetValue(address, out var known))
            addresses[address] = (Math.Max(0, known.Live - 1), now);
    }

    /// <summary>Forgets the addresses idle for the lifetime. True when the set changed.</summary>
    public bool Expire(TimeSpan now)
    {
        var expired = addresses.Where(a => a.Value.Live == 0 && now - a.Value.IdleSince >= lifetime).Select(a => a.Key).ToList();
        foreach (var address in expired)
            addresses.Remove(address);
        return expired.Count > 0;
    }
}
