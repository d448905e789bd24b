using Akka.Actor;
using Gateway.Core.Status;

namespace Gateway.Web.History;

/// <summary>
/// The history's only tie to the status layer: an actor on the event stream that hands every
/// <see cref="StatusEvent"/> to the <see cref="EventRecorder"/>, <see cref="RollupBuilder"/> and
/// <see cref="FailoverDetector"/> and queues what they make on the <see cref="HistoryWriter"/> (never waiting: the
/// actors that publish are on the data path's side of the stream, and this actor only computes and queues).
/// </summary>
public sealed class HistoryFeedActor : ReceiveActor, IWithTimers
{
    private const string FlushTimerKey = "flush-rollups";

    private readonly HistoryWriter writer;
    private readonly TimeProvider time;
    private readonly TimeSpan flushInterval;
    private readonly EventRecorder events;
    private readonly RollupBuilder rollups;
    private readonly FailoverDetector failovers;

    public HistoryFeedActor(HistoryWriter writer, HistoryOptions options, TimeProvider time)
    {
        this.writer = writer;
        this.time = time;
        flushInterval = options.RollupFlushInterval;
        events = new EventRecorder(options.Node);
        rollups = new RollupBuilder(options.Node, time);
        failovers = new FailoverDetector(options.Node);

        Receive<StatusEvent>(Observe);
        Receive<FlushRollups>(_ => Enqueue(rollups.Flush()));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(HistoryWriter writer, HistoryOptions options, TimeProvider time) =>
        Akka.Actor.Props.Create(() => new HistoryFeedActor(writer, options, time));

    protected override void PreStart() => Timers.StartPeriodicTimer(FlushTimerKey, FlushRollups.Instance, flushInterval);

    /// <summary>What is still open goes to the writer, which stops after the actor system (its last batch includes these).</summary>
    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        Enqueue(rollups.FlushAll());
        Enqueue(failovers.EndAll(time.GetUtcNow()));
    }

    private void Observe(StatusEvent e)
    {
        var now = time.GetUtcNow();
        Enqueue(events.Observe(e, now));
        Enqueue(rollups.Observe(e));
        switch (e)
        {
            case BundleChanged { Bundle: var bundle }:
                Enqueue(failovers.Observe(bundle, now));
                break;
            case BundleRemoved { Name: var name }:
                Enqueue(failovers.Removed(name, now));
                break;
        }
    }

    private void Enqueue(IEnumerable<HistoryRecord> records)
    {
        foreach (var record in records)
            writer.TryEnqueue(record);
    }

    private sealed record FlushRollups
    {
        public static FlushRollups Instance { get; } = new();
    }
}

/// <summary>
/// Starts the <see cref="HistoryFeedActor"/> and subscribes it to the event stream. Registered before Akka.Hosting's
/// own hosted service (<c>AddGatewayHistory</c> comes before <c>AddAkka</c>), it runs after the actor system exists
/// (resolving it creates it) but before the role's actors start, so no event is missed; and it stops after them, so
/// the writer, stopped later still, gets the last minutes.
/// </summary>
public sealed class HistoryFeedService(IServiceProvider services, HistoryWriter writer, HistoryOptions options, TimeProvider time) : IHostedService
{
    public const string ActorName = "history-feed";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var system = services.GetRequiredService<ActorSystem>();
        var feed = system.ActorOf(HistoryFeedActor.Props(writer, options, time), ActorName);
        system.EventStream.Subscribe(feed, typeof(StatusEvent));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
