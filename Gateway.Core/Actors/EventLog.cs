using Akka.Event;
using Gateway.Core.Status;

namespace Gateway.Core.Actors;

/// <summary>A line for the host's log and, unless it is only a transcript, for the dashboard's event log (<see cref="LogWritten"/>).</summary>
internal static class EventLog
{
    public static void Write(ILoggingAdapter log, EventStream events, string source, LogSeverity severity, string message, bool show = true)
    {
        if (severity == LogSeverity.Information)
            log.Info("{0}: {1}", source, message);
        else
            log.Warning("{0}: {1}", source, message);
        if (show)
            events.Publish(new LogWritten(new LogEntry(DateTimeOffset.UtcNow, source, severity, message)));
    }
}
