namespace Gateway.Core.Ip;

/// <summary>IP protocol numbers used here (RFC 790 / IANA).</summary>
public enum IpProtocol : byte
{
    Icmp = 1,
    Udp = 17,
}

/// <summary>
/// Why a received packet was dropped, one counter per reason, plus what was accepted. Plain
/// counters: the owner (one actor per ISP link) is single-threaded.
/// </summary>
public sealed class IpCounters
{
    /// <summary>IPv4 datagrams offered to <see cref="Ipv4.TryParse"/>.</summary>
    public long Received { get; internal set; }
    /// <summary>IPv4 datagrams that passed every header check.</summary>
    public long Accepted { get; internal set; }
    /// <summary>Shorter than the 20-byte minimum header.</summary>
    public long Truncated { get; internal set; }
    /// <summary>Version field not 4.</summary>
    public long BadVersion { get; internal set; }
    /// <summary>IHL below 5, or a header longer than the packet or than Total Length.</summary>
    public long BadHeaderLength { get; internal set; }
    /// <summary>Total Length larger than the bytes received (e.g. 49441 in a 348-byte packet).</summary>
    public long BadTotalLength { get; internal set; }
    /// <summary>Header checksum wrong.</summary>
    public long BadHeaderChecksum { get; internal set; }
    /// <summary>Fragments (MF set or offset non-zero): not reassembled, dropped (RFC 791 reassembly deliberately unsupported).</summary>
    public long Fragments { get; internal set; }
    /// <summary>Protocol neither UDP nor ICMP (counted by the caller that dispatches on protocol).</summary>
    public long UnknownProtocol { get; internal set; }

    /// <summary>UDP datagrams accepted.</summary>
    public long UdpAccepted { get; internal set; }
    /// <summary>UDP shorter than its 8-byte header.</summary>
    public long UdpTruncated { get; internal set; }
    /// <summary>UDP Length below 8 or beyond the IP payload.</summary>
    public long UdpBadLength { get; internal set; }
    /// <summary>UDP checksum (non-zero) wrong.</summary>
    public long UdpBadChecksum { get; internal set; }

    /// <summary>ICMP messages accepted.</summary>
    public long IcmpAccepted { get; internal set; }
    /// <summary>ICMP shorter than 8 bytes.</summary>
    public long IcmpTruncated { get; internal set; }
    /// <summary>ICMP checksum wrong.</summary>
    public long IcmpBadChecksum { get; internal set; }

    /// <summary>Counts a packet whose protocol the caller does not handle.</summary>
    public void CountUnknownProtocol() => UnknownProtocol++;

    /// <summary>Sum of every drop counter.</summary>
    public long Dropped =>
        Truncated + BadVersion + BadHeaderLength + BadTotalLength + BadHeaderChecksum + Fragments + UnknownProtocol +
        UdpTruncated + UdpBadLength + UdpBadChecksum + IcmpTruncated + IcmpBadChecksum;

    public override string ToString() =>
        $"received {Received} accepted {Accepted} dropped {Dropped} (truncated {Truncated}, version {BadVersion}, ihl {BadHeaderLength}, " +
        $"total-length {BadTotalLength}, checksum {BadHeaderChecksum}, fragments {Fragments}, protocol {UnknownProtocol}, " +
        $"udp {UdpTruncated}/{UdpBadLength}/{UdpBadChecksum}, icmp {IcmpTruncated}/{IcmpBadChecksum})";
}
