using Gateway.Core.Status;

namespace Gateway.Tests.History;

/// <summary>Status records as the actors publish them, with only what a test cares about filled in.</summary>
internal static class StatusSamples
{
    public static IspLinkStatus Link(string name, IspLinkState state, int dialAttempts = 0, long octetsIn = 0, long octetsOut = 0,
        double? rttMs = null, string? reason = null) =>
        new(name, state, "/dev/ttyS0", "5551234", dialAttempts, null, null, null, reason,
            new LinkCounters(octetsIn, octetsOut, octetsIn / 100, octetsOut / 100, 0, 0, 0),
            rttMs is null ? null : new LinkQuality("lqr", rttMs, 1, 2, 0));

    public static SublinkStatus Sublink(string bundle, string name, SublinkState state, long queueDrops = 0, double? rttMs = null, string? reason = null) =>
        new(bundle, name, "isp" + name, state, "127.0.0.1:6671", rttMs is null ? null : new LinkQuality("echo", rttMs, null, 0, 0), reason, LinkCounters.Zero)
        {
            QueueDrops = queueDrops,
        };

    public static BundleStatus Bundle(string name, bool up, string[] members, string[]? paused = null, long probesSent = 0, long probesAnswered = 0,
        double goodput = 0, long octetsIn = 0) =>
        new(name, up, members, 1500, null, null, null, new ReassemblyStatus(0, 0, 0, 0, 0, 0, 0, 0),
            new TrafficStatus(goodput, 10, 0, probesSent, probesAnswered),
            new LinkCounters(octetsIn, 0, 0, 0, 0, 0, 0))
        {
            Paused = paused ?? [],
        };
}
