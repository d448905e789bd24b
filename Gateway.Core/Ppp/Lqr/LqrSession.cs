using Gateway.Core.Ppp.Session;

namespace Gateway.Core.Ppp.Lqr;

/// <summary>
/// LQR over one <see cref="PppSession"/> whose LCP is Opened, as FreeBSD's lqr.c runs it (<c>lqr_Start</c>,
/// <c>SendLqrReport</c>, <c>lqr_Input</c>): a <see cref="LqrMonitor"/> fed with the session's
/// <see cref="PppSession.QualityCounters"/>, its reports sent through the session. The owner runs a periodic timer
/// at <see cref="Period"/> and hands in its expiries and the 0xC025 packets the session delivers; no clock or
/// timer lives here. Not thread-safe: call it where the session is called.
/// </summary>
public sealed class LqrSession
{
    private readonly PppSession session;

    private LqrSession(PppSession session, LqrMonitor monitor, TimeSpan period)
    {
        this.session = session;
        Monitor = monitor;
        Period = period;
    }

    public LqrMonitor Monitor { get; }

    /// <summary>How often the owner's timer fires: our Reporting-Period, else the peer's (see <see cref="LqrOptions.TimerPeriod"/>).</summary>
    public TimeSpan Period { get; }

    /// <summary>
    /// Starts LQR when the session's LCP agreed on it in either direction; null when it did not (the owner falls back
    /// to LCP echo). When we send on a timer the first report goes out at once, as <c>lqr_Start</c> does.
    /// </summary>
    /// <param name="maxMissedReports">Consecutive periods without a report from the peer before the link fails.</param>
    /// <param name="fallbackPeriod">The timer's period when neither side gave one (the peer asked for answers only).</param>
    public static LqrSession? Start(PppSession session, int maxMissedReports, TimeSpan fallbackPeriod)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.Link is not { } link || LqrOptions.Negotiated(link, maxMissedReports) is not { } options)
            return null;
        var lqr = new LqrSession(session, new LqrMonitor(options), options.TimerPeriod ?? fallbackPeriod);
        if (lqr.Monitor.TimerMode)
            session.SendQualityReport(lqr.Monitor.BuildReport(session.QualityCounters));
        return lqr;
    }

    /// <summary>The owner's timer fired: a report goes out when it is due; <see cref="LqrTimerAction.LinkFailed"/> ends the link.</summary>
    public LqrTimerAction TimerExpired(TimeSpan now)
    {
        var result = Monitor.TimerExpired(now, session.QualityCounters);
        if (result.Action == LqrTimerAction.SendReport)
            session.SendQualityReport(result.Report);
        return result.Action;
    }

    /// <summary>A 0xC025 packet arrived (its body after the protocol field); the reply, if one is due, is sent.</summary>
    public LqrReceiveResult Received(ReadOnlySpan<byte> body, TimeSpan now)
    {
        var result = Monitor.Received(body, now, session.QualityCounters);
        if (result.Reply is { } reply)
            session.SendQualityReport(reply);
        return result;
    }
}
