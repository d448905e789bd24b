using System.Net;

namespace Gateway.Core.Ppp.Ipcp;

/// <summary>IPCP Configuration Option types (RFC 1332 3, RFC 1877 1).</summary>
public enum IpcpOptionType : byte
{
    /// <summary>RFC 1172, deprecated by RFC 1332: always rejected.</summary>
    IpAddresses = 1,
    /// <summary>RFC 1332 3.2 (Van Jacobson): rejected, we do not compress.</summary>
    IpCompressionProtocol = 2,
    /// <summary>RFC 1332 3.3.</summary>
    IpAddress = 3,
    /// <summary>RFC 1877 1.1.</summary>
    PrimaryDns = 129,
    /// <summary>RFC 1877 1.2: rejected.</summary>
    PrimaryNbns = 130,
    /// <summary>RFC 1877 1.3.</summary>
    SecondaryDns = 131,
    /// <summary>RFC 1877 1.4: rejected.</summary>
    SecondaryNbns = 132,
}

/// <summary>IPCP settings, as FreeBSD ppp's <c>set ifaddr</c>, <c>set dns</c>, <c>enable dns</c> and <c>accept dns</c> set them.</summary>
public sealed record IpcpSettings
{
    public static IpcpSettings Default { get; } = new();

    /// <summary>The address we ask for; 0.0.0.0 asks the peer to assign one (we take the one it Naks with).</summary>
    public IPAddress LocalAddress { get; init; } = IPAddress.Any;

    /// <summary>
    /// <c>set ifaddr myaddr/nn</c>: a Nak suggesting an address inside LocalAddress/nn is taken, any other is ignored.
    /// Null = FreeBSD's default: /0 for 0.0.0.0, /32 otherwise.
    /// </summary>
    public int? LocalPrefixLength { get; init; }

    /// <summary><c>set ifaddr ... hisaddr/nn</c>: a peer asking for an address inside PeerAddress/nn is Acked. Null = /32 (0.0.0.0: /0).</summary>
    public int? PeerPrefixLength { get; init; }

    /// <summary>
    /// The address we have for the peer. When set, a peer asking for 0.0.0.0 or for another address is Naked with it
    /// (this is also what slirp needs: it asks 0.0.0.0 and must be Naked with 10.0.2.2), unless it asks for an address
    /// inside PeerAddress/<see cref="PeerPrefixLength"/>. When null (or 0.0.0.0), the peer's own non-zero choice is
    /// accepted and a request for 0.0.0.0 is rejected (we have nothing to assign).
    /// </summary>
    public IPAddress? PeerAddress { get; init; }

    /// <summary>Primary DNS server handed to a peer that asks (RFC 1877); null = reject the option.</summary>
    public IPAddress? PrimaryDns { get; init; }

    /// <summary>Secondary DNS server handed to a peer that asks; null = reject the option.</summary>
    public IPAddress? SecondaryDns { get; init; }

    /// <summary><c>enable dns</c>: ask the peer for DNS server addresses.</summary>
    public bool RequestDns { get; init; }
}

/// <summary>
/// IPCP's result at This-Layer-Up: FreeBSD's MYADDR and HISADDR, and the DNS servers the peer gave us.
/// <see cref="PeerAddress"/> is 0.0.0.0 when the peer named no address (even after our Nak) and we had none to
/// give it: <see cref="PeerAddressKnown"/> is then false, and nothing should be sent to that address.
/// </summary>
public sealed record IpcpNegotiated(IPAddress LocalAddress, IPAddress PeerAddress, IPAddress? PrimaryDns, IPAddress? SecondaryDns)
{
    /// <summary>False when HISADDR is unknown (0.0.0.0): the peer never named its address and we configured none.</summary>
    public bool PeerAddressKnown => !PeerAddress.Equals(IPAddress.Any);

    public override string ToString() =>
        $"MYADDR {LocalAddress} HISADDR {(PeerAddressKnown ? PeerAddress.ToString() : "unknown")} DNS {PrimaryDns?.ToString() ?? "-"} {SecondaryDns?.ToString() ?? "-"}";
}
