using Gateway.Core.Ppp.Session;

namespace Gateway.Core.Status;

/// <summary>
/// A link's counters over all its PPP sessions: what ended sessions counted, kept, plus the live session's, with the
/// rates of both directions. A modem link's counters do not start again at each redial.
/// </summary>
public sealed class SessionTotals
{
    private readonly RateMeter rates = new();
    private long octetsIn, octetsOut, framesIn, framesOut, errors;

    /// <summary>Keeps what an ended session counted.</summary>
    public void Add(SessionDriver ended)
    {
        var framing = ended.Session.FramingCounters;
        octetsIn += framing.OctetsIn;
        framesIn += framing.FramesIn;
        errors += framing.InErrors;
        octetsOut += ended.OctetsOut;
        framesOut += ended.FramesOut;
    }

    /// <summary>The totals with <paramref name="live"/>'s counts, rates sampled at <paramref name="now"/>.</summary>
    public LinkCounters Sample(SessionDriver? live, TimeSpan now)
    {
        var framing = live?.Session.FramingCounters;
        long allIn = octetsIn + (framing?.OctetsIn ?? 0), allOut = octetsOut + (live?.OctetsOut ?? 0);
        rates.Sample(allIn, allOut, now);
        return new LinkCounters(allIn, allOut, framesIn + (framing?.FramesIn ?? 0), framesOut + (live?.FramesOut ?? 0),
            errors + (framing?.InErrors ?? 0), rates.BitsPerSecondIn, rates.BitsPerSecondOut);
    }
}

/// <summary>Packets and octets each way through one thing (a bundle), with the rates of both directions. One thread.</summary>
public sealed class PacketTotals
{
    private readonly RateMeter rates = new();
    private long octetsIn, octetsOut, packetsIn, packetsOut;

    public void In(int octets)
    {
        packetsIn++;
        octetsIn += octets;
    }

    public void Out(int octets)
    {
        packetsOut++;
        octetsOut += octets;
    }

    /// <summary>The totals with <paramref name="errors"/>, rates sampled at <paramref name="now"/>.</summary>
    public LinkCounters Sample(long errors, TimeSpan now)
    {
        rates.Sample(octetsIn, octetsOut, now);
        return new LinkCounters(octetsIn, octetsOut, packetsIn, packetsOut, errors, rates.BitsPerSecondIn, rates.BitsPerSecondOut);
    }
}
