namespace Gateway.Core.Ppp.Framing;

/// <summary>
/// Receive counters of a framing decoder. A snapshot: the decoder hands out a copy.
/// Every octet received lands in <see cref="OctetsIn"/>; every frame that ends lands in exactly one of
/// <see cref="FramesIn"/>, <see cref="BadFcs"/>, <see cref="Runts"/>, <see cref="TooLong"/>, <see cref="Aborts"/>
/// or <see cref="BadHeaders"/>. Octet counts are of octets as they arrived on the link, except
/// <see cref="QualityOctets"/>, which counts as LQR (RFC 1989) does.
/// </summary>
public struct FramingCounters
{
    /// <summary>All octets received: frames, flags, escapes, idle fill and discarded characters (ifInOctets).</summary>
    public long OctetsIn { get; internal set; }

    /// <summary>Frames delivered to the caller.</summary>
    public long FramesIn { get; internal set; }

    /// <summary>Octets of delivered frames as received: address through FCS, escape octets and the closing flag.</summary>
    public long GoodOctets { get; internal set; }

    /// <summary>
    /// Octets of delivered frames as RFC 1989 section 2.2 counts them (LQR InGoodOctets): address through FCS after
    /// transparency removal and one flag per frame (async), the whole datagram (sync); escapes and extra flags are not
    /// counted, so the figure matches the sender's OutOctets whatever was escaped.
    /// </summary>
    public long QualityOctets { get; internal set; }

    /// <summary>Octets, as received, of frames dropped for any error counted below.</summary>
    public long ErrorOctets { get; internal set; }

    /// <summary>Frames whose FCS was wrong (RFC 1662 appendix C).</summary>
    public long BadFcs { get; internal set; }

    /// <summary>Frames too short to hold a protocol field and an FCS (RFC 1662 section 4.3) or a datagram too short for a header.</summary>
    public long Runts { get; internal set; }

    /// <summary>Frames longer than the decoder's maximum; the decoder resynchronised on the next flag.</summary>
    public long TooLong { get; internal set; }

    /// <summary>Frames aborted by a Control Escape followed by a Flag (RFC 1662 section 4.3).</summary>
    public long Aborts { get; internal set; }

    /// <summary>Frames with a good FCS whose header did not parse (an address octet 0xFF not followed by 0x03).</summary>
    public long BadHeaders { get; internal set; }

    /// <summary>Control characters in the receive ACCM that arrived unescaped and were removed (RFC 1662 section 4.2); those inside a frame already being skipped as too long are not looked at.</summary>
    public long DiscardedControlCharacters { get; internal set; }

    /// <summary>Frames received with errors of any kind (LQR InErrors).</summary>
    public readonly long InErrors => BadFcs + Runts + TooLong + Aborts + BadHeaders;

    /// <summary>Counts a frame, its FCS (if any) already checked, by how its header parsed; true when it is delivered.</summary>
    internal bool CountByHeader(PppHeaderStatus status, long octets)
    {
        switch (status)
        {
            case PppHeaderStatus.Ok:
                FramesIn++;
                GoodOctets += octets;
                return true;
            case PppHeaderStatus.TooShort:
                Runts++;
                break;
            default:
                BadHeaders++;
                break;
        }

        ErrorOctets += octets;
        return false;
    }
}
