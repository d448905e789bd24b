using System.Net;
using Gateway.Core.Config;

namespace Gateway.Tests.Config;

/// <summary>ppp.conf's <c>add[!] dest[/nn] [mask] gateway</c>, resolved once IPCP gave MYADDR and HISADDR.</summary>
public class RouteResolverTests
{
    private static readonly IPAddress My = IPAddress.Parse("10.0.0.2");
    private static readonly IPAddress His = IPAddress.Parse("10.0.0.1");

    [Theory]
    [InlineData("default", null, "0.0.0.0/0")]
    [InlineData("0", null, "0.0.0.0/0")]
    [InlineData("HISADDR", null, "10.0.0.1/32")]
    [InlineData("MYADDR", null, "10.0.0.2/32")]
    [InlineData("192.0.2.7", null, "192.0.2.7/32")]
    [InlineData("192.0.2.7/24", null, "192.0.2.0/24")]
    [InlineData("172.16.0.0", "255.240.0.0", "172.16.0.0/12")]
    public void A_destination_resolves_to_the_prefix_ppp_would_route(string destination, string? mask, string expected)
    {
        Assert.True(RouteResolver.TryResolve(new RouteSpec(destination, mask, "HISADDR", true), My, His, out var network, out var error), error);
        Assert.Equal(IPNetwork.Parse(expected), network);
    }

    [Theory]
    [InlineData("RIP1/32", null, "HISADDR", "RIP1")]
    [InlineData("10.0.0.0/33", null, "HISADDR", "/nn")]
    [InlineData("10.0.0.0", "255.0.255.0", "HISADDR", "contiguous")]
    [InlineData("10.0.0.0/8", "255.0.0.0", "HISADDR", "not both")]
    [InlineData("DNS0", null, "HISADDR", "DNS0")]
    [InlineData("default", null, "192.0.2.99", "gateway must be HISADDR")]
    public void A_route_that_cannot_go_through_the_bundle_is_refused_with_a_reason(string destination, string? mask, string gateway, string reason)
    {
        var route = new RouteSpec(destination, mask, gateway, false);
        Assert.False(RouteResolver.TryResolve(route, My, His, out _, out var error));
        Assert.Contains(reason, error);
        Assert.Equal(error, RouteResolver.Check(route));
    }
}
