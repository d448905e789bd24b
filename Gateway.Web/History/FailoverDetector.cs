using Gateway.Core.Status;

namespace Gateway.Web.History;

/// <summary>
/// Finds failover episodes in a bundle's status reports. An episode starts when a member the bundle was sending on
/// stops being one (it left, or was paused) or the bundle goes down; it ends when the bundle is up and sends on as
/// many members as before (the lost one back, or another in its place), or the bundle is removed. Its gap is the
/// time within it with no path at all (the bundle down, or no member sending), as the reports show it, so to the
/// report period (a second); its probes lost are those of the bundle's probe stream unanswered in between (the
/// demo's traffic generator; null without one), which is what users of the bundle felt.
/// An episode is handed out when it starts, when it changes (another member lost, the gap closed) and when it ends,
/// each time whole: the store keeps the latest. Pure: time comes in with each call.
/// </summary>
public sealed class FailoverDetector(string node)
{
    private readonly Dictionary<string, BundleState> bundles = new(StringComparer.Ordinal);

    public IReadOnlyList<FailoverEpisode> Observe(BundleStatus bundle, DateTimeOffset now)
    {
        if (!bundles.TryGetValue(bundle.Name, out var state))
        {
            bundles[bundle.Name] = new BundleState(bundle);
            return [];
        }
        var previous = state.Last;
        state.Last = bundle;
        var before = Sending(previous);
        var sending = Sending(bundle);
        var lost = before.Except(sending, StringComparer.Ordinal).ToList();
        var hasPath = bundle.Up && sending.Count > 0;

        if (state.Open is not { } open)
        {
            if (!previous.Up || (lost.Count == 0 && bundle.Up))
                return [];
            var cause = !bundle.Up ? "bundle down"
                : bundle.Members.Contains(lost[0], StringComparer.Ordinal) ? $"{lost[0]} paused"
                : $"{lost[0]} left";
            state.Open = new Episode(now, before.Count, lost, cause, Unanswered(previous)) { NoPathSince = hasPath ? null : now };
            return [Report(bundle, state.Open, now, ended: null)];
        }

        var changed = false;
        foreach (var member in lost.Where(m => !open.Lost.Contains(m, StringComparer.Ordinal)))
        {
            open.Lost.Add(member);
            changed = true;
        }
        if (open.NoPathSince is { } since && hasPath)
        {
            open.GapMs += (long)(now - since).TotalMilliseconds;
            open.NoPathSince = null;
            changed = true;
        }
        else if (open.NoPathSince is null && !hasPath)
        {
            open.NoPathSince = now;
            changed = true;
        }
        if (hasPath && sending.Count >= open.MembersBefore)
        {
            state.Open = null;
            return [Report(bundle, open, now, ended: now)];
        }
        return changed ? [Report(bundle, open, now, ended: null)] : [];
    }

    /// <summary>The bundle is gone: its open episode ends now.</summary>
    public IReadOnlyList<FailoverEpisode> Removed(string bundle, DateTimeOffset now)
    {
        if (!bundles.Remove(bundle, out var state) || state.Open is not { } open)
            return [];
        return [End(state.Last, open, now)];
    }

    /// <summary>Every open episode, ended now (the process stops: nobody will see their end).</summary>
    public IReadOnlyList<FailoverEpisode> EndAll(DateTimeOffset now)
    {
        var ended = bundles.Values.Where(s => s.Open is not null).Select(s => End(s.Last, s.Open!, now)).ToList();
        foreach (var state in bundles.Values)
            state.Open = null;
        return ended;
    }

    private FailoverEpisode End(BundleStatus last, Episode open, DateTimeOffset now)
    {
        if (open.NoPathSince is { } since)
            open.GapMs += (long)(now - since).TotalMilliseconds;
        open.NoPathSince = null;
        return Report(last, open, now, ended: now);
    }

    private FailoverEpisode Report(BundleStatus bundle, Episode open, DateTimeOffset now, DateTimeOffset? ended)
    {
        var gap = open.GapMs + (open.NoPathSince is { } since ? (long)(now - since).TotalMilliseconds : 0);
        long? probesLost = open.UnansweredBefore is { } before && Unanswered(bundle) is { } after ? Math.Max(0, after - before) : null;
        return new FailoverEpisode(node, bundle.Name, open.Started, ended, open.MembersBefore, open.Lost.ToArray(), open.Cause, gap, probesLost);
    }

    private static List<string> Sending(BundleStatus bundle) =>
        bundle.Members.Except(bundle.Paused, StringComparer.Ordinal).ToList();

    private static long? Unanswered(BundleStatus bundle) =>
        bundle.Traffic is { } t ? t.ProbesSent - t.ProbesAnswered : null;

    private sealed class BundleState(BundleStatus last)
    {
        public BundleStatus Last { get; set; } = last;
        public Episode? Open { get; set; }
    }

    private sealed class Episode(DateTimeOffset started, int membersBefore, List<string> lost, string cause, long? unansweredBefore)
    {
        public DateTimeOffset Started { get; } = started;
        public int MembersBefore { get; } = membersBefore;
        public List<string> Lost { get; } = lost;
        public string Cause { get; } = cause;
        public long? UnansweredBefore { get; } = unansweredBefore;
        public long GapMs { get; set; }
        public DateTimeOffset? NoPathSince { get; set; }
    }
}
