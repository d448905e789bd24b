using Gateway.Core.Ppp.Lcp;

namespace Gateway.Core.Ppp.Lqr;

/// <summary>Settings of one link's Link Quality Monitoring (RFC 1989).</summary>
public sealed record LqrOptions
{
    /// <summary>Our LCP Magic-Number, written in every report.</summary>
    public uint LocalMagic { get; init; }

    /// <summary>The peer's LCP Magic-Number; a report carrying another one is ignored and counted (RFC 1989 2.6).</summary>
    public uint PeerMagic { get; init; }

    /// <summary>
    /// How often we send reports: the Reporting-Period the peer asked of us in its Quality-Protocol option
    /// (RFC 1989 2.5). Null or zero: we run no timer of our own and answer each report the peer sends
    /// (RFC 1989 2.7). Periods below one second are allowed (the option counts hundredths of a second).
    /// </summary>
    public TimeSpan? ReportingPeriod { get; init; }

    /// <summary>
    /// How often the peer's reports are due: the Reporting-Period we asked of it and it acknowledged. Null when we did
    /// not ask (or asked for zero). In answer-only mode the caller's timer runs at it.
    /// </summary>
    public TimeSpan? PeerReportingPeriod { get; init; }

    /// <summary>The link fails after this many consecutive periods with no valid report from the peer.</summary>
    public int MaxMissedReports { get; init; } = 5;

    /// <summary>
    /// The period of the caller's timer: our <see cref="ReportingPeriod"/> when we send on a timer, else the
    /// <see cref="PeerReportingPeriod"/>; null when neither is known (the caller picks one, e.g. <c>set lqrperiod</c>).
    /// </summary>
    public TimeSpan? TimerPeriod => ReportingPeriod ?? PeerReportingPeriod;

    /// <summary>Converts the option's Reporting-Period (hundredths of a second, RFC 1989 2.5) into a period; 0 gives null.</summary>
    public static TimeSpan? PeriodFromOption(uint hundredths) =>
        hundredths == 0 ? null : TimeSpan.FromMilliseconds(hundredths * 10.0);

    /// <summary>The option's Reporting-Period (hundredths of a second, RFC 1989 2.5) for <paramref name="period"/>, at least 1.</summary>
    public static uint OptionFromPeriod(TimeSpan period) =>
        (uint)Math.Clamp(Math.Round(period.TotalMilliseconds / 10.0), 1, uint.MaxValue);

    /// <summary>
    /// The options for a link whose LCP agreed on the Quality-Protocol in at least one direction (RFC 1989 2.5);
    /// null when it agreed on none (the peer rejected our request and made none: LCP echo is left).
    /// </summary>
    public static LqrOptions? Negotiated(LcpNegotiated link, int maxMissedReports)
    {
        ArgumentNullException.ThrowIfNull(link);
        if (link.SendLqrPeriod is null && link.ReceiveLqrPeriod is null)
            return null;
        return new LqrOptions
        {
            LocalMagic = link.LocalMagic,
            PeerMagic = link.PeerMagic,
            ReportingPeriod = link.SendLqrPeriod is { } send ? PeriodFromOption(send) : null,
            PeerReportingPeriod = link.ReceiveLqrPeriod is { } receive ? PeriodFromOption(receive) : null,
            MaxMissedReports = maxMissedReports,
        };
    }
}

public enum LqrTimerAction : byte
{
    /// <summary>Nothing to send (answer-only mode, the period was checked).</summary>
    None = 0,
    /// <summary>Send <see cref="LqrTimerResult.Report"/> (protocol 0xC025) and re-arm the timer.</summary>
    SendReport = 1,
    /// <summary>Too many periods without a report: take the link down (FreeBSD closes LCP).</summary>
    LinkFailed = 2,
}

public readonly record struct LqrTimerResult(LqrTimerAction Action, LqrPacket Report);

public enum LqrReceiveStatus : byte
{
    Accepted = 0,
    /// <summary>Body not 48 octets: dropped, counted.</summary>
    BadLength = 1,
    /// <summary>Magic-Number not the peer's: ignored, counted.</summary>
    WrongMagic = 2,
    /// <summary>The link was already declared failed.</summary>
    AfterFailure = 3,
}

/// <summary>What a received report produced: a reply to send (answer-only mode) and the period's figures when known.</summary>
public readonly record struct LqrReceiveResult(LqrReceiveStatus Status, LqrPacket? Reply, LqrPeriodStatistics? Period);

/// <summary>
/// Loss and error figures for the period between two consecutive reports received (RFC 1989 2.8):
/// deltas of 32-bit counters taken modulo 2^32. Outbound figures describe what we sent as the peer saw
/// it (from the LastOut and PeerIn fields), inbound ones what the peer sent as we saw it (PeerOut fields
/// against our Save counters). <see cref="HasOutbound"/> is false (and the outbound figures zero) while the
/// peer had not yet received a report of ours at the start of the period.
/// </summary>
public readonly record struct LqrPeriodStatistics(
    bool HasOutbound,
    uint OutboundLqrs, long OutboundLqrsLost,
    uint OutboundPackets, long OutboundPacketsLost, uint OutboundDiscards, uint OutboundErrors,
    uint OutboundOctets, long OutboundOctetsLost,
    uint InboundLqrs, long InboundLqrsLost,
    uint InboundPackets, long InboundPacketsLost, uint InboundDiscards, uint InboundErrors,
    uint InboundOctets, long InboundOctetsLost)
{
    /// <summary>Largest delta taken as real: a counter that moved by 2^31 or more in one period went backwards.</summary>
    private const uint MaxPlausibleDelta = 0x7FFF_FFFF;

    /// <summary>Every delta is below 2^31: no counter went backwards (a wrap past 2^32 is a small forward delta).</summary>
    public bool Plausible =>
        OutboundLqrs <= MaxPlausibleDelta && OutboundPackets <= MaxPlausibleDelta && OutboundOctets <= MaxPlausibleDelta &&
        OutboundDiscards <= MaxPlausibleDelta && OutboundErrors <= MaxPlausibleDelta &&
        InboundLqrs <= MaxPlausibleDelta && InboundPackets <= MaxPlausibleDelta && InboundOctets <= MaxPlausibleDelta &&
        InboundDiscards <= MaxPlausibleDelta && InboundErrors <= MaxPlausibleDelta &&
        Math.Abs(OutboundPacketsLost) <= MaxPlausibleDelta && Math.Abs(OutboundOctetsLost) <= MaxPlausibleDelta && Math.Abs(OutboundLqrsLost) <= MaxPlausibleDelta &&
        Math.Abs(InboundPacketsLost) <= MaxPlausibleDelta && Math.Abs(InboundOctetsLost) <= MaxPlausibleDelta && Math.Abs(InboundLqrsLost) <= MaxPlausibleDelta;

    /// <summary>Outbound packets lost over packets sent (0 when nothing was sent).</summary>
    public double OutboundLossRate => OutboundPackets == 0 ? 0 : (double)OutboundPacketsLost / OutboundPackets;

    /// <summary>Outbound packets that reached the peer with errors over packets sent.</summary>
    public double OutboundErrorRate => OutboundPackets == 0 ? 0 : (double)OutboundErrors / OutboundPackets;

    public double InboundLossRate => InboundPackets == 0 ? 0 : (double)InboundPacketsLost / InboundPackets;

    public double InboundErrorRate => InboundPackets == 0 ? 0 : (double)InboundErrors / InboundPackets;
}

/// <summary>
/// One link's Link Quality Monitoring (RFC 1989), pure: the caller feeds timer expiries and received
/// report bodies with the framing layer's <see cref="LinkCounters"/> at that moment, and sends what it is told.
/// <para>
/// Sending: with a Reporting-Period, a report goes out on every <see cref="TimerExpired"/>; without one,
/// each valid received report is answered at once. In timer mode a received report is also answered at
/// once when its PeerInLQRs equals the previous report's (the peer has not received one of ours since),
/// as FreeBSD's lqr_Input does. Reports arriving faster than the period are otherwise just used: at most
/// one report goes out per report received, never more.
/// </para>
/// <para>
/// Failure: a period is unanswered when no valid report (48 octets, the peer's magic number) arrives
/// between two timer expiries. At the expiry closing the N-th consecutive unanswered period the link is
/// declared failed (in timer mode: the last N reports we sent all went a full period with nothing back).
/// In answer-only mode the caller still runs the timer, at the peer's period, for this check. FreeBSD's
/// lqr.c counts reports sent since the last one received and closes when that count exceeds 5 before
/// sending, which is N = 6 here; we default to N = 5 ("5 missed reports").
/// </para>
/// </summary>
public sealed class LqrMonitor
{
    private readonly LqrOptions options;
    private MissedPeriodCounter missed;
    private uint outLqrs;
    private uint inLqrs;
    private LqrPacket lastReceived;
    private Save lastSave;
    private bool haveReceived;

    private readonly record struct Save(uint InLqrs, uint InPackets, uint InDiscards, uint InErrors, uint InOctets);

    public LqrMonitor(LqrOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxMissedReports < 1)
            throw new ArgumentOutOfRangeException(nameof(options), "MaxMissedReports must be at least 1");
        this.options = options;
    }

    public LqrOptions Options => options;

    /// <summary>Whether we send on a timer (a Reporting-Period was negotiated for us).</summary>
    public bool TimerMode => options.ReportingPeriod is { } p && p > TimeSpan.Zero;

    public bool Failed { get; private set; }

    /// <summary>Reports sent (OutLQRs, RFC 1989 2.2).</summary>
    public uint OutLqrs => outLqrs;

    /// <summary>Valid reports received (InLQRs, RFC 1989 2.2).</summary>
    public uint InLqrs => inLqrs;

    public long BadLengthReports { get; private set; }
    public long WrongMagicReports { get; private set; }

    /// <summary>Reports whose counters went backwards against the previous one: accepted as a sign of life, no figures computed.</summary>
    public long BackwardsCounterReports { get; private set; }
    public int ConsecutiveMissedPeriods => missed.ConsecutiveMissed;

    /// <summary>The last valid report received, if any.</summary>
    public LqrPacket? LastReceived => haveReceived ? lastReceived : null;

    /// <summary>The most recent period's figures, once two reports have been received.</summary>
    public LqrPeriodStatistics? LastPeriod { get; private set; }

    /// <summary>
    /// Builds the next report from the current counters (RFC 1989 2.6): OutLQRs is incremented and copied
    /// to PeerOutLQRs; LastOut* echo the PeerOut* of the last report received; PeerIn* are the Save counters
    /// taken when it arrived. The caller's counters should already count this report's own transmission if
    /// its framing counts before sending; either way is consistent because only deltas are used.
    /// </summary>
    public LqrPacket BuildReport(in LinkCounters counters)
    {
        outLqrs++;
        return new LqrPacket(
            options.LocalMagic,
            lastReceived.PeerOutLqrs, lastReceived.PeerOutPackets, lastReceived.PeerOutOctets,
            lastSave.InLqrs, lastSave.InPackets, lastSave.InDiscards, lastSave.InErrors, lastSave.InOctets,
            outLqrs, counters.OutPackets, counters.OutOctets);
    }

    /// <summary>The LQR timer fired (every Reporting-Period, or every peer period in answer-only mode).</summary>
    public LqrTimerResult TimerExpired(TimeSpan now, in LinkCounters counters)
    {
        if (Failed)
            return new(LqrTimerAction.None, default);
        if (missed.ClosePeriod(options.MaxMissedReports))
        {
            Failed = true;
            return new(LqrTimerAction.LinkFailed, default);
        }
        return TimerMode ? new(LqrTimerAction.SendReport, BuildReport(counters)) : new(LqrTimerAction.None, default);
    }

    /// <summary>
    /// A report body (after the 0xC025 protocol field) arrived; <paramref name="counters"/> are the framing
    /// counters at its reception (this packet already counted), which become the Save counters.
    /// </summary>
    public LqrReceiveResult Received(ReadOnlySpan<byte> body, TimeSpan now, in LinkCounters counters)
    {
        if (Failed)
            return new(LqrReceiveStatus.AfterFailure, null, null);
        if (!LqrPacket.TryRead(body, out var report))
        {
            BadLengthReports++;
            return new(LqrReceiveStatus.BadLength, null, null);
        }
        if (report.MagicNumber != options.PeerMagic)
        {
            WrongMagicReports++;
            return new(LqrReceiveStatus.WrongMagic, null, null);
        }
        inLqrs++;
        var save = new Save(inLqrs, counters.InPackets, counters.InDiscards, counters.InErrors, counters.InGoodOctets);
        LqrPeriodStatistics? period = null;
        if (haveReceived)
        {
            period = Compute(lastReceived, report, lastSave, save);
            if (!period.Value.Plausible)
            {
                // a counter went backwards (a peer reset or a forged report): no figures for this period
                BackwardsCounterReports++;
                period = null;
            }
        }
        // answer at once when we run no timer, or (as FreeBSD does) when the peer's PeerInLQRs has not moved
        // since its previous report: it has not heard from us since, so our last report was lost or is due
        bool peerMissedOurs = haveReceived && report.PeerInLqrs == lastReceived.PeerInLqrs;
        lastReceived = report;
        lastSave = save;
        haveReceived = true;
        missed.Answered();
        if (period is not null)
            LastPeriod = period;
        LqrPacket? reply = !TimerMode || peerMissedOurs ? BuildReport(counters) : null;
        return new(LqrReceiveStatus.Accepted, reply, period);
    }

    private static LqrPeriodStatistics Compute(in LqrPacket before, in LqrPacket after, in Save saveBefore, in Save saveAfter)
    {
        // LastOut* and PeerIn* stay zero until the sender has received one of our reports (RFC 1989 2.6):
        // until then there is no outbound figure for the period
        bool outbound = before.PeerInLqrs != 0;
        uint outLqrs = outbound ? after.LastOutLqrs - before.LastOutLqrs : 0;
        uint outPackets = outbound ? after.LastOutPackets - before.LastOutPackets : 0;
        uint outOctets = outbound ? after.LastOutOctets - before.LastOutOctets : 0;
        uint peerInLqrs = outbound ? after.PeerInLqrs - before.PeerInLqrs : 0;
        uint peerInPackets = outbound ? after.PeerInPackets - before.PeerInPackets : 0;
        uint peerInOctets = outbound ? after.PeerInOctets - before.PeerInOctets : 0;
        uint peerInDiscards = outbound ? after.PeerInDiscards - before.PeerInDiscards : 0;
        uint peerInErrors = outbound ? after.PeerInErrors - before.PeerInErrors : 0;
        uint inLqrs = after.PeerOutLqrs - before.PeerOutLqrs;
        uint inPackets = after.PeerOutPackets - before.PeerOutPackets;
        uint inOctets = after.PeerOutOctets - before.PeerOutOctets;
        uint savedLqrs = saveAfter.InLqrs - saveBefore.InLqrs;
        uint savedPackets = saveAfter.InPackets - saveBefore.InPackets;
        uint savedOctets = saveAfter.InOctets - saveBefore.InOctets;
        return new LqrPeriodStatistics(
            outbound,
            outLqrs, (long)outLqrs - peerInLqrs,
            outPackets, (long)outPackets - peerInPackets, peerInDiscards, peerInErrors,
            outOctets, (long)outOctets - peerInOctets,
            inLqrs, (long)inLqrs - savedLqrs,
            inPackets, (long)inPackets - savedPackets, saveAfter.InDiscards - saveBefore.InDiscards, saveAfter.InErrors - saveBefore.InErrors,
            inOctets, (long)inOctets - savedOctets);
    }
}
