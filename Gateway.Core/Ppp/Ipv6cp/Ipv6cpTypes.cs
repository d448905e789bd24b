using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;

namespace Gateway.Core.Ppp.Ipv6cp;

/// <summary>IPV6CP Configuration Option types (RFC 5072 4).</summary>
public enum Ipv6cpOptionType : byte
{
    /// <summary>RFC 5072 4.1: the 64-bit identifier of the sender's end, for its link-local address.</summary>
    InterfaceIdentifier = 1,
    /// <summary>RFC 5072 4.2: rejected, we do not compress.</summary>
    Ipv6CompressionProtocol = 2,
}

/// <summary>IPV6CP settings, as FreeBSD ppp's <c>enable ipv6cp</c> runs it (it has no option to fix the identifier).</summary>
public sealed record Ipv6cpSettings
{
    public static Ipv6cpSettings Default { get; } = new();

    /// <summary>Our interface identifier; null (the default, as FreeBSD) draws a random non-zero one per negotiation.</summary>
    public ulong? InterfaceIdentifier { get; init; }

    /// <summary>Where random identifiers come from (ours, and those suggested to a peer); a fixed one makes a run repeatable.</summary>
    public Func<ulong> RandomIdentifier { get; init; } = CryptoIdentifier;

    private static ulong CryptoIdentifier()
    {
        Span<byte> bytes = stackalloc byte[sizeof(ulong)];
        RandomNumberGenerator.Fill(bytes);
        return BinaryPrimitives.ReadUInt64BigEndian(bytes);
    }
}

/// <summary>
/// IPV6CP's result at This-Layer-Up: the interface identifiers both ends use (RFC 5072 4.1), from which each end
/// forms its link-local address fe80::/64 + identifier (RFC 5072 5). <see cref="PeerInterfaceIdentifier"/> is 0 when
/// the peer named none (not even after our Nak): its link-local address is then unknown.
/// </summary>
public sealed record Ipv6cpNegotiated(ulong LocalInterfaceIdentifier, ulong PeerInterfaceIdentifier)
{
    /// <summary>Our link-local address, for the tun device: fe80::<see cref="LocalInterfaceIdentifier"/>/64.</summary>
    public IPAddress LocalLinkLocal => LinkLocal(LocalInterfaceIdentifier);

    /// <summary>The peer's link-local address; null when it named no identifier.</summary>
    public IPAddress? PeerLinkLocal => PeerInterfaceIdentifier == 0 ? null : LinkLocal(PeerInterfaceIdentifier);

    /// <summary>fe80::/64 with <paramref name="identifier"/> as its low 64 bits (RFC 4291 2.5.6, RFC 5072 5).</summary>
    public static IPAddress LinkLocal(ulong identifier)
    {
        Span<byte> bytes = stackalloc byte[16];
        bytes.Clear();
        bytes[0] = 0xFE;
        bytes[1] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], identifier);
        return new IPAddress(bytes);
    }

    public override string ToString() => $"local {LocalLinkLocal} peer {PeerLinkLocal?.ToString() ?? "unknown"}";
}
