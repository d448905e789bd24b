using Gateway.Core.Ppp.Lqr;

namespace Gateway.Core.Ppp.Session;

/// <summary>What a <see cref="SessionDriver"/> needs from its owner: the wire, the timers and the time.</summary>
public interface ISessionPort
{
    /// <summary>The owner's monotonic time (an actor's scheduler clock, a test's virtual clock).</summary>
    TimeSpan Now { get; }

    /// <summary>Transmit one frame (an encoded async frame, or a datagram in sync mode); the span is valid during the call only.</summary>
    void Send(ReadOnlySpan<byte> frame);

    /// <summary>Arm or re-arm a session timer; its expiry comes back through <see cref="SessionDriver.TimerExpired"/>.</summary>
    void StartTimer(SessionTimer timer, TimeSpan interval);

    void StopTimer(SessionTimer timer);

    /// <summary>Run the keepalive's periodic tick (<see cref="SessionDriver.KeepaliveTick"/>) every <paramref name="period"/>; null stops it.</summary>
    void SetKeepaliveTimer(TimeSpan? period);
}

/// <summary>What the owner of a driven session hears.</summary>
public interface ISessionOwner
{
    /// <summary>Every session event, after the driver has done its part (the keepalive started or stopped, echo replies taken).</summary>
    void OnEvent(SessionEvent sessionEvent);

    /// <summary>A network-layer packet (IP, Multilink, ...; LQR packets stay with the keepalive). The span is valid during the call only.</summary>
    void OnPacket(PppProtocol protocol, ReadOnlySpan<byte> information);
}

/// <summary>The keepalive gave up on the peer; the session goes down next (<see cref="KeepaliveFailure"/>).</summary>
public sealed record KeepaliveFailed(string Link, string Reason) : SessionEvent(Link)
{
    public override string ToString() => $"{Link}: {Reason}";
}

/// <summary>The keepalive started (LCP opened); <paramref name="Description"/> says what runs.</summary>
public sealed record KeepaliveStarted(string Link, string Description) : SessionEvent(Link)
{
    public override string ToString() => $"{Link}: {Description}";
}

/// <summary>
/// Drives one <see cref="PppSession"/> for whoever owns it (a modem link, a sublink, the emulated ISP): it is the
/// session's <see cref="ISessionHandler"/>, counts what goes out, runs the <see cref="LinkKeepalive"/> while LCP is
/// open (started on <see cref="LinkEstablished"/>, stopped on <see cref="LinkDown"/>, fed the echo replies and LQR
/// packets) and gives up the link as <see cref="KeepaliveFailure"/> says when the peer goes quiet. The owner supplies
/// the wire and the timers (<see cref="ISessionPort"/>) and hears events and packets (<see cref="ISessionOwner"/>).
/// Pure: no clock, thread or timer of its own; call it where the session is called.
/// </summary>
public sealed class SessionDriver : ISessionHandler
{
    private readonly KeepaliveOptions keepaliveOptions;
    private readonly KeepaliveFailure onFailure;
    private readonly ISessionPort port;
    private readonly ISessionOwner owner;

    public SessionDriver(SessionSettings settings, KeepaliveOptions? keepalive, KeepaliveFailure onFailure, ISessionPort port, ISessionOwner owner)
    {
        keepaliveOptions = keepalive ?? new KeepaliveOptions();
        this.onFailure = onFailure;
        this.port = port;
        this.owner = owner;
        Session = new PppSession(settings, this);
    }

    public PppSession Session { get; }

    /// <summary>The keepalive while LCP is open.</summary>
    public LinkKeepalive? Keepalive { get; private set; }

    /// <summary>
    /// While true the keepalive stands still: its ticks send and count nothing, and the echo replies and LQR packets
    /// that arrive are dropped unseen, as on a line that loses them (tests of a peer's keepalive failure).
    /// </summary>
    public bool KeepaliveSuspended { get; set; }

    /// <summary>Frames handed to the port, and their octets.</summary>
    public long FramesOut { get; private set; }

    public long OctetsOut { get; private set; }

    /// <summary>A session timer the port ran has expired.</summary>
    public void TimerExpired(SessionTimer timer) => Session.TimerExpired(timer);

    /// <summary>The keepalive's periodic timer fired.</summary>
    public void KeepaliveTick()
    {
        if (Keepalive is not { } keepalive || KeepaliveSuspended || keepalive.Tick(port.Now))
            return;
        string reason = keepalive.FailureReason!;
        StopKeepalive();
        owner.OnEvent(new KeepaliveFailed(Session.Name, reason));
        if (onFailure == KeepaliveFailure.Close)
            Session.Close(reason);
        else
            Session.LowerDown(reason);
    }

    void ISessionHandler.SendFrame(ReadOnlySpan<byte> frame)
    {
        FramesOut++;
        OctetsOut += frame.Length;
        port.Send(frame);
    }

    void ISessionHandler.StartTimer(SessionTimer timer, TimeSpan interval) => port.StartTimer(timer, interval);

    void ISessionHandler.StopTimer(SessionTimer timer) => port.StopTimer(timer);

    void ISessionHandler.OnEvent(SessionEvent sessionEvent)
    {
        switch (sessionEvent)
        {
            case LinkEstablished:
                StopKeepalive();
                if (LinkKeepalive.Start(Session, keepaliveOptions) is { } keepalive)
                {
                    Keepalive = keepalive;
                    port.SetKeepaliveTimer(keepalive.Period);
                    owner.OnEvent(sessionEvent);
                    owner.OnEvent(new KeepaliveStarted(Session.Name, keepalive.Description));
                    return;
                }
                break;
            case LinkDown:
                StopKeepalive();
                break;
            case EchoReply reply when !KeepaliveSuspended:
                Keepalive?.EchoReplyReceived(reply, port.Now);
                break;
        }
        owner.OnEvent(sessionEvent);
    }

    void ISessionHandler.OnPacket(PppProtocol protocol, ReadOnlySpan<byte> information)
    {
        if (protocol == PppProtocol.Lqr)
        {
            if (!KeepaliveSuspended)
                Keepalive?.ReportReceived(information, port.Now);
        }
        else
            owner.OnPacket(protocol, information);
    }

    private void StopKeepalive()
    {
        if (Keepalive is null)
            return;
        Keepalive = null;
        port.SetKeepaliveTimer(null);
    }
}
