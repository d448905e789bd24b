using Akka.Actor;
using Gateway.Core.Status;
using Microsoft.Extensions.Logging;

namespace Gateway.Web.Status;

/// <summary>
/// Receives every <see cref="StatusEvent"/> on the event stream and writes it to the <see cref="StatusBoard"/>;
/// also writes the event log to the host's structured log (source and message as fields). Whoever starts it subscribes it
/// (synchronously, before the role's actors start), so no early event is missed.
/// </summary>
public sealed class StatusBoardActor : ReceiveActor
{
    public StatusBoardActor(StatusBoard board, ILogger logger)
    {
        Receive<StatusEvent>(e =>
        {
            board.Apply(e);
            if (e is LogWritten { Entry: var entry })
                logger.Log(ToLevel(entry.Level), "{Source}: {Message}", entry.Source, entry.Message);
        });
    }

    public static Props Props(StatusBoard board, ILogger logger) => Akka.Actor.Props.Create(() => new StatusBoardActor(board, logger));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private static LogLevel ToLevel(LogSeverity severity) => severity switch
    {
        LogSeverity.Error => LogLevel.Error,
        LogSeverity.Warning => LogLevel.Warning,
        _ => LogLevel.Information,
    };
}
