using Gateway.Core.Status;

namespace Gateway.Web.Status;

/// <summary>What changed since a client's last update: the latest status of each changed thing, never a history.</summary>
public sealed record StatusUpdate(
    IReadOnlyList<IspLinkStatus> Links,
    IReadOnlyList<BundleStatus> Bundles,
    IReadOnlyList<SublinkStatus> Sublinks,
    IReadOnlyList<string> RemovedBundles,
    IReadOnlyList<SublinkKey> RemovedSublinks,
    IReadOnlyList<LogEntry> Log);

public sealed record SublinkKey(string Bundle, string Name);

/// <summary>
/// The web layer's copy of the current picture, with a version number on every entry, so that each dashboard
/// client can be sent "everything newer than what you have" whenever it is ready for more. Nothing is queued per
/// client: a slow client simply gets fewer, larger updates (latest value wins), so it cannot back up the server.
/// Thread-safe: the event-stream actor writes, the feed reads.
/// </summary>
public sealed class StatusBoard
{
    public const int LogCapacity = 200;

    private readonly Lock gate = new();
    private readonly Dictionary<string, Versioned<IspLinkStatus>> links = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Versioned<BundleStatus?>> bundles = new(StringComparer.Ordinal);
    private readonly Dictionary<SublinkKey, Versioned<SublinkStatus?>> sublinks = new();
    private readonly Queue<Versioned<LogEntry>> log = new();
    private long version;

    /// <summary>Bumped by every change; a client whose last version equals it has nothing to receive.</summary>
    public long Version
    {
        get { lock (gate) return version; }
    }

    /// <summary>Events applied so far (for the metrics endpoint).</summary>
    public long EventsApplied { get; private set; }

    public void Apply(StatusEvent e)
    {
        lock (gate)
        {
            var v = ++version;
            EventsApplied++;
            switch (e)
            {
                case IspLinkChanged c:
                    links[c.Link.Name] = new(c.Link, v);
                    break;
                case BundleChanged c:
                    bundles[c.Bundle.Name] = new(c.Bundle, v);
                    break;
                case BundleRemoved c:
                    bundles[c.Name] = new(null, v);
                    break;
                case SublinkChanged c:
                    sublinks[new(c.Sublink.Bundle, c.Sublink.Name)] = new(c.Sublink, v);
                    break;
                case SublinkRemoved c:
                    sublinks[new(c.Bundle, c.Name)] = new(null, v);
                    break;
                case LogWritten c:
                    log.Enqueue(new(c.Entry, v));
                    while (log.Count > LogCapacity)
                        log.Dequeue();
                    break;
                default:
                    version--;
                    EventsApplied--;
                    break;
            }
        }
    }

    /// <summary>The changes after <paramref name="since"/>, and the version they bring the client to.</summary>
    public (StatusUpdate? Update, long Version) ChangesSince(long since)
    {
        lock (gate)
        {
            if (since >= version)
                return (null, version);
            var update = new StatusUpdate(
                links.Values.Where(x => x.Version > since).Select(x => x.Value).ToArray(),
                bundles.Values.Where(x => x.Version > since && x.Value is not null).Select(x => x.Value!).ToArray(),
                sublinks.Values.Where(x => x.Version > since && x.Value is not null).Select(x => x.Value!).ToArray(),
                bundles.Where(x => x.Value.Version > since && x.Value.Value is null).Select(x => x.Key).ToArray(),
                sublinks.Where(x => x.Value.Version > since && x.Value.Value is null).Select(x => x.Key).ToArray(),
                log.Where(x => x.Version > since).Select(x => x.Value).ToArray());
            return (update, version);
        }
    }

    /// <summary>The whole picture held now and its version (for clients that connect, and for metrics).</summary>
    public (GatewaySnapshot Snapshot, long Version) Snapshot(string role)
    {
        lock (gate)
            return (new GatewaySnapshot(
                role,
                links.Values.Select(x => x.Value).OrderBy(x => x.Name, StringComparer.Ordinal).ToArray(),
                bundles.Values.Where(x => x.Value is not null).Select(x => x.Value!).OrderBy(x => x.Name, StringComparer.Ordinal).ToArray(),
                sublinks.Values.Where(x => x.Value is not null).Select(x => x.Value!).OrderBy(x => x.Bundle, StringComparer.Ordinal).ThenBy(x => x.Name, StringComparer.Ordinal).ToArray(),
                log.Select(x => x.Value).ToArray()), version);
    }

    private readonly record struct Versioned<T>(T Value, long Version);
}
