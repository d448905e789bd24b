using System.Net;
using System.Text;
using Akka.Actor;
using Akka.Event;
using Akka.Pattern;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Isp;
using Gateway.Core.Modem.Chat;
using Gateway.Core.Modem.Redial;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Fsm;
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
/// One ISP label: the modem link of FreeBSD ppp's datalink.c in an actor. Closed -&gt; Opening (the first free device)
/// -&gt; Dialing and Login (the chat scripts) -&gt; LCP -&gt; authentication -&gt; IPCP -&gt; Up (publishes
/// <see cref="IspLinkUp"/>) -&gt; HangingUp -&gt; RedialWait -&gt; ... as <see cref="RedialPolicy"/> decides. It owns the
/// line, the chat, the <see cref="PppSession"/>, the redial policy and the user-space IP endpoint
/// (<see cref="SendUdp"/>, <see cref="BindUdp"/>, <see cref="Ping"/>).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>A device that fails or vanishes (a read error or end of stream) is thrown as an <see cref="IOException"/>
/// to the supervisor (<see cref="SupervisedProps"/>: exponential back-off), which starts the link from scratch; a
/// device that cannot be opened is the same. Dial, chat and PPP failures are the redial policy's.</item>
/// <item>Carrier: pseudo-terminals have no DCD, so the modem's <c>NO CARRIER</c> text on the line while in PPP is
/// taken as carrier loss (the emulator says it when it drops the carrier; a real modem with <c>AT&amp;C1</c> too).</item>
/// <item>The device stays open between dial attempts (the hang-up is DTR or <c>+++ATH</c>); it is closed on
/// <see cref="Close"/>, <see cref="Down"/>, giving up, or when the actor stops. ppp closes it after each hang-up; a
/// socat pseudo-terminal pair would not survive that (socat exits when the slave side closes).</item>
/// <item>Link quality (FreeBSD's lqr.c), started when LCP opens: with <c>enable lqr</c> the link asks for the
/// Quality-Protocol option (Reporting-Period <see cref="IspLinkOptions.QualityPeriod"/>) and accepts the peer's. When
/// LCP agreed on it either way, LQR (RFC 1989, <see cref="LqrSession"/>) runs instead of echo: reports go out on the
/// period the peer asked of us, or in answer to each of its reports when it asked nothing; received reports feed the
/// monitor. When the peer rejected it (slirp does), or with only <c>enable echo</c>, LCP echo runs every
/// <see cref="IspLinkOptions.QualityPeriod"/>. Either way <see cref="IspLinkOptions.MaxMissedEchoes"/> periods in a
/// row without a report or reply hang the line up and the redial policy decides (<see cref="QualityFailed"/>). The
/// figures go out in <see cref="IspLinkStatus.Quality"/>.</item>
/// </list>
/// </remarks>
public sealed class ModemLinkActor : ReceiveActor, IWithTimers
{
    private const string ChatTimerKey = "chat";
    private const string RedialTimerKey = "redial";
    private const string QualityTimerKey = "quality";
    private const int ReadSize = 4096;
    private const int MaxBindings = 1024;

    private readonly IspLinkOptions options;
    private readonly IModemLineFactory lineFactory;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly RedialPolicy policy;
    private readonly ChatScript dialScript;
    private readonly ChatScript loginScript;
    private readonly SessionHandler handler;
    private readonly Dictionary<ushort, IActorRef> bindings = [];
    private readonly Dictionary<ushort, IActorRef> pings = [];
    private readonly CarrierWatch carrierWatch = new();

    private IspLinkState state = IspLinkState.Closed;
    private IModemLine? line;
    private CancellationTokenSource? readerStop;
    private int lineGeneration;
    private DialAndLoginChat? chat;
    private PppSession? session;
    private IspIpStack? ip;
    private IpcpNegotiated? addresses;
    private bool stayDown;
    private bool dialAfterHangup;
    private bool announcedUp;
    private string? phone;
    private int dialAttempts;
    private string? lastReason;
    private string? pendingDownReason;
    private DateTimeOffset? upSince;
    private LqrSession? lqr;
    private EchoMonitor? echo;
    private long octetsOutBefore, framesOutBefore, octetsInBefore, framesInBefore, errorsBefore;

    public ModemLinkActor(IspLinkOptions options, IModemLineFactory lineFactory)
    {
        this.options = options;
        this.lineFactory = lineFactory;
        policy = new RedialPolicy(options.Redial, options.Reconnect, options.Phone, new Random(), options.DedicatedDial);
        dialScript = ParseScript(options.DialScript, "dial");
        loginScript = ParseScript(options.LoginScript, "login");
        handler = new SessionHandler(this);

        Receive<Dial>(_ => OnDial());
        Receive<IspMessages.Close>(_ => OnClose(graceful: true));
        Receive<IspMessages.Down>(_ => OnClose(graceful: false));
        Receive<GetStatus>(_ => Sender.Tell(Status()));
        Receive<StatsTick>(_ => Publish());
        Receive<LineData>(OnLineData);
        Receive<LineEnded>(OnLineEnded);
        Receive<HangupDone>(OnHangupDone);
        Receive<ChatTimerExpired>(_ => OnChatTimer());
        Receive<RedialDue>(d => StartAttempt(d.Decision));
        Receive<SessionTimerExpired>(t => session?.TimerExpired(t.Timer));
        Receive<QualityTick>(_ => OnQualityTick());
        Receive<SendUdp>(OnSendUdp);
        Receive<BindUdp>(b =>
        {
            if (bindings.Count < MaxBindings || bindings.ContainsKey(b.LocalPort))
                bindings[b.LocalPort] = b.Subscriber;
        });
        Receive<UnbindUdp>(u => bindings.Remove(u.LocalPort));
        Receive<Ping>(OnPing);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Datagrams the link could not send (link not up, too large) or received for an unbound port.</summary>
    public long UdpDropped { get; private set; }

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
        // Counters and rates for the dashboard once a second.
        Timers.StartPeriodicTimer(StatsTimerKey, StatsTick.Instance, TimeSpan.FromSeconds(1));
        if (options.DialOnStart)
            Self.Tell(Dial.Instance);
    }

    protected override void PostStop()
    {
        if (announcedUp)
            Context.System.EventStream.Publish(new IspLinkDown(options.Name, lastReason ?? "link stopped"));
        CloseLine();
    }

    private string Name => options.Name;

    private TimeSpan Now => Context.System.Scheduler.MonotonicClock;

    private static ChatScript ParseScript(string text, string what) =>
        ChatScript.TryParse(text, out var script, out var error)
            ? script
            : throw new ArgumentException($"set {what}: {error}");

    // ---- commands ----

    private void OnDial()
    {
        if (stayDown && state != IspLinkState.Closed)
        {
            // A dial while a close is under way (Terminate, hang-up): dial again once the line is down.
            dialAfterHangup = true;
            return;
        }
        if (state != IspLinkState.Closed)
            return;
        stayDown = false;
        HandleDecision(policy.Open());
    }

    private void OnClose(bool graceful)
    {
        stayDown = true;
        dialAfterHangup = false;
        policy.Close();
        Timers.Cancel(RedialTimerKey);
        if (state == IspLinkState.Closed)
            return; // keeps the reason it closed with (e.g. the redial policy gave up)
        lastReason = graceful ? "close command" : "down command";
        switch (state)
        {
            case IspLinkState.RedialWait:
                CloseLine();
                SetState(IspLinkState.Closed);
                return;
            case IspLinkState.HangingUp:
                return;
        }
        if (session is { Phase: not LinkPhase.Dead } s)
        {
            pendingDownReason = lastReason;
            if (graceful)
            {
                // LCP Terminate-Request; the hang-up follows the session's LinkDown.
                s.Close("close command");
                return;
            }
            s.LowerDown("down command");
        }
        BeginHangup(lastReason);
    }

    // ---- dialing ----

    private void HandleDecision(RedialDecision decision)
    {
        if (decision.Action == RedialAction.GiveUp)
        {
            lastReason = decision.Reason;
            log.Warning("{0}: {1}", Name, decision.Reason);
            CloseLine();
            SetState(IspLinkState.Closed);
            Context.System.EventStream.Publish(new IspLinkGaveUp(Name, decision.Reason));
            return;
        }
        if (decision.Delay > TimeSpan.Zero)
        {
            SetState(IspLinkState.RedialWait);
            log.Info("{0}: Redial timer started: {1}", Name, decision.Reason);
            Timers.StartSingleTimer(RedialTimerKey, new RedialDue(decision), decision.Delay);
            return;
        }
        StartAttempt(decision);
    }

    private void StartAttempt(RedialDecision decision)
    {
        if (stayDown)
            return;
        dialAttempts++;
        phone = decision.PhoneNumber;
        Context.System.EventStream.Publish(new IspDialAttempt(Name, decision.Attempt, decision.PhoneNumber, decision.Delay, decision.Reason));
        if (line is null)
        {
            SetState(IspLinkState.Opening);
            // A device that cannot be opened goes to the supervisor (IOException): it backs off and starts us again.
            line = SerialLines.OpenFirstFree(Name, options.Devices,
                new SerialLineSettings(options.Speed, options.HardwareFlowControl) { EscapeGuardTime = options.EscapeGuardTime },
                lineFactory);
            log.Info("{0}: Connected to {1} (modem control: {2})", Name, line.Device, line.HasModemControl ? "yes" : "no");
            StartReader(line, ++lineGeneration);
        }
        SetState(IspLinkState.Dialing);
        log.Info("{0}: {1}", Name, decision.Reason);
        chat = new DialAndLoginChat(dialScript, loginScript,
            new ChatContext(decision.PhoneNumber, options.AuthName, Encoding.UTF8.GetString(options.AuthKey.Key)));
        ApplyChat(chat.Start(Now));
    }

    private void StartReader(IModemLine reading, int generation)
    {
        var self = Self;
        var stop = readerStop = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            var buffer = new byte[ReadSize];
            string why = "end of stream";
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var n = await reading.ReadAsync(buffer, stop.Token).ConfigureAwait(false);
                    if (n <= 0)
                        break;
                    self.Tell(new LineData(generation, buffer.AsSpan(0, n).ToArray()));
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or UnauthorizedAccessException)
            {
                why = e.Message;
            }
            if (!stop.IsCancellationRequested)
                self.Tell(new LineEnded(generation, why));
        });
    }

    private void ApplyChat(ChatStep step)
    {
        foreach (var l in step.Log)
            log.Debug("{0}: Chat: {1}", Name, l);
        foreach (var w in step.Writes)
            line!.Write(w.Span);
        if (step.TimerDeadline is { } deadline)
            Timers.StartSingleTimer(ChatTimerKey, ChatTimerExpired.Instance, deadline > Now ? deadline - Now : TimeSpan.Zero);
        else
            Timers.Cancel(ChatTimerKey);

        if (chat is null)
            return;
        if (chat.Phase == ChatPhase.Login && state == IspLinkState.Dialing)
            SetState(IspLinkState.Login);
        if (step.Result is null)
            return;
        Timers.Cancel(ChatTimerKey);
        var described = chat.Describe();
        var result = step.Result;
        chat = null;
        if (result is ChatSucceeded ok)
        {
            policy.Connected();
            StartPpp(ok.Leftover);
        }
        else
        {
            log.Info("{0}: Chat: {1}", Name, described);
            BeginHangup(described ?? result.Describe());
        }
    }

    private void OnChatTimer()
    {
        if (chat is not null)
            ApplyChat(chat.TimerExpired(Now));
    }

    // ---- PPP ----

    private void StartPpp(ReadOnlyMemory<byte> leftover)
    {
        SetState(IspLinkState.Lcp);
        pendingDownReason = null;
        carrierWatch.Reset();
        session = new PppSession(SessionSettings(), handler);
        session.Start();
        if (!leftover.IsEmpty)
            ReceivePpp(leftover.Span);
    }

    private SessionSettings SessionSettings() => new()
    {
        Name = Name,
        Framing = FramingMode.Async,
        Fsm = options.Fsm,
        Lcp = LcpSettings.Default with
        {
            EnableLqr = options.EnableLqr,
            AcceptLqr = options.EnableLqr,
            LqrPeriod = LqrOptions.OptionFromPeriod(options.QualityPeriod),
        },
        Ipcp = IpcpSettings.Default with { LocalAddress = options.LocalAddress, PeerAddress = options.PeerAddress },
        Compression = options.Compression,
        AuthName = options.AuthName,
        AuthKey = options.AuthKey,
    };

    private void ReceivePpp(ReadOnlySpan<byte> bytes)
    {
        if (carrierWatch.Scan(bytes))
        {
            log.Info("{0}: carrier lost (the modem said NO CARRIER)", Name);
            DropSession("carrier lost");
            return;
        }
        session!.ReceiveBytes(bytes);
    }

    private void OnSessionEvent(SessionEvent e)
    {
        switch (e)
        {
            case ProtocolStateChanged:
                log.Info("{0}", e);
                break;
            case PhaseChanged p:
                log.Info("{0}", p);
                var mapped = p.To switch
                {
                    LinkPhase.Authenticate => IspLinkState.Authenticating,
                    LinkPhase.Network => IspLinkState.Ipcp,
                    _ => (IspLinkState?)null,
                };
                if (mapped is { } m && state is not IspLinkState.HangingUp)
                    SetState(m);
                break;
            case LinkEstablished:
                StartQualityMonitor();
                break;
            case Authenticated a:
                log.Info("{0}: {1}: authenticated as {2}", Name, a.Protocol, a.Name);
                break;
            case NetworkUp up:
                addresses = up.Addresses;
                ip = new IspIpStack(IspIpStack.ToUInt32(up.LocalAddress));
                upSince = DateTimeOffset.UtcNow;
                lastReason = null;
                log.Info("{0}: IPCP: {1}", Name, up.Addresses);
                SetState(IspLinkState.Up);
                announcedUp = true;
                Context.System.EventStream.Publish(new IspLinkUp(Name, up.LocalAddress, up.PeerAddress));
                break;
            case NetworkDown:
                // During close/down the command is the reason; otherwise IPCP itself went down.
                AnnounceDown(pendingDownReason ?? "IPCP: network down");
                break;
            case EchoReply reply:
                echo?.EchoReplyReceived(reply.Identifier, reply.Magic, Now);
                break;
            case LinkDown down:
                log.Info("{0}: link down: {1}", Name, down.Reason);
                if (state != IspLinkState.HangingUp)
                    BeginHangup(down.Reason);
                break;
        }
    }

    /// <summary>LCP opened (again): LQR when LCP agreed on it in either direction, LCP echo otherwise.</summary>
    private void StartQualityMonitor()
    {
        StopQualityMonitor();
        if (!(options.EnableEcho || options.EnableLqr) || session?.Link is not { } link)
            return;
        lqr = options.EnableLqr ? LqrSession.Start(session, options.MaxMissedEchoes, options.QualityPeriod) : null;
        if (lqr is not null)
        {
            log.Info("{0}: LQR: {1}, checking every {2}", Name,
                lqr.Monitor.TimerMode ? $"sending every {lqr.Monitor.Options.ReportingPeriod}" : "answering the peer's reports", lqr.Period);
            Timers.StartPeriodicTimer(QualityTimerKey, QualityTick.Instance, lqr.Period);
            return;
        }
        if (options.EnableLqr)
            log.Info("{0}: LQR not agreed by the peer: using LCP echo", Name);
        echo = new EchoMonitor(new EchoOptions
        {
            Period = options.QualityPeriod,
            MaxMissedReplies = options.MaxMissedEchoes,
            LocalMagic = link.LocalMagic,
            PeerMagic = link.PeerMagic,
        });
        Timers.StartPeriodicTimer(QualityTimerKey, QualityTick.Instance, options.QualityPeriod);
    }

    private void StopQualityMonitor()
    {
        Timers.Cancel(QualityTimerKey);
        lqr = null;
        echo = null;
    }

    private void OnQualityTick()
    {
        // While LCP renegotiates its own restart timer watches the peer.
        if (session is not { LcpState: FsmState.Opened } s)
            return;
        if (lqr is not null)
        {
            if (lqr.TimerExpired(Now) == LqrTimerAction.LinkFailed)
                QualityFailed($"LQR: no report from the peer in {options.MaxMissedEchoes} periods");
            return;
        }
        if (echo is null)
            return;
        var result = echo.TimerExpired(Now);
        if (result.Action == EchoTimerAction.SendEchoRequest)
            s.SendEchoRequest(result.Identifier, []);
        else if (result.Action == EchoTimerAction.LinkFailed)
            QualityFailed($"LCP: {options.MaxMissedEchoes} echo replies missed");
    }

    private void OnQualityReport(ReadOnlySpan<byte> body)
    {
        if (lqr is null)
            return;
        var result = lqr.Received(body, Now);
        if (result.Status != LqrReceiveStatus.Accepted)
            log.Debug("{0}: LQR: report dropped: {1}", Name, result.Status);
        else if (result.Period is { } period)
            log.Debug("{0}: LQR: {1}", Name, period);
    }

    /// <summary>The link quality watch gave up on the peer: hang up, and the redial policy decides (FreeBSD's datalink_Down).</summary>
    private void QualityFailed(string reason)
    {
        log.Warning("{0}: {1}: hanging up", Name, reason);
        DropSession(reason);
    }

    // ---- hang-up ----

    /// <summary>The lower layer is gone (carrier, link quality): the session stops at once, then the hang-up.</summary>
    private void DropSession(string reason)
    {
        pendingDownReason = reason;
        session?.LowerDown(reason);
        // LowerDown normally ends the session (LinkDown), which has started the hang-up already.
        if (state != IspLinkState.HangingUp)
            BeginHangup(reason);
    }

    private void BeginHangup(string reason)
    {
        if (state == IspLinkState.HangingUp)
            return;
        lastReason = reason;
        AnnounceDown(reason);
        Timers.Cancel(ChatTimerKey);
        StopQualityMonitor();
        foreach (var t in Enum.GetValues<SessionTimer>())
            Timers.Cancel(t);
        CountSession();
        session = null;
        chat = null;
        ip = null;
        pings.Clear();
        addresses = null;
        upSince = null;
        SetState(IspLinkState.HangingUp);
        if (line is null)
        {
            Self.Tell(new HangupDone(lineGeneration));
            return;
        }
        var generation = lineGeneration;
        line.HangUpAsync(CancellationToken.None).PipeTo(Self,
            success: () => new HangupDone(generation),
            failure: _ => new HangupDone(generation));
    }

    private void OnHangupDone(HangupDone done)
    {
        if (done.Generation != lineGeneration || state != IspLinkState.HangingUp)
            return;
        if (stayDown)
        {
            CloseLine();
            SetState(IspLinkState.Closed);
            if (dialAfterHangup)
            {
                dialAfterHangup = false;
                Self.Tell(Dial.Instance);
            }
            return;
        }
        HandleDecision(policy.IsConnected ? policy.LineDropped() : policy.AttemptFailed());
    }

    private void AnnounceDown(string reason)
    {
        if (!announcedUp)
            return;
        announcedUp = false;
        Context.System.EventStream.Publish(new IspLinkDown(Name, reason));
    }

    private void OnLineData(LineData data)
    {
        if (data.Generation != lineGeneration)
            return;
        if (chat is not null)
            ApplyChat(chat.Received(data.Bytes, Now));
        else if (session is not null)
            ReceivePpp(data.Bytes);
        // else: command-mode chatter while hanging up or waiting to redial ("OK", "NO CARRIER")
    }

    private void OnLineEnded(LineEnded ended)
    {
        if (ended.Generation != lineGeneration)
            return;
        var reason = $"device {line?.Device} failed: {ended.Reason}";
        lastReason = reason;
        pendingDownReason = reason;
        session?.LowerDown(reason);
        AnnounceDown(reason);
        SetState(IspLinkState.Failed);
        CloseLine();
        throw new IOException($"{Name}: {reason}");
    }

    private void CloseLine()
    {
        readerStop?.Cancel();
        readerStop = null;
        lineGeneration++;
        line?.Dispose();
        line = null;
    }

    // ---- IP over the ISP link ----

    private void OnSendUdp(SendUdp send)
    {
        if (ip is null || session is null)
        {
            UdpDropped++;
            return;
        }
        var packet = ip.BuildUdp(send.LocalPort, IspIpStack.ToUInt32(send.RemoteAddress), send.RemotePort, send.Payload);
        if (packet.IsEmpty || !session.SendPacket(PppProtocol.Ip, packet))
            UdpDropped++;
    }

    private void OnPing(Ping ping)
    {
        if (ip is null || session is null)
            return;
        pings[ping.Sequence] = Sender;
        var packet = ip.BuildEchoRequest(IspIpStack.ToUInt32(ping.Destination), (ushort)Environment.ProcessId, ping.Sequence, ping.Data);
        if (!packet.IsEmpty)
            session.SendPacket(PppProtocol.Ip, packet);
    }

    private void OnIpPacket(ReadOnlySpan<byte> packet)
    {
        if (ip is not null)
            ip.Receive(packet, handler);
    }

    // ---- status ----

    private void SetState(IspLinkState next)
    {
        if (next == state)
            return;
        log.Info("{0}: Phase: {1} --> {2}", Name, state, next);
        state = next;
        Publish();
    }

    private void Publish() => Context.System.EventStream.Publish(new IspLinkChanged(Status()));

    private readonly RateMeter rates = new();

    private const string StatsTimerKey = "stats";

    private sealed record StatsTick
    {
        public static StatsTick Instance { get; } = new();
    }

    private IspLinkStatus Status()
    {
        var framing = session?.FramingCounters;
        var counters = new LinkCounters(
            octetsInBefore + (framing?.OctetsIn ?? 0),
            octetsOutBefore + (session?.OctetsOut ?? 0),
            framesInBefore + (framing?.FramesIn ?? 0),
            framesOutBefore + (session?.FramesOut ?? 0),
            errorsBefore + (framing?.InErrors ?? 0),
            0, 0);
        rates.Sample(counters.OctetsIn, counters.OctetsOut, MonotonicClock.Now);
        counters = counters with { BitsPerSecondIn = rates.BitsPerSecondIn, BitsPerSecondOut = rates.BitsPerSecondOut };
        return new IspLinkStatus(Name, state, line?.Device ?? string.Join(' ', options.Devices), phone, dialAttempts,
            addresses?.LocalAddress.ToString(), addresses?.PeerAddress.ToString(), upSince, lastReason, counters, Quality());
    }

    private LinkQuality? Quality() =>
        lqr is not null ? QualityStatus.Of(lqr.Monitor) : echo is not null ? QualityStatus.Of(echo) : null;

    private void CountSession()
    {
        if (session is null)
            return;
        var framing = session.FramingCounters;
        octetsInBefore += framing.OctetsIn;
        framesInBefore += framing.FramesIn;
        errorsBefore += framing.InErrors;
        octetsOutBefore += session.OctetsOut;
        framesOutBefore += session.FramesOut;
    }

    // ---- internal messages ----

    private sealed record LineData(int Generation, byte[] Bytes);

    private sealed record LineEnded(int Generation, string Reason);

    private sealed record HangupDone(int Generation);

    private sealed record RedialDue(RedialDecision Decision);

    private sealed record SessionTimerExpired(SessionTimer Timer);

    private sealed record ChatTimerExpired
    {
        public static ChatTimerExpired Instance { get; } = new();
    }

    private sealed record QualityTick
    {
        public static QualityTick Instance { get; } = new();
    }

    /// <summary>Carries out what the session asks, on the actor's thread (the session is only called from there).</summary>
    private sealed class SessionHandler(ModemLinkActor actor) : ISessionHandler, IIpDelivery
    {
        public void SendFrame(ReadOnlySpan<byte> frame)
        {
            // A session already let go (hang-up under way) keeps quiet: the +++ escape needs silence.
            if (actor.state != IspLinkState.HangingUp)
                actor.line?.Write(frame);
        }

        public void StartTimer(SessionTimer timer, TimeSpan interval) =>
            actor.Timers.StartSingleTimer(timer, new SessionTimerExpired(timer), interval);

        public void StopTimer(SessionTimer timer) => actor.Timers.Cancel(timer);

        public void OnEvent(SessionEvent sessionEvent) => actor.OnSessionEvent(sessionEvent);

        public void OnPacket(PppProtocol protocol, ReadOnlySpan<byte> information)
        {
            if (protocol == PppProtocol.Ip)
                actor.OnIpPacket(information);
            else if (protocol == PppProtocol.Lqr)
                actor.OnQualityReport(information);
        }

        public void SendIp(ReadOnlySpan<byte> packet) => actor.session?.SendPacket(PppProtocol.Ip, packet);

        public void OnUdp(uint source, ushort sourcePort, uint destination, ushort destinationPort, ReadOnlySpan<byte> payload)
        {
            if (actor.bindings.TryGetValue(destinationPort, out var subscriber))
                subscriber.Tell(new UdpReceived(actor.Name, IspIpStack.ToAddress(source), sourcePort, destinationPort, payload.ToArray()));
            else
                actor.UdpDropped++;
        }

        public void OnEchoReply(uint source, ushort identifier, ushort sequence, ReadOnlySpan<byte> data)
        {
            if (actor.pings.Remove(sequence, out var asker))
                asker.Tell(new PingReply(actor.Name, IspIpStack.ToAddress(source), sequence, data.ToArray()));
        }
    }

    /// <summary>Finds the modem's <c>\r\nNO CARRIER</c> in the byte stream, across reads.</summary>
    private sealed class CarrierWatch
    {
        private static readonly byte[] Pattern = "\r\nNO CARRIER"u8.ToArray();
        private int matched;

        public void Reset() => matched = 0;

        public bool Scan(ReadOnlySpan<byte> bytes)
        {
            foreach (var b in bytes)
            {
                // '\r' occurs only at the pattern's start, so a mismatch restarts at 0 or 1.
                if (b == Pattern[matched])
                    matched++;
                else
                    matched = b == Pattern[0] ? 1 : 0;
                if (matched == Pattern.Length)
                {
                    matched = 0;
                    return true;
                }
            }
            return false;
        }
    }
}
