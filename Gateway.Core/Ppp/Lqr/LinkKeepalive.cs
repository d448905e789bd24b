using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Session;

namespace Gateway.Core.Ppp.Lqr;

/// <summary>How a link watches its peer once LCP is Opened (FreeBSD's <c>enable lqr</c>, <c>enable echo</c>, <c>set lqrperiod</c>).</summary>
public sealed record KeepaliveOptions
{
    /// <summary><c>enable lqr</c>: LQR (RFC 1989) when LCP agreed on the Quality-Protocol in either direction.</summary>
    public bool Lqr { get; init; }

    /// <summary>LCP echo when LQR does not run (<c>enable echo</c>; a modem link with <c>enable lqr</c> falls back to it too).</summary>
    public bool Echo { get; init; }

    /// <summary>The period: of echo requests, and of LQR when neither side gave a Reporting-Period.</summary>
    public TimeSpan Period { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Periods in a row without a reply or report before the peer is given up (FreeBSD's limit is 5).</summary>
    public int MaxMisses { get; init; } = 5;

    /// <summary>True when <see cref="LinkKeepalive.Start"/> would run anything.</summary>
    public bool Any => Lqr || Echo;
}

/// <summary>What the owner does when the keepalive gives up on the peer.</summary>
public enum KeepaliveFailure : byte
{
    /// <summary>The line is taken as gone: the session goes down at once (FreeBSD's <c>datalink_Down</c> on a modem link).</summary>
    LowerDown,

    /// <summary>The session says goodbye first (LCP Terminate-Request), as an answering ppp does.</summary>
    Close,
}

/// <summary>
/// The keepalive of one link while its LCP is Opened, pure, as FreeBSD's lqr.c chooses it: LQR (RFC 1989,
/// <see cref="LqrSession"/>) when LCP agreed on the Quality-Protocol in either direction and <c>enable lqr</c> is set,
/// otherwise LCP echo (<see cref="EchoMonitor"/>) when echo or LQR was asked for. The owner runs a periodic timer at
/// <see cref="Period"/> and hands in its ticks, the echo replies and the LQR packets the session delivers; what is due
/// goes out through the session. Shared by modem links, sublinks and the emulated ISP.
/// </summary>
public sealed class LinkKeepalive
{
    private readonly PppSession session;
    private readonly KeepaliveOptions options;

    private LinkKeepalive(PppSession session, KeepaliveOptions options, LqrSession? lqr, EchoMonitor? echo, TimeSpan period)
    {
        this.session = session;
        this.options = options;
        Lqr = lqr;
        Echo = echo;
        Period = period;
    }

    /// <summary>LQR, when it runs.</summary>
    public LqrSession? Lqr { get; }

    /// <summary>LCP echo, when it runs.</summary>
    public EchoMonitor? Echo { get; }

    /// <summary>How often the owner's timer must call <see cref="Tick"/>.</summary>
    public TimeSpan Period { get; }

    /// <summary>The peer's smoothed round trip, from echo replies; null before the first (or under LQR, which measures none).</summary>
    public TimeSpan? SmoothedRtt => Echo?.LatestRtt is null ? null : Echo.SmoothedRtt;

    /// <summary>Why the peer was given up, once <see cref="Tick"/> said so.</summary>
    public string? FailureReason { get; private set; }

    /// <summary>In words, for the log: what runs and how often.</summary>
    public string Description => Lqr is { } lqr
        ? $"LQR: {(lqr.Monitor.TimerMode ? $"sending every {lqr.Monitor.Options.ReportingPeriod}" : "answering the peer's reports")}, checking every {Period}"
        : $"LCP echo every {Period}{(options.Lqr ? " (LQR not agreed by the peer)" : "")}";

    /// <summary>
    /// Starts watching the peer of a session whose LCP has just opened; null when <paramref name="options"/> asks for
    /// nothing. With LQR in timer mode the first report goes out at once (<c>lqr_Start</c>).
    /// </summary>
    public static LinkKeepalive? Start(PppSession session, KeepaliveOptions options)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!options.Any || session.Link is not { } link)
            return null;
        if (options.Lqr && LqrSession.Start(session, options.MaxMisses, options.Period) is { } lqr)
            return new LinkKeepalive(session, options, lqr, null, lqr.Period);
        if (!options.Echo)
            return null;
        var echo = new EchoMonitor(new EchoOptions
        {
            Period = options.Period,
            MaxMissedReplies = options.MaxMisses,
            LocalMagic = link.LocalMagic,
            PeerMagic = link.PeerMagic,
        });
        return new LinkKeepalive(session, options, null, echo, options.Period);
    }

    /// <summary>
    /// The owner's periodic timer fired: sends the echo request or report that is due; false when the peer has
    /// missed <see cref="KeepaliveOptions.MaxMisses"/> periods in a row (<see cref="FailureReason"/> says so). While
    /// LCP renegotiates, its own restart timer watches the peer and nothing is counted here.
    /// </summary>
    public bool Tick(TimeSpan now)
    {
        if (FailureReason is not null)
            return false;
        if (session.LcpState != FsmState.Opened)
            return true;
        if (Lqr is { } lqr)
        {
            if (lqr.TimerExpired(now) != LqrTimerAction.LinkFailed)
                return true;
            FailureReason = $"LQR: no report from the peer in {options.MaxMisses} periods";
            return false;
        }
        var result = Echo!.TimerExpired(now);
        if (result.Action == EchoTimerAction.SendEchoRequest)
            session.SendEchoRequest(result.Identifier, []);
        if (result.Action != EchoTimerAction.LinkFailed)
            return true;
        FailureReason = $"LCP echo: no reply to {options.MaxMisses} echo requests";
        return false;
    }

    /// <summary>An Echo-Reply the session delivered.</summary>
    public EchoReplyStatus? EchoReplyReceived(EchoReply reply, TimeSpan now) =>
        Echo?.EchoReplyReceived(reply.Identifier, reply.Magic, now);

    /// <summary>An LQR packet (0xC025 information) the session delivered; null when LQR does not run (the packet is dropped).</summary>
    public LqrReceiveResult? ReportReceived(ReadOnlySpan<byte> body, TimeSpan now) => Lqr?.Received(body, now);
}
