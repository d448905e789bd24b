using Akka.Actor;
using Akka.Hosting;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Hosting;
using Gateway.Core.Status;

namespace Gateway.Web.Demo;

/// <summary>
/// TEMPORARY stand-in for the integrator's <c>WithDemoTopology(DemoOptions)</c>: an actor under
/// <see cref="ActorKeys.Gateway"/> that pretends to be four modem links (isp1..isp4) carrying the sublinks of one
/// bundle (vpn). It answers <see cref="LinkCommand"/> and publishes plausible, changing status events, so the web
/// layer can be built and tested before the real demo exists. It runs no PPP at all. Remove it when
/// <c>RoleActors.WithRoleActors</c> calls <c>WithDemoTopology</c>.
/// </summary>
public sealed class PlaceholderTopology : ReceiveActor, IWithTimers
{
    public const string BundleName = "vpn";
    public static readonly IReadOnlyList<string> LinkNames = ["isp1", "isp2", "isp3", "isp4"];

    private const string TickKey = "tick";
    private const double LineRateBps = 33_600; // a V.34 modem's line rate
    private const int RedialAfterTicks = 12;
    private const int MrruOctets = 1500;

    private readonly TimeSpan tick;
    private readonly Link[] links;
    private readonly DateTimeOffset started = DateTimeOffset.UtcNow;
    private long bundleOctets, probesSent, probesAnswered, tickCount;

    public ITimerScheduler Timers { get; set; } = null!;

    public PlaceholderTopology(TimeSpan tick)
    {
        this.tick = tick;
        links = LinkNames.Select((name, i) => new Link(name, i + 1)).ToArray();
        Receive<Tick>(_ => OnTick());
        Receive<LinkCommand>(OnCommand);
    }

    public static Props Props(TimeSpan tick) => Akka.Actor.Props.Create(() => new PlaceholderTopology(tick));

    protected override void PreStart()
    {
        foreach (var link in links)
        {
            link.State = IspLinkState.Up;
            link.UpSince = started;
            link.DialAttempts = 1;
            SetRate(link);
        }
        Log("demo", LogSeverity.Information, "placeholder topology started: 4 ISP links, bundle vpn (no real PPP runs)");
        PublishAll();
        Timers.StartPeriodicTimer(TickKey, Tick.Instance, tick);
    }

    private void OnCommand(LinkCommand command)
    {
        var link = links.FirstOrDefault(l => l.Name == command.Link);
        if (link is null)
        {
            Sender.Tell(new LinkCommandResult(command.Link, command.Kind, false, $"no link named {command.Link}"));
            return;
        }
        string message;
        switch (command.Kind)
        {
            case LinkCommandKind.Dial when link.State is IspLinkState.Closed or IspLinkState.RedialWait or IspLinkState.Failed:
                link.State = IspLinkState.Dialing;
                link.Phase = 0;
                link.DialAttempts++;
                message = "dialing";
                break;
            case LinkCommandKind.Dial:
                message = $"already {link.State.ToString().ToLowerInvariant()}";
                break;
            case LinkCommandKind.Close:
                GoDown(link, IspLinkState.Closed, "closed by the operator");
                message = "closed";
                break;
            default:
                GoDown(link, IspLinkState.RedialWait, "dropped by the operator (redial applies)");
                link.Phase = 0;
                message = "down";
                break;
        }
        Log(link.Name, LogSeverity.Information, $"{command.Kind.ToString().ToLowerInvariant()}: {message}");
        PublishAll();
        Sender.Tell(new LinkCommandResult(link.Name, command.Kind, true, message));
    }

    private void GoDown(Link link, IspLinkState state, string reason)
    {
        var wasUp = link.State == IspLinkState.Up;
        link.State = state;
        link.UpSince = null;
        link.LastReason = reason;
        if (wasUp)
            Log(link.Name, LogSeverity.Warning, $"link down: {reason}");
    }

    private void OnTick()
    {
        tickCount++;
        foreach (var link in links)
            Advance(link);

        var up = links.Where(l => l.State == IspLinkState.Up).ToArray();
        foreach (var link in links)
        {
            SetRate(link);
            var rate = link.RateOut;
            var seconds = tick.TotalSeconds;
            link.OctetsOut += (long)(rate * seconds / 8);
            link.OctetsIn += (long)(link.RateIn * seconds / 8);
            link.FramesOut += rate > 0 ? 3 : 0;
            link.FramesIn += rate > 0 ? 1 : 0;
        }
        bundleOctets += (long)(up.Sum(l => l.RateOut) * 0.9 * tick.TotalSeconds / 8);
        if (up.Length > 0)
        {
            probesSent++;
            probesAnswered++;
        }
        PublishAll();
    }

    private void SetRate(Link link)
    {
        link.RateOut = link.State == IspLinkState.Up ? LineRateBps * (0.85 + 0.1 * Math.Sin(tickCount / 7.0 + link.Number)) : 0;
        link.RateIn = link.RateOut * 0.2;
    }

    private void Advance(Link link)
    {
        switch (link.State)
        {
            case IspLinkState.RedialWait when ++link.Phase >= RedialAfterTicks:
                link.State = IspLinkState.Dialing;
                link.Phase = 0;
                link.DialAttempts++;
                break;
            case IspLinkState.Dialing:
                link.State = IspLinkState.Lcp;
                break;
            case IspLinkState.Lcp:
                link.State = IspLinkState.Authenticating;
                break;
            case IspLinkState.Authenticating:
                link.State = IspLinkState.Ipcp;
                break;
            case IspLinkState.Ipcp:
                link.State = IspLinkState.Up;
                link.UpSince = DateTimeOffset.UtcNow;
                link.LastReason = null;
                Log(link.Name, LogSeverity.Information, "link up");
                break;
        }
    }

    private void PublishAll()
    {
        var stream = Context.System.EventStream;
        foreach (var link in links)
        {
            var up = link.State == IspLinkState.Up;
            var counters = new LinkCounters(link.OctetsIn, link.OctetsOut, link.FramesIn, link.FramesOut, 0, link.RateIn, link.RateOut);
            stream.Publish(new IspLinkChanged(new IspLinkStatus(
                link.Name, link.State, $"/dev/ttyEMU{link.Number}", $"555010{link.Number}", link.DialAttempts,
                up ? $"10.0.{link.Number}.2" : null, up ? $"10.0.{link.Number}.1" : null, link.UpSince, link.LastReason, counters)));
            var rtt = 120 + 15 * link.Number + 10 * Math.Sin(tickCount / 5.0 + link.Number);
            stream.Publish(new SublinkChanged(new SublinkStatus(
                BundleName, link.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), link.Name,
                up ? SublinkState.Open : SublinkState.Closed, up ? "127.0.0.1:6671" : null,
                up ? new LinkQuality("lqr", rtt, 0.2 * link.Number, 0.1 * link.Number, 0) : null,
                up ? null : "ISP link down", counters)));
        }
        var members = links.Where(l => l.State == IspLinkState.Up).Select(l => l.Number.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var goodput = links.Where(l => l.State == IspLinkState.Up).Sum(l => l.RateOut) * 0.9;
        var bundleUp = members.Length > 0;
        stream.Publish(new BundleChanged(new BundleStatus(
            BundleName, bundleUp, members, MrruOctets, bundleUp ? "10.9.0.2" : null, bundleUp ? "10.9.0.1" : null,
            bundleUp ? started : null,
            new ReassemblyStatus(probesAnswered * 40, 0, 0, tickCount / 50, Math.Max(0, members.Length - 1), 3, 1500L * members.Length, 6000),
            new TrafficStatus(goodput, bundleUp ? 180 + 20 * Math.Sin(tickCount / 9.0) : null, 0, probesSent, probesAnswered),
            new LinkCounters(bundleOctets / 5, bundleOctets, probesAnswered, probesSent * 40, 0, goodput * 0.2, goodput))));
    }

    private void Log(string source, LogSeverity level, string message) =>
        Context.System.EventStream.Publish(new LogWritten(new LogEntry(DateTimeOffset.UtcNow, source, level, message)));

    private sealed class Link(string name, int number)
    {
        public string Name { get; } = name;
        public int Number { get; } = number;
        public IspLinkState State;
        public int Phase, DialAttempts;
        public DateTimeOffset? UpSince;
        public string? LastReason;
        public long OctetsIn, OctetsOut, FramesIn, FramesOut;
        public double RateIn, RateOut;
    }

    private sealed record Tick
    {
        public static Tick Instance { get; } = new();
    }
}

public static class PlaceholderTopologyHosting
{
    /// <summary>TEMPORARY: registers <see cref="PlaceholderTopology"/> as <see cref="ActorKeys.Gateway"/>.</summary>
    public static AkkaConfigurationBuilder WithPlaceholderTopology(this AkkaConfigurationBuilder builder, TimeSpan? tick = null) =>
        builder.WithActors((system, registry) =>
            registry.Register<ActorKeys.Gateway>(system.ActorOf(PlaceholderTopology.Props(tick ?? TimeSpan.FromMilliseconds(250)), "gateway")));
}
