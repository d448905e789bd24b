using System.Net;
using Akka.Actor;
using Akka.Event;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Crypto;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Lqr;
using LinkCounters = Gateway.Core.Status.LinkCounters;
using Gateway.Core.Ppp.Session;
using Gateway.Core.Status;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Core.Actors;

/// <summary>
/// One member link of a bundle over a datagram path. It runs LCP with the
/// Multilink options, authentication and the echo keepalive over its own <see cref="PppSession"/>, and reports to
/// its bundle: up when the Network phase is reached, down when it leaves it, and every Multilink fragment it
/// receives. It closes at once when its transport fails (the failure escapes to its supervisor, which restarts it
/// with back-off) or when the keepalive declares the peer gone. An encrypted sublink's transport seals and opens
/// every datagram (<see cref="SealedTransports"/>); on a gateway, LCP starts only once the first handshake completed.
/// </summary>
public sealed partial class SublinkActor : ReceiveActor, IWithTimers, ISessionPort, ISessionOwner
{
    private const string StatsTimerKey = "stats";
    private const string EstablishTimerKey = "establish";
    private const string HandshakeTimerKey = "handshake";

    private readonly SublinkOptions options;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private IActorRef owner;
    private SessionDriver driver = null!;
    private SessionTimers sessionTimers = null!;
    private ISublinkTransport? transport;
    private SublinkInbound? datagrams;
    private string bundleName;
    private MemberDataPath? dataPath;
    private string? peerName;
    private string? lastReason;
    private bool reportedUp;
    private readonly RateMeter rates = new();
    private bool stopping;
    private bool restarting;
    private DateTime lastTransportWarning;
    private bool reportedUnreachable;
    private readonly FramesBeforeJoin beforeJoin = new();
    private long octetsIn;
    private long octetsOut;
    private long framesIn;
    private long framesOut;
    private SealedLink? sealedLink;
    private SealedTransport? sealedTransport;
    private InitiatorHandshakes? handshakes;
    private bool pppStarted;
    private bool authMismatch;

    public SublinkActor(SublinkOptions options, IActorRef initialOwner)
    {
        this.options = options;
        owner = initialOwner;
        bundleName = options.Bundle;

        Receive<DatagramIn>(d => ReceiveDatagram(d.Datagram));
        Receive<Gateway.Core.Transport.Packet>(p =>
        {
            try
            {
                ReceiveDatagram(p.Span);
            }
            finally
            {
                p.Release();
            }
        });
        Receive<SessionTimers.Fired>(t => driver.TimerExpired(t.Timer));
        Receive<TransportFailed>(OnTransportFailed);
        // The bundle's sends on our transport threw: our bug, so our supervisor's business (a restart, alone).
        Receive<DataPathFault>(f => throw new InvalidOperationException($"{options.Name}: sending a fragment failed: {f.Error.Message}", f.Error));
        Receive<JoinedBundle>(j =>
        {
            this.owner = j.Bundle;
            ForgetLateness(joined: true);
            beforeJoin.Join(j.Bundle, Self);
            if (session.Phase == LinkPhase.Network)
                datagrams?.RouteMultilinkTo(j.Bundle, j.Index, j.Key);
            if (j.BundleName != bundleName)
            {
                // A receiver's sublink learns its bundle's name (vpn-in-3) only now: the status moves under it.
                if (published)
                    Context.System.EventStream.Publish(new SublinkRemoved(bundleName, options.Name));
                bundleName = j.BundleName;
            }
            Publish();
        });
        Receive<Refused>(r =>
        {
            lastReason = r.Reason;
            session.Close(r.Reason);
        });
        Receive<CloseSublink>(c => session.Close(c.Reason));
        Receive<RejectForBundle>(r => session.RejectProtocol(r.Protocol, r.Information));
        Receive<SessionTimers.KeepaliveTick>(_ => OnKeepaliveTick());
        Receive<EchoLateCheck>(_ => OnLateCheck());
        Receive<StatsTick>(_ => OnStatsTick());
        Receive<SublinkSecurity.HandshakeIn>(h => OnHandshake(h.Datagram));
        Receive<SendInitiation>(_ => SendInitiationNow(MonotonicClock.Now));
        Receive<HandshakeRetry>(_ =>
        {
            if (handshakes?.Pending == true)
                Initiate();
        });
        Receive<EstablishTimedOut>(_ => OnEstablishTimedOut());
        Receive<PeerSilent>(_ => OnPeerSilent());
        Receive<Evict>(_ => OnEvicted());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(SublinkOptions options, IActorRef owner) =>
        Akka.Actor.Props.Create(() => new SublinkActor(options, owner));

    private PppSession session => driver.Session;

    protected override void PreStart()
    {
        // The seed disables LQR on its sublinks ("LQR *must not* be enabled" with one receiving ppp): LCP echo.
        var keepalive = options.EchoPeriod is { } period ? new KeepaliveOptions { Echo = true, Period = period, MaxMisses = options.EchoMisses } : null;
        sessionTimers = new SessionTimers(Timers);
        driver = new SessionDriver(options.Session with { Name = $"{options.Bundle}/{options.Name}" }, keepalive, KeepaliveFailure.LowerDown, this, this);
        datagrams = new SublinkInbound(Self);
        switch (options.Security)
        {
            case SublinkSecurity.Initiator keys:
                sealedLink = new SealedLink();
                handshakes = new InitiatorHandshakes(keys, sealedLink);
                transport = sealedTransport = (SealedTransport)SealedTransports.Wrap(options.Transport, sealedLink, new HandshakeToActor(Self))(datagrams);
                break;
            case SublinkSecurity.Responder keys:
                sealedLink = keys.Link;
                transport = SealedTransports.Wrap(options.Transport, keys.Link, keys.Handshakes)(datagrams);
                break;
            default:
                transport = options.Transport(datagrams);
                break;
        }
        Publish();
        if (handshakes is not null)
            Initiate();   // LCP starts when the handshake completes
        else
            StartPpp();
        // Counters and rates for the dashboard once a second.
        Timers.StartPeriodicTimer(StatsTimerKey, StatsTick.Instance, TimeSpan.FromSeconds(1));
        if (options.EstablishTimeout is { } limit)
            Timers.StartSingleTimer(EstablishTimerKey, EstablishTimedOut.Instance, limit);
        StartSilentTimer();
    }

    protected override void PreRestart(Exception reason, object message)
    {
        restarting = true;
        base.PreRestart(reason, message);
    }

    protected override void PostStop()
    {
        // Also runs before a restart: the session's way to Dead must not stop the actor the supervisor restarts.
        stopping = true;
        if (session.Phase != LinkPhase.Dead)
            session.LowerDown(lastReason ?? "sublink stopped");
        ReportDown(lastReason ?? "sublink stopped");
        ReportSuppressedSessionLines();
        transport?.Dispose();
        transport = null;
        // Keys wiped on close (issue 13); the receiver's table forgets the sessions.
        handshakes?.Dispose();
        sealedLink?.Dispose();
        if (!restarting)
            ReportEnd();
    }

    private void ReceiveDatagram(ReadOnlySpan<byte> datagram)
    {
        framesIn++;
        octetsIn += datagram.Length;
        HeardFromPeer();
        session.ReceiveDatagram(datagram);
    }

    private void OnTransportFailed(TransportFailed failed)
    {
        if (!failed.Failure.Fatal)
        {
            // ICMP port unreachable, a failed send: the keepalive decides whether the path is really gone, but data
            // stops going out on it now (one ICMP could be spurious: the first word from the peer brings it back).
            // One line a second at most: a dead path fails every fragment sent on it.
            if (reportedUp && !reportedUnreachable)
            {
                reportedUnreachable = true;
                owner.Tell(new MemberUnreachable(Self, failed.Failure.ToString()));
            }
            if (DateTime.UtcNow - lastTransportWarning >= TimeSpan.FromSeconds(1))
            {
                lastTransportWarning = DateTime.UtcNow;
                Note(LogLevel.WarningLevel, "{0}: transport: {1}", options.Name, failed.Failure);
            }
            return;
        }
        lastReason = $"transport failed: {failed.Failure}";
        // Device failures go to the supervisor with back-off (STYLE.md rule 6).
        throw new SublinkTransportException(lastReason, failed.Failure.Error);
    }

    private void OnKeepaliveTick()
    {
        driver.KeepaliveTick();
        if (dataPath is not null && driver.Keepalive?.SmoothedRtt is { } rtt)
            dataPath.SmoothedRtt = rtt;
        ArmLateCheck();
    }

    TimeSpan ISessionPort.Now => Context.System.Scheduler.MonotonicClock;

    void ISessionPort.Send(ReadOnlySpan<byte> frame)
    {
        framesOut++;
        octetsOut += frame.Length;
        transport?.Send(frame);
    }

    void ISessionPort.StartTimer(SessionTimer timer, TimeSpan interval) => sessionTimers.Start(timer, interval);

    void ISessionPort.StopTimer(SessionTimer timer) => sessionTimers.Stop(timer);

    void ISessionPort.SetKeepaliveTimer(TimeSpan? period) => sessionTimers.SetKeepalive(period);

    void ISessionOwner.OnEvent(SessionEvent sessionEvent)
    {
        switch (sessionEvent)
        {
            case ProtocolStateChanged or PhaseChanged or KeepaliveStarted:
                NoteSessionLine(sessionEvent);
                break;
            case KeepaliveFailed failed:
                lastReason = failed.Reason;
                Note(LogLevel.InfoLevel, "{0}", failed);
                break;
            case Authenticated { PeerAuthenticated: true } auth:
                peerName = auth.Name;
                OnPeerAuthenticated();
                if (sealedLink?.AuthName is { } keyName && !string.Equals(keyName, auth.Name, StringComparison.Ordinal))
                {
                    // The key proved one peer, PPP authenticated another: never join a bundle (docs/CONFIG.md, ppp.keys).
                    authMismatch = true;
                    var reason = $"authname '{auth.Name}' does not match its key's authname '{keyName}' (ppp.keys)";
                    log.Warning("{0}: {1}", options.Name, reason);
                    Self.Tell(new Refused(reason));
                }
                break;
            case LinkDown down:
                lastReason = down.Reason;
                Note(LogLevel.InfoLevel, "{0}: link down: {1}", options.Name, down.Reason);
                break;
            case ProtocolRejectedByPeer { ForBundle: true } rejected:
                owner.Tell(new MemberRejectedProtocol(Self, rejected.Protocol));
                break;
            case ProtocolRejectedByPeer rejected:
                Note(LogLevel.WarningLevel, "{0}", rejected);
                break;
            case EchoReply when dataPath is not null && driver.Keepalive?.SmoothedRtt is { } rtt:
                dataPath.SmoothedRtt = rtt;
                dataPath.LatestRtt = driver.Keepalive.Echo?.LatestRtt;
                if (dataPath.LatestRtt is { } latest)
                    OnEchoReplyForLateness(latest);
                break;
        }
        if (sessionEvent is PhaseChanged { To: LinkPhase.Authenticate })
            reachedAuthentication = true;
        if (sessionEvent is PhaseChanged { To: LinkPhase.Network })
            OnNetwork();
        else if (sessionEvent is PhaseChanged { From: LinkPhase.Network })
            ReportDown(lastReason ?? "left the Network phase");
        if (sessionEvent is PhaseChanged { To: LinkPhase.Dead } && !stopping)
        {
            // A member link that died does not come back by itself: the supervisor or the bundle starts a new one.
            Context.Stop(Self);
        }
        if (sessionEvent is PhaseChanged or Authenticated or LinkDown)
            Publish();
    }

    void ISessionOwner.OnPacket(PppProtocol protocol, ReadOnlySpan<byte> information)
    {
        object message = protocol == PppProtocol.Multilink
            ? new FragmentIn(Self, information.ToArray())
            : new DirectIn(Self, (ushort)protocol, information.ToArray());
        if (!beforeJoin.TryHold(message))
            owner.Tell(message);
    }

    private void OnNetwork()
    {
        if (authMismatch)
            return;
        OnPeerAuthenticated(); // a receiver that asks for no authentication vouches for whoever gets this far
        Timers.Cancel(EstablishTimerKey);
        var link = session.Link!;
        reportedUp = true;
        reportedUnreachable = false;
        var self = Self;
        dataPath = transport is null
            ? null
            : new MemberDataPath(transport, session.SendCompression, link.PeerMru, e => self.Tell(new DataPathFault(e)));
        owner.Tell(new SublinkUp(options.Name, Self, link, peerName ?? "", options.Remote, dataPath));
    }

    private void HeardFromPeer()
    {
        if (!heardAny)
            HeardFirst();
        if (!reportedUnreachable)
            return;
        reportedUnreachable = false;
        if (reportedUp)
            owner.Tell(new MemberReachable(Self));
    }

    private void ReportDown(string reason)
    {
        // Data stops at once, before the bundle hears of it.
        datagrams?.StopRouting();
        dataPath?.Close();
        beforeJoin.Leave();
        ForgetLateness(joined: false);
        if (!reportedUp)
            return;
        reportedUp = false;
        reportedUnreachable = false;
        owner.Tell(new SublinkDown(options.Name, Self, reason));
    }

    private void StartPpp()
    {
        pppStarted = true;
        session.Start();
    }

    private sealed record StatsTick
    {
        public static StatsTick Instance { get; } = new();
    }

    private sealed record DataPathFault(Exception Error);
}
