namespace Gateway.Core.Ppp.Lqr;

/// <summary>Settings of LCP echo keepalive (FreeBSD's <c>enable echo</c>, <c>set echoperiod</c>), the fallback when the peer rejects LQR.</summary>
public sealed record EchoOptions
{
    /// <summary>Time between Echo-Requests (<c>set echoperiod</c>); below one second allowed. The caller runs the timer.</summary>
    public TimeSpan Period { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The link fails after this many consecutive periods without a valid Echo-Reply.</summary>
    public int MaxMissedReplies { get; init; } = 5;

    /// <summary>Our Magic-Number, written in Echo-Requests (RFC 1661 5.8).</summary>
    public uint LocalMagic { get; init; }

    /// <summary>The peer's Magic-Number; when not zero, a reply carrying another one is ignored and counted.</summary>
    public uint PeerMagic { get; init; }
}

public enum EchoTimerAction : byte
{
    None = 0,
    /// <summary>Send an LCP Echo-Request with <see cref="EchoTimerResult.Identifier"/> and <see cref="EchoTimerResult.Magic"/>.</summary>
    SendEchoRequest = 1,
    /// <summary>Too many periods without a reply: take the link down.</summary>
    LinkFailed = 2,
}

public readonly record struct EchoTimerResult(EchoTimerAction Action, byte Identifier, uint Magic);

public enum EchoReplyStatus : byte
{
    Accepted = 0,
    /// <summary>No outstanding request with that identifier (stale, repeated or unsolicited): ignored, counted.</summary>
    Unsolicited = 1,
    /// <summary>Wrong magic number (or our own: a looped-back line): ignored, counted.</summary>
    WrongMagic = 2,
    AfterFailure = 3,
}

/// <summary>
/// LCP echo keepalive for one link, pure. Every <see cref="TimerExpired"/> sends an Echo-Request with a
/// fresh identifier; <see cref="EchoReplyReceived"/> matches replies to the last 16 requests and measures
/// the round trip. RTT is smoothed as RFC 6298 does for TCP (first sample R: SRTT = R, RTTVAR = R/2; then
/// RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, SRTT = 7/8 SRTT + 1/8 R). Failure: as <see cref="LqrMonitor"/>,
/// at the expiry closing the N-th consecutive period with no valid reply.
/// </summary>
public sealed class EchoMonitor
{
    private const int Remembered = 16;

    private readonly EchoOptions options;
    private readonly byte[] outstandingId = new byte[Remembered];
    private readonly long[] outstandingSentTicks = new long[Remembered];
    private readonly bool[] outstandingOpen = new bool[Remembered];
    private int nextSlot;
    private byte nextIdentifier;
    private MissedPeriodCounter missed;
    private bool haveRtt;

    public EchoMonitor(EchoOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxMissedReplies < 1 || options.Period <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options));
        this.options = options;
    }

    public EchoOptions Options => options;
    public bool Failed { get; private set; }
    public long RequestsSent { get; private set; }
    public long RepliesAccepted { get; private set; }
    public long UnsolicitedReplies { get; private set; }
    public long WrongMagicReplies { get; private set; }
    public int ConsecutiveMissedPeriods => missed.ConsecutiveMissed;

    /// <summary>Requests whose period ended without a reply (a late reply still counts and takes it back).</summary>
    public long LostRequests => RequestsSent - RepliesAccepted - OutstandingCount();

    /// <summary>Lost over resolved requests, 0 before any is resolved.</summary>
    public double LossRate
    {
        get
        {
            long resolved = RequestsSent - OutstandingCount();
            return resolved == 0 ? 0 : (double)LostRequests / resolved;
        }
    }

    public TimeSpan? LatestRtt { get; private set; }
    public TimeSpan SmoothedRtt { get; private set; }
    public TimeSpan RttVariation { get; private set; }

    /// <summary>The slack added to <see cref="LateAfter"/>: a queue that fills for a moment under load is not a brownout.</summary>
    public static readonly TimeSpan LateSlack = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How long after its request a reply is late: twice the smoothed round trip, four times its variation and
    /// <see cref="LateSlack"/> (RFC 6298's retransmission timeout, doubled, as the signal of a path gone bad rather
    /// than of one lost packet); null before the first round trip.
    /// </summary>
    public TimeSpan? LateAfter => haveRtt ? 2 * SmoothedRtt + 4 * RttVariation + LateSlack : null;

    /// <summary>
    /// How long the latest request has waited, when it is still unanswered after <see cref="LateAfter"/>; null while
    /// it is not late (answered, within time, or no round trip measured yet).
    /// </summary>
    public TimeSpan? LatestRequestLate(TimeSpan now)
    {
        if (Failed || RequestsSent == 0 || LateAfter is not { } lateAfter)
            return null;
        int latest = LatestSlot;
        if (!outstandingOpen[latest])
            return null;
        var waited = TimeSpan.FromTicks(now.Ticks - outstandingSentTicks[latest]);
        return waited > lateAfter ? waited : null;
    }

    public EchoTimerResult TimerExpired(TimeSpan now)
    {
        if (Failed)
            return new(EchoTimerAction.None, 0, 0);
        if (RequestsSent > 0 && missed.ClosePeriod(options.MaxMissedReplies))
        {
            Failed = true;
            return new(EchoTimerAction.LinkFailed, 0, 0);
        }
        byte id = nextIdentifier++;
        // a request older than the last 16 that was never answered stays lost
        outstandingId[nextSlot] = id;
        outstandingSentTicks[nextSlot] = now.Ticks;
        outstandingOpen[nextSlot] = true;
        nextSlot = (nextSlot + 1) % Remembered;
        RequestsSent++;
        return new(EchoTimerAction.SendEchoRequest, id, options.LocalMagic);
    }

    public EchoReplyStatus EchoReplyReceived(byte identifier, uint magic, TimeSpan now)
    {
        if (Failed)
            return EchoReplyStatus.AfterFailure;
        if ((options.PeerMagic != 0 && magic != options.PeerMagic) || (options.LocalMagic != 0 && magic == options.LocalMagic))
        {
            WrongMagicReplies++;
            return EchoReplyStatus.WrongMagic;
        }
        for (int i = 0; i < Remembered; i++)
        {
            if (!outstandingOpen[i] || outstandingId[i] != identifier)
                continue;
            outstandingOpen[i] = false;
            RepliesAccepted++;
            missed.Answered();
            AddRttSample(TimeSpan.FromTicks(Math.Max(0, now.Ticks - outstandingSentTicks[i])));
            return EchoReplyStatus.Accepted;
        }
        UnsolicitedReplies++;
        return EchoReplyStatus.Unsolicited;
    }

    private void AddRttSample(TimeSpan rtt)
    {
        LatestRtt = rtt;
        if (!haveRtt)
        {
            SmoothedRtt = rtt;
            RttVariation = rtt / 2;
            haveRtt = true;
            return;
        }
        long variation = (3 * RttVariation.Ticks + Math.Abs(SmoothedRtt.Ticks - rtt.Ticks)) / 4;
        long smoothed = (7 * SmoothedRtt.Ticks + rtt.Ticks) / 8;
        RttVariation = TimeSpan.FromTicks(variation);
        SmoothedRtt = TimeSpan.FromTicks(smoothed);
    }

    /// <summary>The latest request, while its period is still running, is not yet lost; older unanswered ones are.</summary>
    private int OutstandingCount() =>
        !Failed && RequestsSent > 0 && outstandingOpen[LatestSlot] ? 1 : 0;

    /// <summary>Where the latest request is remembered.</summary>
    private int LatestSlot => (nextSlot + Remembered - 1) % Remembered;
}
