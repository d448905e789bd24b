using System.Net;
using System.Net.Sockets;

namespace Gateway.Core.Config;

/// <summary>
/// What <c>add[!] dest[/nn] [mask] gateway</c> means once IPCP has given MYADDR and HISADDR, for a route through
/// the bundle's tun device: <c>default</c> (or <c>0</c>), <c>MYADDR</c>, <c>HISADDR</c>, an address, an address
/// with <c>/nn</c> or a dotted mask (no width and no mask: a host route, as ppp's <c>ncprange_aton</c> reads it).
/// The gateway must be <c>HISADDR</c> (or <c>MYADDR</c>): the device is point to point, so the route goes through it.
/// </summary>
public static class RouteResolver
{
    private static readonly IPAddress Placeholder = IPAddress.Parse("192.0.2.1");

    /// <summary>Checks a route before anything is up; the message names what ppp.conf said.</summary>
    public static string? Check(RouteSpec route) =>
        TryResolve(route, Placeholder, Placeholder, out _, out var error) ? null : error;

    public static bool TryResolve(RouteSpec route, IPAddress myAddr, IPAddress hisAddr, out IPNetwork network, out string? error)
    {
        network = default;
        error = null;
        if (!IsTunnelGateway(route.Gateway))
            return Fail($"'{route}': the gateway must be HISADDR (the far end of the bundle); routes through other gateways are not supported", out error);

        string destination = route.Destination;
        int? width = null;
        int slash = destination.IndexOf('/');
        if (slash >= 0)
        {
            if (!int.TryParse(destination.AsSpan(slash + 1), out int bits) || bits is < 0 or > 32)
                return Fail($"'{route}': '{destination}' has no valid /nn width", out error);
            width = bits;
            destination = destination[..slash];
        }

        IPAddress address;
        switch (destination.ToUpperInvariant())
        {
            case "DEFAULT" or "0":
                address = IPAddress.Any;
                width ??= 0;
                break;
            case "MYADDR":
                address = myAddr;
                break;
            case "HISADDR":
                address = hisAddr;
                break;
            case "DNS0" or "DNS1" or "MYADDR6" or "HISADDR6":
                return Fail($"'{route}': {destination} is not supported (the bundle negotiates IPv4 addresses only, without DNS)", out error);
            default:
                if (!IPAddress.TryParse(destination, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetwork)
                    return Fail($"'{route}': '{destination}' is not an IPv4 address (replace the seed's placeholder with a real address)", out error);
                address = parsed;
                break;
        }

        if (route.Netmask is { } mask)
        {
            if (width is not null)
                return Fail($"'{route}': give either /nn or a mask, not both", out error);
            if (!TryMaskWidth(mask, out int bits))
                return Fail($"'{route}': '{mask}' is not a contiguous netmask", out error);
            width = bits;
        }

        network = new IPNetwork(Truncate(address, width ?? 32), width ?? 32);
        return true;
    }

    private static bool IsTunnelGateway(string gateway) =>
        gateway.Equals("HISADDR", StringComparison.OrdinalIgnoreCase) || gateway.Equals("MYADDR", StringComparison.OrdinalIgnoreCase);

    private static bool TryMaskWidth(string text, out int width)
    {
        width = 0;
        if (!IPAddress.TryParse(text, out var mask) || mask.AddressFamily != AddressFamily.InterNetwork)
            return false;
        uint bits = ToUInt32(mask);
        width = System.Numerics.BitOperations.PopCount(bits);
        return bits == (width == 0 ? 0 : uint.MaxValue << (32 - width));
    }

    private static IPAddress Truncate(IPAddress address, int width)
    {
        uint bits = width == 0 ? 0 : ToUInt32(address) & (uint.MaxValue << (32 - width));
        var bytes = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, bits);
        return new IPAddress(bytes);
    }

    private static uint ToUInt32(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    private static bool Fail(string message, out string? error)
    {
        error = message;
        return false;
    }
}
