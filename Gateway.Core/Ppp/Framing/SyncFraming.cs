namespace Gateway.Core.Ppp.Framing;

/// <summary>
/// Framing for datagram links (FreeBSD ppp's <c>host:port/udp</c> devices, our UDP sublinks): one frame per
/// datagram, <c>FF 03</c>, protocol and information, with no flags, octet stuffing or FCS (the datagram
/// service already delimits and checks it).
/// </summary>
public static class SyncFrameEncoder
{
    /// <summary>Largest encoding of an information field of <paramref name="informationLength"/> octets.</summary>
    public static int MaxEncodedLength(int informationLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(informationLength);
        return PppHeader.MaxLength + informationLength;
    }

    /// <summary>
    /// Writes one frame into <paramref name="destination"/>; returns its length. <paramref name="compression"/>
    /// holds the compressions the peer agreed to (none by default); LCP never uses them (RFC 1661 6.5, 6.6).
    /// Throws when the destination is too small.
    /// </summary>
    public static int Encode(ushort protocol, ReadOnlySpan<byte> information, Span<byte> destination, PppHeaderCompression compression = PppHeaderCompression.None)
    {
        if (!TryEncode(protocol, information, destination, out int written, compression))
            throw new ArgumentException($"Destination too small; {MaxEncodedLength(information.Length)} octets always suffice.", nameof(destination));
        return written;
    }

    /// <inheritdoc cref="Encode(ushort, ReadOnlySpan{byte}, Span{byte}, PppHeaderCompression)"/>
    public static int Encode(PppProtocol protocol, ReadOnlySpan<byte> information, Span<byte> destination, PppHeaderCompression compression = PppHeaderCompression.None) =>
        Encode((ushort)protocol, information, destination, compression);

    /// <summary>Writes one frame; false when <paramref name="destination"/> is too small.</summary>
    public static bool TryEncode(ushort protocol, ReadOnlySpan<byte> information, Span<byte> destination, out int bytesWritten, PppHeaderCompression compression = PppHeaderCompression.None)
    {
        bytesWritten = 0;
        int headerLength = PppHeader.Length(protocol, compression);
        if (destination.Length < headerLength + information.Length)
            return false;
        PppHeader.Write(destination, protocol, compression);
        information.CopyTo(destination[headerLength..]);
        bytesWritten = headerLength + information.Length;
        return true;
    }
}

/// <summary>
/// Decodes one PPP frame per datagram (see <see cref="SyncFrameEncoder"/>). Compressed headers are accepted
/// whether negotiated or not (the policy is on <see cref="PppHeader"/>). Datagrams too short for a protocol
/// field, or starting 0xFF without 0x03, are counted and dropped. The length is not checked against an MRU: the
/// datagram is already in memory, and what to do with an oversized packet is the receiving protocol's call.
/// Not thread-safe: one decoder per link.
/// </summary>
public sealed class SyncFrameDecoder
{
    private FramingCounters counters;

    /// <summary>A copy of the receive counters (the async-only ones stay zero).</summary>
    public FramingCounters Counters => counters;

    /// <summary>
    /// Decodes <paramref name="datagram"/>. The frame's information field is a slice of the datagram, so it is
    /// valid as long as the datagram's buffer is. Never throws on bad input.
    /// </summary>
    public bool TryDecode(ReadOnlySpan<byte> datagram, out PppFrame frame)
    {
        counters.OctetsIn += datagram.Length;
        if (!counters.CountByHeader(PppHeader.TryRead(datagram, out frame), datagram.Length))
            return false;
        counters.QualityOctets += datagram.Length;
        return true;
    }
}
