using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Gateway.Web.Security;

/// <summary>
/// The <c>Host</c> names the gateway answers to; any other gets 400, so a page whose DNS name has been rebound to
/// the gateway's address cannot read it. ASP.NET Core's <c>AllowedHosts</c> (<c>;</c>-separated, <c>*</c> for any)
/// replaces the defaults; <c>Gateway:Web:AllowedHosts</c> adds names to them. The defaults: the loopback names, the
/// hosts of the addresses it listens on, and for a wildcard address (<c>0.0.0.0</c>, <c>[::]</c>, <c>*</c>) this
/// machine's name and interface addresses.
/// </summary>
public static class AllowedHosts
{
    public const string StandardKey = "AllowedHosts";
    public const string ExtraKey = "Gateway:Web:AllowedHosts";

    public static readonly string[] Loopback = ["localhost", "127.0.0.1", "[::1]"];

    /// <param name="standard"><c>AllowedHosts</c>: when given, the whole list.</param>
    /// <param name="extra"><c>Gateway:Web:AllowedHosts</c>: names added to the list.</param>
    /// <param name="listenUrls">Where Kestrel is told to listen (<c>--urls</c>, <c>Kestrel:Endpoints:*:Url</c>).</param>
    public static List<string> From(IReadOnlyCollection<string> standard, IEnumerable<string> extra, IEnumerable<string> listenUrls)
    {
        var hosts = standard.Count > 0 ? standard : Defaults(listenUrls);
        return hosts.Concat(extra).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>An address that listens on every interface, which no browser can open by that name.</summary>
    public static bool IsWildcard(string host) => host is "0.0.0.0" or "[::]" or "::" or "+" or "*";

    private static IEnumerable<string> Defaults(IEnumerable<string> listenUrls)
    {
        var hosts = new List<string>(Loopback);
        foreach (var url in listenUrls)
        {
            var binding = BindingAddress.Parse(url);
            if (binding.IsUnixPipe || binding.IsNamedPipe)
                continue;
            if (IsWildcard(binding.Host))
                hosts.AddRange(MachineNames());
            else
                hosts.Add(binding.Host);
        }
        return hosts;
    }

    private static IEnumerable<string> MachineNames()
    {
        yield return Dns.GetHostName();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
        {
            var address = unicast.Address;
            yield return address.AddressFamily == AddressFamily.InterNetworkV6
                ? $"[{new IPAddress(address.GetAddressBytes())}]" // without the scope id, as in a Host header
                : address.ToString();
        }
    }
}
