using System.Globalization;
using static Gateway.Core.Actors.ReceiverActor;

namespace Gateway.Core.Actors;

/// <summary>
/// What strangers cost the receiver in one period, in at most two lines, from the differences between two
/// <see cref="ReceiverStatus"/> snapshots: the datagrams dropped by reason, and the peers that ended before they
/// authenticated by how. Hostile traffic moves counters, never the number of lines (docs/RELIABILITY.md).
/// </summary>
internal sealed class ReceiverLogSummary(TimeSpan period)
{
    private ReceiverStatus? last;

    /// <summary>The lines for the period that ends with <paramref name="now"/>; null for one with nothing to say.</summary>
    public (string? Dropped, string? HalfOpen) Next(ReceiverStatus now)
    {
        var before = last;
        last = now;
        long Delta(Func<ReceiverStatus, long> figure) => figure(now) - (before is null ? 0 : figure(before));

        var dropped = Line("", "datagrams from senders with no sublink dropped",
            ("not an LCP Configure-Request", Delta(s => s.IgnoredStrangerDatagrams)),
            ("over the socket's rate bound", Delta(s => s.Socket.UnexpectedSenderDropped)),
            ("over the new-peer budget", Delta(s => s.RateLimitedRequests)),
            ("over the known addresses' new-peer budget", Delta(s => s.KnownRateLimitedRequests)),
            ("no place in the peer table", Delta(s => s.RefusedPeers)),
            ("clear while encryption is required", Delta(s => s.Encryption?.ClearRefused ?? 0)),
            ("handshake or sealed datagram rejected", Delta(s => s.Encryption?.Rejected.Total ?? 0)));
        var ended = Line($"{Count(Delta(s => s.PeersCreated))} peers created, ", "ended before authenticating",
            ("no Network phase in time", Delta(s => s.HalfOpenEnded.TimedOut)),
            ("authentication failed", Delta(s => s.HalfOpenEnded.AuthenticationFailed)),
            ("LCP closed", Delta(s => s.HalfOpenEnded.Closed)),
            ("place given to a newcomer", Delta(s => s.EvictedPeers)));
        return (dropped, ended);
    }

    private string? Line(string lead, string what, params (string Reason, long Count)[] reasons)
    {
        long total = reasons.Sum(r => r.Count);
        if (total == 0)
            return null;
        var byReason = string.Join("; ", reasons.Where(r => r.Count > 0).Select(r => $"{r.Reason}: {Count(r.Count)}"));
        return $"receiver: in the last {period.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s, {lead}{Count(total)} {what} ({byReason})";
    }

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
