using Akka.Actor;
using Akka.Event;
using Gateway.Core.Ppp.Session;
using Gateway.Core.Status;

namespace Gateway.Core.Actors;

/// <summary>
/// A receiver's sublink before its peer authenticated (<see cref="SublinkOptions.QuietUntilAuthenticated"/>): anyone
/// who can send a datagram starts one, so until the peer authenticates it logs at Debug only, publishes no status (the
/// dashboard's, the history's and the metrics' tables keep nothing of a stranger), and at its end tells the receiver
/// only how it ended (<see cref="HalfOpenEnded"/>), which counts it in a periodic summary (docs/RELIABILITY.md).
/// </summary>
public sealed partial class SublinkActor
{
    private bool peerAuthenticated;
    private bool reachedAuthentication;
    private bool timedOut;
    private bool evicted;
    private bool published;

    /// <summary>How a receiver's sublink ended before its peer authenticated.</summary>
    public enum HalfOpenEnd : byte
    {
        /// <summary>No Network phase within the establishment timeout.</summary>
        TimedOut,

        /// <summary>The peer reached the Authenticate phase and failed it.</summary>
        AuthenticationFailed,

        /// <summary>LCP ended otherwise (the peer's Terminate-Request, no answer to our requests, a transport failure).</summary>
        Closed,
    }

    /// <summary>Told by a <see cref="SublinkOptions.QuietUntilAuthenticated"/> sublink to its owner when it stops before its peer authenticated.</summary>
    public sealed record HalfOpenEnded(HalfOpenEnd How);

    /// <summary>The receiver gives this half-open sublink's place to a newcomer: it stops at once, saying nothing.</summary>
    public sealed record Evict
    {
        public static Evict Instance { get; } = new();
    }

    private bool Quiet => options.QuietUntilAuthenticated && !peerAuthenticated;

    /// <summary>A line at <paramref name="level"/> (Information or Warning), or at Debug while a stranger could have caused it.</summary>
    private void Note(LogLevel level, string format, params object[] args)
    {
        if (Quiet)
        {
            if (log.IsDebugEnabled)
                log.Debug(format, args);
        }
        else if (level == LogLevel.WarningLevel)
            log.Warning(format, args);
        else
            log.Info(format, args);
    }

    // A peer that has authenticated may still renegotiate LCP packet after packet: its state changes are budgeted.
    private readonly LogBudget sessionLines = new(LogBudgetLines, LogBudgetPeriod);

    /// <summary>State changes, phases and keepalive lines a link logs per <see cref="LogBudgetPeriod"/> at most.</summary>
    internal const int LogBudgetLines = 60;

    internal static readonly TimeSpan LogBudgetPeriod = TimeSpan.FromSeconds(10);

    /// <summary>A session's state change, phase or keepalive line: <see cref="Note"/>, within the link's budget.</summary>
    private void NoteSessionLine(SessionEvent sessionEvent)
    {
        if (Quiet)
            Note(LogLevel.InfoLevel, "{0}", sessionEvent);
        else if (sessionLines.Line(MonotonicClock.Now, sessionEvent.ToString()!) is { } line)
            log.Info("{0}", line);
    }

    /// <summary>As the link stops: the count of lines its budget left out since the last one it logged.</summary>
    private void ReportSuppressedSessionLines()
    {
        if (sessionLines.TakeSuppressed() is var n and > 0)
            log.Info("{0}: {1} session lines not logged before it stopped (over {2} in {3} s)", options.Name, n, LogBudgetLines, LogBudgetPeriod.TotalSeconds);
    }

    private void OnPeerAuthenticated()
    {
        if (!Quiet)
            return;
        peerAuthenticated = true;
        if (peerName is null)
            log.Info("{0}: Network phase without authentication (from {1})", options.Name, options.Remote);
        else
            log.Info("{0}: peer authenticated as {1} (from {2})", options.Name, peerName, options.Remote);
    }

    private void OnEstablishTimedOut()
    {
        if (session.Phase == LinkPhase.Network)
            return;
        timedOut = true;
        lastReason = "gave up: no Network phase within the establishment timeout";
        Note(LogLevel.InfoLevel, "{0}: {1}", options.Name, lastReason);
        Context.Stop(Self);
    }

    private void OnEvicted()
    {
        evicted = true;
        lastReason = "its place was given to a newcomer";
        Context.Stop(Self);
    }

    /// <summary>Whether <see cref="Publish"/> may publish now; marks the sublink as published if so.</summary>
    private bool MayPublish()
    {
        if (Quiet)
            return false;
        published = true;
        return true;
    }

    /// <summary>The actor stopped for good: the status forgets it, or (a stranger) the receiver counts how it ended.</summary>
    private void ReportEnd()
    {
        if (published)
            Context.System.EventStream.Publish(new SublinkRemoved(bundleName, options.Name));
        else if (Quiet && !evicted)
            owner.Tell(new HalfOpenEnded(timedOut ? HalfOpenEnd.TimedOut : reachedAuthentication ? HalfOpenEnd.AuthenticationFailed : HalfOpenEnd.Closed));
    }

    private sealed record EstablishTimedOut
    {
        public static EstablishTimedOut Instance { get; } = new();
    }
}
