using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Gateway.Core.Transport;

/// <summary>
/// Source addresses (without port) that a socket's owner vouches for, asked about on the socket's receive thread for
/// every datagram from an unregistered sender: a lookup is lock-free and allocates nothing. The owner replaces the
/// whole set when it changes (rarely: a peer authenticated, or an address expired), copy-on-write.
/// </summary>
public sealed class SourceAddressSet
{
    private volatile HashSet<UInt128> addresses = [];

    /// <summary>Addresses in the set now.</summary>
    public int Count => addresses.Count;

    /// <summary>Whether <paramref name="sender"/>'s address (any port) is in the set.</summary>
    public bool Contains(SocketAddress sender)
    {
        var current = addresses;
        return current.Count > 0 && current.Contains(KeyOf(sender));
    }

    public bool Contains(IPAddress address) => addresses.Contains(KeyOf(address));

    /// <summary>Makes <paramref name="next"/> the set (the caller's thread; readers see the old or the new one whole).</summary>
    public void Replace(IEnumerable<IPAddress> next) => addresses = next.Select(KeyOf).ToHashSet();

    // IPv4 as its IPv4-mapped IPv6 form (RFC 4291 2.5.5.2), so that both families compare as one 128-bit number.
    private const int SocketAddressV4Offset = 4;    // sockaddr_in: family, port, then sin_addr
    private const int SocketAddressV6Offset = 8;    // sockaddr_in6: after sin6_flowinfo
    private static readonly UInt128 V4Mapped = (UInt128)0xFFFF << 32;

    internal static UInt128 KeyOf(SocketAddress sender)
    {
        var bytes = sender.Buffer.Span;
        return sender.Family == AddressFamily.InterNetworkV6
            ? BinaryPrimitives.ReadUInt128BigEndian(bytes.Slice(SocketAddressV6Offset, 16))
            : V4Mapped | BinaryPrimitives.ReadUInt32BigEndian(bytes.Slice(SocketAddressV4Offset, 4));
    }

    internal static UInt128 KeyOf(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.MapToIPv6().TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }
}
