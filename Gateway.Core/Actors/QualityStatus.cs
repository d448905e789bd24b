using Gateway.Core.Ppp.Lqr;
using Gateway.Core.Status;

namespace Gateway.Core.Actors;

/// <summary>A link's quality monitor as the dashboard shows it.</summary>
internal static class QualityStatus
{
    private const double Percent = 100;

    /// <summary>What the keepalive measures; null while none runs.</summary>
    public static LinkQuality? Of(LinkKeepalive? keepalive) =>
        keepalive?.Lqr is { } lqr ? Of(lqr.Monitor) : keepalive?.Echo is { } echo ? Of(echo) : null;

    public static LinkQuality Of(EchoMonitor echo) =>
        new("echo", echo.LatestRtt is null ? null : echo.SmoothedRtt.TotalMilliseconds, null, echo.LossRate * Percent,
            echo.ConsecutiveMissedPeriods, echo.RequestsSent, echo.RepliesAccepted);

    /// <summary>Loss figures of the last period between two reports (none before the second report; outbound none until the peer has heard from us).</summary>
    public static LinkQuality Of(LqrMonitor lqr)
    {
        var period = lqr.LastPeriod;
        return new("lqr", null, period?.InboundLossRate * Percent,
            period is { HasOutbound: true } p ? p.OutboundLossRate * Percent : null,
            lqr.ConsecutiveMissedPeriods, lqr.OutLqrs, lqr.InLqrs);
    }
}
