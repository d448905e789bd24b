using Gateway.Core.Status;

namespace Gateway.Web.History;

/// <summary>
/// Turns the stream of whole statuses into the events worth keeping: what changed from the previous status of the
/// same thing (a state, a dial attempt, a member joining, leaving, paused or resumed), never the once-a-second
/// repeats. Pure: time comes in with each call.
/// </summary>
public sealed class EventRecorder(string node)
{
    private readonly Dictionary<string, IspLinkStatus> links = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Bundle, string Name), SublinkStatus> sublinks = new();
    private readonly Dictionary<string, BundleStatus> bundles = new(StringComparer.Ordinal);

    public IReadOnlyList<HistoryEvent> Observe(StatusEvent e, DateTimeOffset now) => e switch
    {
        IspLinkChanged c => Link(c.Link, now),
        SublinkChanged c => Sublink(c.Sublink, now),
        SublinkRemoved c => sublinks.Remove((c.Bundle, c.Name))
            ? [new(now, node, HistoryScope.Sublink, c.Name, HistoryEventKind.Removed, c.Bundle)]
            : [],
        BundleChanged c => Bundle(c.Bundle, now),
        BundleRemoved c => bundles.Remove(c.Name) ? [new(now, node, HistoryScope.Bundle, c.Name, HistoryEventKind.Removed)] : [],
        LogWritten { Entry: var entry } => [new(entry.Time, node, HistoryScope.Log, entry.Source, HistoryEventKind.Log, State: entry.Level.ToString(), Detail: entry.Message)],
        _ => [],
    };

    private List<HistoryEvent> Link(IspLinkStatus link, DateTimeOffset now)
    {
        var events = new List<HistoryEvent>();
        links.TryGetValue(link.Name, out var previous);
        links[link.Name] = link;
        HistoryEvent Event(HistoryEventKind kind, string? detail) => new(now, node, HistoryScope.Link, link.Name, kind, State: link.State.ToString(), Detail: detail);

        if (previous is null)
        {
            events.Add(Event(HistoryEventKind.Seen, link.LastReason));
            return events;
        }
        if (link.DialAttempts > previous.DialAttempts)
            events.Add(Event(HistoryEventKind.Dial, link.Phone is null ? $"attempt {link.DialAttempts}" : $"attempt {link.DialAttempts}, {link.Phone}"));
        if (link.State == previous.State)
            return events;
        var kind = (previous.State, link.State) switch
        {
            (_, IspLinkState.Up) => HistoryEventKind.Up,
            (IspLinkState.Up, _) => HistoryEventKind.Down,
            (IspLinkState.Dialing or IspLinkState.Login or IspLinkState.Lcp or IspLinkState.Authenticating or IspLinkState.Ipcp,
                IspLinkState.RedialWait or IspLinkState.Failed or IspLinkState.Closed) => HistoryEventKind.DialFailed,
            _ => HistoryEventKind.State,
        };
        events.Add(Event(kind, kind switch
        {
            HistoryEventKind.Up => Addresses(link.LocalAddress, link.PeerAddress),
            HistoryEventKind.Down or HistoryEventKind.DialFailed => link.LastReason,
            _ => NewReason(previous.LastReason, link.LastReason),
        }));
        return events;
    }

    private List<HistoryEvent> Sublink(SublinkStatus sublink, DateTimeOffset now)
    {
        var key = (sublink.Bundle, sublink.Name);
        sublinks.TryGetValue(key, out var previous);
        sublinks[key] = sublink;
        HistoryEvent Event(HistoryEventKind kind, string? detail) =>
            new(now, node, HistoryScope.Sublink, sublink.Name, kind, sublink.Bundle, sublink.State.ToString(), detail);

        if (previous is null)
            return [Event(HistoryEventKind.Seen, $"{sublink.Carrier}{(sublink.Peer is null ? "" : " peer " + sublink.Peer)}")];
        if (sublink.State == previous.State)
            return [];
        return (previous.State, sublink.State) switch
        {
            (_, SublinkState.Open) => [Event(HistoryEventKind.Up, sublink.Carrier)],
            (SublinkState.Open, _) => [Event(HistoryEventKind.Down, sublink.LastReason)],
            _ => [Event(HistoryEventKind.State, NewReason(previous.LastReason, sublink.LastReason))],
        };
    }

    private List<HistoryEvent> Bundle(BundleStatus bundle, DateTimeOffset now)
    {
        var events = new List<HistoryEvent>();
        bundles.TryGetValue(bundle.Name, out var previous);
        bundles[bundle.Name] = bundle;
        HistoryEvent Event(HistoryEventKind kind, string? detail) =>
            new(now, node, HistoryScope.Bundle, bundle.Name, kind, State: bundle.Up ? "Up" : "Down", Detail: detail);
        HistoryEvent Member(string member, HistoryEventKind kind) =>
            new(now, node, HistoryScope.Member, member, kind, bundle.Name, Detail: $"{bundle.Members.Count} members, {bundle.Paused.Count} paused");

        if (previous is null)
        {
            events.Add(Event(HistoryEventKind.Seen, $"members: {string.Join(' ', bundle.Members)}"));
            return events;
        }
        // Members first: a bundle that goes down has lost its last member just before.
        foreach (var left in previous.Members.Except(bundle.Members, StringComparer.Ordinal))
            events.Add(Member(left, HistoryEventKind.Left));
        foreach (var joined in bundle.Members.Except(previous.Members, StringComparer.Ordinal))
            events.Add(Member(joined, HistoryEventKind.Joined));
        foreach (var paused in bundle.Paused.Except(previous.Paused, StringComparer.Ordinal))
            events.Add(Member(paused, HistoryEventKind.Paused));
        foreach (var resumed in previous.Paused.Except(bundle.Paused, StringComparer.Ordinal).Intersect(bundle.Members, StringComparer.Ordinal))
            events.Add(Member(resumed, HistoryEventKind.Resumed));
        if (bundle.Up != previous.Up)
            events.Add(Event(bundle.Up ? HistoryEventKind.Up : HistoryEventKind.Down,
                bundle.Up ? Addresses(bundle.LocalAddress, bundle.PeerAddress) : $"members: {string.Join(' ', bundle.Members)}"));
        return events;
    }

    /// <summary>A reason stays in the status until the next one: a state change repeats it only when it is new.</summary>
    private static string? NewReason(string? before, string? now) => now == before ? null : now;

    private static string? Addresses(string? local, string? peer) =>
        local is null && peer is null ? null : $"{local ?? "?"} -> {peer ?? "?"}";
}
