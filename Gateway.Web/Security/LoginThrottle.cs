using System.Globalization;
using System.Net;

namespace Gateway.Web.Security;

/// <summary>
/// Failed-login rate limit per client address: after <see cref="MaxFailures"/> failures within
/// <see cref="Window"/>, further attempts from that address are refused (HTTP 429 with <c>Retry-After</c>), the right
/// password too, until the window that began with the first failure has passed. Shared by the cookie login and HTTP
/// Basic. The address is the connection's, or the client's as forwarded by a trusted proxy
/// (<c>Gateway:Web:TrustedProxies</c>).
/// </summary>
public sealed class LoginThrottle(TimeProvider clock)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const int MaxTrackedAddresses = 10_000;

    private readonly Lock gate = new();
    private readonly Dictionary<IPAddress, Entry> entries = new();

    public bool IsBlocked(IPAddress? address) => IsBlocked(address, out _);

    /// <param name="retryAfter">How long until the address may try again; zero when it is not blocked.</param>
    public bool IsBlocked(IPAddress? address, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        lock (gate)
        {
            if (!entries.TryGetValue(Key(address), out var entry) || !Fresh(entry) || entry.Failures < MaxFailures)
                return false;
            retryAfter = entry.FirstFailure + Window - clock.GetUtcNow();
            return true;
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

    /// <summary>HTTP 429 with <c>Retry-After</c> in whole seconds, rounded up (RFC 9110 10.2.3, RFC 6585 4).</summary>
    public static void Refuse(HttpResponse response, TimeSpan retryAfter)
    {
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
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
