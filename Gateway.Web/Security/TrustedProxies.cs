using System.Net;
using Gateway.Web.Hosting;

namespace Gateway.Web.Security;

/// <summary>
/// The reverse proxies whose <c>X-Forwarded-For</c> / <c>X-Forwarded-Proto</c> are believed
/// (<c>Gateway:Web:TrustedProxies</c>: addresses or CIDR networks). With none, forwarded headers are ignored and
/// every client is known by its connection's address; behind a proxy that would be the proxy's, so one client's
/// failed logins would lock everyone out.
/// </summary>
public sealed record TrustedProxies(IReadOnlyList<IPNetwork> Networks)
{
    public const string Key = "Gateway:Web:TrustedProxies";

    public bool Any => Networks.Count > 0;

    public static TrustedProxies Parse(IEnumerable<string> entries) => new(entries.Select(ParseOne).ToArray());

    private static IPNetwork ParseOne(string entry)
    {
        if (IPAddress.TryParse(entry, out var address) && !entry.Contains('/'))
            return new IPNetwork(address, address.GetAddressBytes().Length * 8);
        if (IPNetwork.TryParse(entry, out var network) && HostBitsAreZero(entry, network))
            return network;
        throw new GatewayConfigurationException(
            $"{Key}: '{entry}' is neither an IP address nor a network such as 10.0.0.0/8 (with the host bits zero)");
    }

    /// <summary>
    /// 10.0.0.1/8 is refused (IPNetwork would take it as 10.0.0.0/8): more likely a typo for the proxy's address than
    /// a wish to trust 16 million.
    /// </summary>
    private static bool HostBitsAreZero(string entry, IPNetwork network) =>
        IPAddress.TryParse(entry.AsSpan(0, entry.IndexOf('/')), out var written) && written.Equals(network.BaseAddress);
}
