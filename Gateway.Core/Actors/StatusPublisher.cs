using Akka.Actor;
using Gateway.Core.Status;

namespace Gateway.Core.Actors;

/// <summary>
/// Keeps the current picture from the status events on the event stream and answers <see cref="GetSnapshot"/>
/// for clients that just connected (the dashboard, <c>GET /api/links</c>). It only listens: every actor publishes
/// its own changes (ARCHITECTURE.md decision 5).
/// </summary>
public sealed class StatusPublisher : ReceiveActor
{
    /// <summary>Lines of the event log kept for a new client.</summary>
    public const int LogCapacity = 200;

    private readonly string role;
    private readonly SortedDictionary<string, IspLinkStatus> links = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, BundleStatus> bundles = new(StringComparer.Ordinal);
    private readonly SortedDictionary<(string Bundle, string Name), SublinkStatus> sublinks = new();
    private readonly Queue<LogEntry> log = new();

    public StatusPublisher(string role)
    {
        this.role = role;
        Receive<IspLinkChanged>(e => links[e.Link.Name] = e.Link);
        Receive<BundleChanged>(e => bundles[e.Bundle.Name] = e.Bundle);
        Receive<BundleRemoved>(e => bundles.Remove(e.Name));
        Receive<SublinkChanged>(e => sublinks[(e.Sublink.Bundle, e.Sublink.Name)] = e.Sublink);
        Receive<SublinkRemoved>(e => sublinks.Remove((e.Bundle, e.Name)));
        Receive<LogWritten>(e =>
        {
            log.Enqueue(e.Entry);
            while (log.Count > LogCapacity)
                log.Dequeue();
        });
        Receive<GetSnapshot>(_ => Sender.Tell(Snapshot()));
    }

    public static Props Props(string role) => Akka.Actor.Props.Create(() => new StatusPublisher(role));

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(StatusEvent));
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
    }

    private GatewaySnapshot Snapshot() => new(
        role,
        links.Values.ToArray(),
        bundles.Values.ToArray(),
        sublinks.Values.ToArray(),
        log.ToArray());

    /// <summary>Ask for the whole current picture; the answer is a <see cref="GatewaySnapshot"/>.</summary>
    public sealed record GetSnapshot
    {
        public static GetSnapshot Instance { get; } = new();
    }
}
