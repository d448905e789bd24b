using System.Net;

namespace Gateway.Web.Security;

/// <summary>
/// Failed-login rate limit per client address: after <see cref="MaxFailures"/> failures within
/// <see cref="Window"/>, further attempts from that address are refused (HTTP 429) until the window has passed.
/// Shared by the cookie login and HTTP Basic.
/// </summary>
public sealed class LoginThrottle(TimeProvider clock)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const int MaxTrackedAddresses = 10_000;

    private readonly Lock gate = new();
    private readonly Dictionary<IPAddress, Entry> entries = new();

    public bool IsBlocked(IPAddress? address)
    {
        lock (gate)
        {
            return entries.TryGetValue(Key(address), out var entry) && Fresh(entry) && entry.Failures >= MaxFailures;
        }
    }

    public void RecordFailure(IPAddress? address)
    {
        lock (gate)
        {
            var key = Key(address);
            if (!entries.TryGetValue(key, out var entry) || !Fresh(entry))
            {
                if (entries.Count >= MaxTrackedAddresses)
                    Prune();
                entry = new Entry(clock.GetUtcNow(), 0);
            }
            entries[key] = entry with { Failures = entry.Failures + 1 };
        }
    }

    public void RecordSuccess(IPAddress? address)
    {
        lock (gate)
            entries.Remove(Key(address));
    }

    private bool Fresh(Entry entry) => clock.GetUtcNow() - entry.FirstFailure < Window;

    private void Prune()
    {
        foreach (var stale in entries.Where(e => !Fresh(e.Value)).Select(e => e.Key).ToArray())
            entries.Remove(stale);
    }

    private static IPAddress Key(IPAddress? address) => address ?? IPAddress.None;

    private readonly record struct Entry(DateTimeOffset FirstFailure, int Failures);
}
