using Gateway.Core.Status;

namespace Gateway.Web.History;

/// <summary>
/// Folds the status reports of each link, member and bundle (about one a second) into one-minute rollups: the
/// counters' growth within the minute, and the sum, count and maximum of the round trip, loss and goodput samples.
/// A minute is handed out once a report of a later minute arrives or <see cref="Flush"/> finds it over. Pure: the
/// time of a report is <see cref="TimeProvider.GetUtcNow"/> when it is observed.
/// </summary>
/// <remarks>
/// Counters are cumulative per actor: the first report of a thing only sets the baseline, and a counter that went
/// down (the link's actor started again) counts from zero.
/// </remarks>
public sealed class RollupBuilder(string node, TimeProvider time)
{
    private readonly Dictionary<(StatsScope Scope, string? Bundle, string Name), Subject> subjects = new();

    public IReadOnlyList<StatsRollup> Observe(StatusEvent e)
    {
        var now = time.GetUtcNow();
        switch (e)
        {
            case IspLinkChanged { Link: var l }:
                return Add((StatsScope.Link, null, l.Name), now, new Sample(
                    l.State == IspLinkState.Up, l.Counters, l.QueueDrops, l.Quality?.RoundTripMs, l.Quality?.InboundLossPercent, l.Quality?.OutboundLossPercent, null, null));
            case SublinkChanged { Sublink: var s }:
                return Add((StatsScope.Member, s.Bundle, s.Name), now, new Sample(
                    s.State == SublinkState.Open, s.Counters, s.QueueDrops, s.Quality?.RoundTripMs, s.Quality?.InboundLossPercent, s.Quality?.OutboundLossPercent, null, null));
            case BundleChanged { Bundle: var b }:
                return Add((StatsScope.Bundle, null, b.Name), now, new Sample(
                    b.Up, b.Counters, b.QueueDrops, b.Traffic?.ProbeRoundTripMs, null, null, b.Traffic?.GoodputBitsPerSecond, b.Traffic));
            case SublinkRemoved r:
                return Remove((StatsScope.Member, r.Bundle, r.Name));
            case BundleRemoved r:
                return Remove((StatsScope.Bundle, null, r.Name));
            default:
                return [];
        }
    }

    /// <summary>The minutes that are over (things that went quiet, or were removed, hand theirs out here).</summary>
    public IReadOnlyList<StatsRollup> Flush()
    {
        var minute = MinuteOf(time.GetUtcNow());
        var done = new List<StatsRollup>();
        foreach (var subject in subjects.Values)
            if (subject.Minute is { } open && open < minute && subject.TakeRollup() is { } rollup)
                done.Add(rollup);
        return done;
    }

    /// <summary>Every minute begun, finished or not (on shutdown: the store adds a later write of the same minute to it).</summary>
    public IReadOnlyList<StatsRollup> FlushAll() => subjects.Values.Select(s => s.TakeRollup()).OfType<StatsRollup>().ToList();

    private IReadOnlyList<StatsRollup> Add((StatsScope Scope, string? Bundle, string Name) key, DateTimeOffset now, Sample sample)
    {
        if (!subjects.TryGetValue(key, out var subject))
            subjects[key] = subject = new Subject(node, key.Scope, key.Bundle, key.Name);
        var minute = MinuteOf(now);
        var closed = subject.Minute is { } open && open < minute ? subject.TakeRollup() : null;
        subject.Add(minute, sample);
        return closed is null ? [] : [closed];
    }

    private IReadOnlyList<StatsRollup> Remove((StatsScope Scope, string? Bundle, string Name) key)
    {
        if (!subjects.Remove(key, out var subject))
            return [];
        return subject.TakeRollup() is { } rollup ? [rollup] : [];
    }

    internal static DateTimeOffset MinuteOf(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);

    private sealed record Sample(bool Up, LinkCounters Counters, long QueueDrops, double? RttMs, double? LossIn, double? LossOut, double? Goodput, TrafficStatus? Traffic);

    /// <summary>One thing's open minute and the last counters seen (kept across minutes, for the growth).</summary>
    private sealed class Subject(string node, StatsScope scope, string? bundle, string name)
    {
        private Sample? last;
        private int samples, upSamples, rttSamples, lossSamples, goodputSamples;
        private long octetsIn, octetsOut, packetsIn, packetsOut, errors, queueDrops, probesSent, probesAnswered;
        private double rttSum, lossInSum, lossOutSum, goodputSum;
        private double? rttMax;

        public DateTimeOffset? Minute { get; private set; }

        public void Add(DateTimeOffset minute, Sample sample)
        {
            Minute ??= minute;
            samples++;
            if (sample.Up)
                upSamples++;
            if (last is not null)
            {
                octetsIn += Growth(last.Counters.OctetsIn, sample.Counters.OctetsIn);
                octetsOut += Growth(last.Counters.OctetsOut, sample.Counters.OctetsOut);
                packetsIn += Growth(last.Counters.FramesIn, sample.Counters.FramesIn);
                packetsOut += Growth(last.Counters.FramesOut, sample.Counters.FramesOut);
                errors += Growth(last.Counters.Errors, sample.Counters.Errors);
                queueDrops += Growth(last.QueueDrops, sample.QueueDrops);
                if (last.Traffic is { } before && sample.Traffic is { } after)
                {
                    probesSent += Growth(before.ProbesSent, after.ProbesSent);
                    probesAnswered += Growth(before.ProbesAnswered, after.ProbesAnswered);
                }
            }
            if (sample.RttMs is { } rtt)
            {
                rttSamples++;
                rttSum += rtt;
                rttMax = rttMax is { } max && max >= rtt ? max : rtt;
            }
            if (sample.LossIn is not null || sample.LossOut is not null)
            {
                lossSamples++;
                lossInSum += sample.LossIn ?? 0;
                lossOutSum += sample.LossOut ?? 0;
            }
            if (sample.Goodput is { } goodput)
            {
                goodputSamples++;
                goodputSum += goodput;
            }
            last = sample;
        }

        /// <summary>The open minute as a rollup, and a fresh one begun (null when nothing was seen since the last).</summary>
        public StatsRollup? TakeRollup()
        {
            if (Minute is not { } minute || samples == 0)
                return null;
            var rollup = new StatsRollup(minute, node, scope, name, bundle, samples, upSamples, octetsIn, octetsOut, packetsIn, packetsOut,
                errors, queueDrops, rttSamples, rttSum, rttMax, lossSamples, lossInSum, lossOutSum, goodputSamples, goodputSum, probesSent, probesAnswered);
            Minute = null;
            samples = upSamples = rttSamples = lossSamples = goodputSamples = 0;
            octetsIn = octetsOut = packetsIn = packetsOut = errors = queueDrops = probesSent = probesAnswered = 0;
            rttSum = lossInSum = lossOutSum = goodputSum = 0;
            rttMax = null;
            return rollup;
        }

        private static long Growth(long before, long after) => after >= before ? after - before : after;
    }
}
