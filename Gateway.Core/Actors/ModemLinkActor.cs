using Akka.Actor;
using Akka.Event;
using Akka.Pattern;
using Gateway.Core.Isp;
using Gateway.Core.Modem;
using Gateway.Core.Modem.Chat;
using Gateway.Core.Modem.Redial;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Lqr;
using Gateway.Core.Ppp.Session;
using Gateway.Core.Status;
using Gateway.Core.Transport;
using static Gateway.Core.Actors.Messages.IspMessages;
using LinkCounters = Gateway.Core.Status.LinkCounters;

namespace Gateway.Core.Actors;

/// <summary>
/// One ISP label: FreeBSD ppp's datalink in an actor, thin around the pure <see cref="DataLink"/>. It carries out the
/// datalink's actions (the device, the chat and redial timers, the hang-up), runs the link's PPP session through a
/// <see cref="SessionDriver"/> (LCP, PAP/CHAP, IPCP, and the LQR or echo keepalive), watches the carrier, and carries
/// the UDP of the sublinks over it (<see cref="IspUdpPorts"/>, handed out with <see cref="IspLinkUp"/>).
/// </summary>
/// <remarks>
/// A device that cannot be opened, fails or vanishes is thrown as an <see cref="IOException"/> to the supervisor
/// (<see cref="SupervisedProps"/>: exponential back-off), which starts the link from scratch and so dials again.
/// Pseudo-terminals have no DCD: the modem's <c>NO CARRIER</c> on the line while PPP runs is the carrier loss
/// (<see cref="CarrierWatch"/>). The rest of FreeBSD's behaviour, and where this departs from it, is in
/// Gateway.Core/Isp/README.md.
/// </remarks>
public sealed class ModemLinkActor : ReceiveActor, IWithTimers, ISessionPort, ISessionOwner
{
    private const string ChatTimerKey = "chat";
    private const string RedialTimerKey = "redial";
    private const string StatsTimerKey = "stats";

    private readonly IspLinkOptions options;
    private readonly IModemLineFactory lineFactory;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly LogBudget sessionLines = new(SublinkActor.LogBudgetLines, SublinkActor.LogBudgetPeriod);
    private readonly DataLink dataLink;
    private readonly IspUdpPorts udp;
    private readonly CarrierWatch carrierWatch = new();
    private readonly SessionTotals totals = new();
    private IModemLine? line;
    private LineReader? reader;
    private int lineGeneration;
    private readonly SessionTimers sessionTimers;
    private SessionDriver? driver;
    private readonly ModemLinkIp ip;
    private DateTimeOffset? upSince;
    private IspLinkState published = (IspLinkState)byte.MaxValue;

    public ModemLinkActor(IspLinkOptions options, IModemLineFactory lineFactory)
    {
        this.options = options;
        this.lineFactory = lineFactory;
        dataLink = new DataLink(options.ToDataLinkSettings());
        var self = Self;
        udp = new IspUdpPorts(options.Name, packet => self.Tell(packet));
        ip = new ModemLinkIp(options.Name, udp);
        sessionTimers = new SessionTimers(Timers);

        Receive<Dial>(_ => Run(new DataLinkEvent.Dial()));
        Receive<Close>(_ => Run(new DataLinkEvent.Close(Graceful: true)));
        Receive<Down>(_ => Run(new DataLinkEvent.Close(Graceful: false)));
        Receive<GetStatus>(_ => Sender.Tell(Status()));
        Receive<StatsTick>(_ => Publish());
        Receive<Packet>(OnPacket);
        Receive<LineEnded>(OnLineEnded);
        Receive<HangupDone>(d =>
        {
            if (d.Generation == lineGeneration)
                Run(new DataLinkEvent.HangupDone());
        });
        Receive<ChatTimerFired>(_ => Run(new DataLinkEvent.ChatTimerExpired()));
        Receive<RedialDue>(d => Run(new DataLinkEvent.RedialDue(d.Decision)));
        Receive<SessionTimers.Fired>(t => driver?.TimerExpired(t.Timer));
        Receive<SessionTimers.KeepaliveTick>(_ => driver?.KeepaliveTick());
        Receive<Ping>(p => ip.Ping(p, Sender));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="lineFactory">How devices are opened; null: System.IO.Ports.</param>
    public static Props Props(IspLinkOptions options, IModemLineFactory? lineFactory = null) =>
        Akka.Actor.Props.Create(() => new ModemLinkActor(options, lineFactory ?? SerialPortLineFactory.Instance));

    /// <summary>The link under a back-off supervisor that restarts it on device errors (child name <c>link</c>);
    /// messages to the supervisor are forwarded to the link.</summary>
    public static Props SupervisedProps(IspLinkOptions options, IModemLineFactory? lineFactory = null,
        TimeSpan? minBackoff = null, TimeSpan? maxBackoff = null) =>
        BackoffSupervisor.Props(Backoff.OnFailure(
            Props(options, lineFactory), "link",
            minBackoff ?? TimeSpan.FromSeconds(1), maxBackoff ?? TimeSpan.FromSeconds(30), 0.2, maxNrOfRetries: -1));

    protected override void PreStart()
    {
        Publish();
        Timers.StartPeriodicTimer(StatsTimerKey, StatsTick.Instance, TimeSpan.FromSeconds(1));
        if (options.DialOnStart)
            Self.Tell(Dial.Instance);
    }

    protected override void PostStop()
    {
        if (dataLink.AnnouncedUp)
            Context.System.EventStream.Publish(new IspLinkDown(options.Name, dataLink.LastReason ?? "link stopped"));
        CloseLine();
    }

    public TimeSpan Now => Context.System.Scheduler.MonotonicClock;

    private void Run(DataLinkEvent e)
    {
        foreach (var action in dataLink.Handle(e, Now))
            Execute(action);
        if (dataLink.State != published)
            Publish();
    }

    private void Execute(DataLinkAction action)
    {
        switch (action)
        {
            case DataLinkAction.OpenDevice:
                // A device that cannot be opened goes to the supervisor (IOException): it backs off and starts us again.
                line = SerialLines.OpenFirstFree(options.Name, options.Devices,
                    new SerialLineSettings(options.Speed, options.HardwareFlowControl) { EscapeGuardTime = options.EscapeGuardTime }, lineFactory);
                var self = Self;
                reader = LineReader.Start(line, ++lineGeneration, packet => self.Tell(packet), (generation, why) => self.Tell(new LineEnded(generation, why)));
                Run(new DataLinkEvent.DeviceOpened($"{line.Device} (modem control: {(line.HasModemControl ? "yes" : "no")})"));
                break;
            case DataLinkAction.Write write:
                line?.Write(write.Bytes.Span);
                break;
            case DataLinkAction.SetChatTimer { After: { } after }:
                Timers.StartSingleTimer(ChatTimerKey, ChatTimerFired.Instance, after);
                break;
            case DataLinkAction.SetChatTimer:
                Timers.Cancel(ChatTimerKey);
                break;
            case DataLinkAction.StartSession start:
                StartSession(start.Leftover.Span);
                break;
            case DataLinkAction.CloseSession close:
                driver?.Session.Close(close.Reason);
                break;
            case DataLinkAction.DropSession drop:
                EndSession(drop.Reason);
                break;
            case DataLinkAction.HangUp:
                HangUp();
                break;
            case DataLinkAction.CloseDevice:
                CloseLine();
                break;
            case DataLinkAction.StartRedialTimer redial:
                Timers.StartSingleTimer(RedialTimerKey, new RedialDue(redial.Decision), redial.Decision.Delay);
                break;
            case DataLinkAction.CancelRedialTimer:
                Timers.Cancel(RedialTimerKey);
                break;
            case DataLinkAction.DialAttempted { Decision: var d }:
                Context.System.EventStream.Publish(new IspDialAttempt(options.Name, d.Attempt, d.PhoneNumber, d.Delay, d.Reason));
                break;
            case DataLinkAction.Up up:
                if (driver is not null)
                    ip.Start(up.Addresses.LocalAddress, driver);
                upSince = DateTimeOffset.UtcNow;
                Context.System.EventStream.Publish(new IspLinkUp(options.Name, up.Addresses.LocalAddress, up.Addresses.PeerAddress, udp));
                break;
            case DataLinkAction.Down down:
                upSince = null;
                Context.System.EventStream.Publish(new IspLinkDown(options.Name, down.Reason));
                break;
            case DataLinkAction.GaveUp gaveUp:
                Context.System.EventStream.Publish(new IspLinkGaveUp(options.Name, gaveUp.Reason));
                break;
            case DataLinkAction.StateChanged changed when changed.State != published:
                Publish(changed.State);
                break;
            case DataLinkAction.Log line:
                // The model's lines start with the link's name (or a keepalive's own); the event log names the link.
                string prefix = options.Name + ": ";
                EventLog.Write(log, Context.System.EventStream, options.Name, line.Warning ? LogSeverity.Warning : LogSeverity.Information,
                    line.Message.StartsWith(prefix, StringComparison.Ordinal) ? line.Message[prefix.Length..] : line.Message, show: !line.Transcript);
                break;
        }
    }

    // ---- the line ----

    private void OnPacket(Packet packet)
    {
        try
        {
            if (packet.Lane == udp.Outbound)
                ip.SendUdp(packet);
            else if (packet.Tag != lineGeneration)
                return;
            else if (dataLink.Chatting)
                Run(new DataLinkEvent.LineData(packet.Span.ToArray()));
            else if (driver is not null)
                ReceivePpp(packet.Span);
            // else: command-mode chatter while hanging up or waiting to redial ("OK", "NO CARRIER")
        }
        finally
        {
            packet.Release();
        }
    }

    private void OnLineEnded(LineEnded ended)
    {
        if (ended.Generation != lineGeneration)
            return;
        string reason = $"device {line?.Device} failed: {ended.Reason}";
        foreach (var action in dataLink.DeviceFailed(reason))
            Execute(action);
        Publish();
        throw new IOException($"{options.Name}: {reason}");
    }

    private void HangUp()
    {
        int generation = lineGeneration;
        if (line is null)
        {
            Self.Tell(new HangupDone(generation));
            return;
        }
        line.HangUpAsync(CancellationToken.None).PipeTo(Self, success: () => new HangupDone(generation), failure: _ => new HangupDone(generation));
    }

    private void CloseLine()
    {
        reader?.Dispose();
        reader = null;
        lineGeneration++;
        line?.Dispose();
        line = null;
    }

    // ---- PPP ----

    private void StartSession(ReadOnlySpan<byte> leftover)
    {
        carrierWatch.Reset();
        driver = new SessionDriver(options.ToSessionSettings(), options.ToKeepaliveOptions(), KeepaliveFailure.LowerDown, this, this);
        driver.Session.Start();
        if (!leftover.IsEmpty)
            ReceivePpp(leftover);
    }

    private void ReceivePpp(ReadOnlySpan<byte> bytes)
    {
        if (carrierWatch.Scan(bytes))
        {
            log.Info("{0}: carrier lost (the modem said NO CARRIER)", options.Name);
            Run(new DataLinkEvent.LineLost("carrier lost"));
            return;
        }
        driver!.Session.ReceiveBytes(bytes);
    }

    /// <summary>The session is let go: down at once (a no-op if it has ended), its timers stopped, its counters kept.</summary>
    private void EndSession(string reason)
    {
        if (driver is not { } ended)
            return;
        driver = null;
        ip.Stop();
        ended.Session.LowerDown(reason);
        sessionTimers.StopAll();
        totals.Add(ended);
    }

    void ISessionPort.Send(ReadOnlySpan<byte> frame) => line?.Write(frame);

    void ISessionPort.StartTimer(SessionTimer timer, TimeSpan interval) => sessionTimers.Start(timer, interval);

    void ISessionPort.StopTimer(SessionTimer timer) => sessionTimers.Stop(timer);

    void ISessionPort.SetKeepaliveTimer(TimeSpan? period) => sessionTimers.SetKeepalive(period);

    void ISessionOwner.OnEvent(SessionEvent sessionEvent)
    {
        // Budgeted: an ISP that renegotiates LCP packet after packet must not fill the disk (SublinkActor's budget).
        if (sessionEvent is ProtocolStateChanged or PhaseChanged or KeepaliveStarted && sessionLines.Line(Now, sessionEvent.ToString()!) is { } line)
            log.Info("{0}", line);
        else if (sessionEvent is Authenticated a)
            log.Info("{0}: {1}: authenticated as {2}", options.Name, a.Protocol, a.Name);
        Run(new DataLinkEvent.SessionChanged(sessionEvent));
    }

    void ISessionOwner.OnPacket(PppProtocol protocol, ReadOnlySpan<byte> information)
    {
        if (protocol == PppProtocol.Ip)
            ip.Receive(information);
    }

    // ---- status ----

    private void Publish() => Publish(dataLink.State);

    private void Publish(IspLinkState state)
    {
        published = state;
        Context.System.EventStream.Publish(new IspLinkChanged(Status() with { State = state }));
    }

    private IspLinkStatus Status()
    {
        var counters = totals.Sample(driver, Now);
        var addresses = dataLink.Addresses;
        return new IspLinkStatus(options.Name, dataLink.State, line?.Device ?? string.Join(' ', options.Devices), dataLink.Phone, dataLink.DialAttempts,
            addresses?.LocalAddress.ToString(), addresses?.PeerAddress.ToString(), upSince, dataLink.LastReason, counters, QualityStatus.Of(driver?.Keepalive))
        {
            QueueDrops = udp.Outbound.Dropped,
            QueueDepth = udp.Outbound.InFlight,
        };
    }

    // ---- internal messages ----

    private sealed record LineEnded(int Generation, string Reason);

    private sealed record HangupDone(int Generation);

    private sealed record RedialDue(RedialDecision Decision);

    private sealed record ChatTimerFired
    {
        public static ChatTimerFired Instance { get; } = new();
    }

    private sealed record StatsTick
    {
        public static StatsTick Instance { get; } = new();
    }
}
