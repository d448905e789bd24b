namespace Gateway.Core.Ppp.Framing;

/// <summary>
/// One decoded PPP frame: the protocol number and the information field (RFC 1661 section 2). The
/// <see cref="Information"/> span points into the decoder's buffer (or the caller's datagram) and is valid
/// only until the next call to the decoder that produced it.
/// </summary>
public readonly ref struct PppFrame
{
    public PppFrame(ushort protocol, ReadOnlySpan<byte> information, bool addressControlOmitted, bool protocolCompressed)
    {
        Protocol = protocol;
        Information = information;
        AddressControlOmitted = addressControlOmitted;
        ProtocolCompressed = protocolCompressed;
    }

    /// <summary>The protocol field value; may be one that <see cref="PppProtocol"/> does not name (Protocol-Reject it).</summary>
    public ushort Protocol { get; }

    /// <summary>The information field (and any padding), without header or FCS.</summary>
    public ReadOnlySpan<byte> Information { get; }

    /// <summary>The frame arrived without <c>FF 03</c>.</summary>
    public bool AddressControlOmitted { get; }

    /// <summary>The frame arrived with a one-octet protocol field.</summary>
    public bool ProtocolCompressed { get; }
}
