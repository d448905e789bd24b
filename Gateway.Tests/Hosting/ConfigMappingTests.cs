using System.Net;
using Gateway.Core.Config;
using Gateway.Core.Hosting;
using Gateway.Core.Ppp.Multilink;
using Gateway.Tests.Config;

namespace Gateway.Tests.Hosting;

/// <summary>From what ppp.conf means to what the actors are built from (gateway run).</summary>
public class ConfigMappingTests
{
    private static GatewayModel Working() =>
        SeedFiles.Build("ppp.conf.span-isp.working", "ppp.linkup.span-isp.working", "ppp.linkdown.span-isp.working", "ppp.secret.span-isp.working").Model;

    [SkippableFact]
    public void The_working_seeds_receiver_listens_with_chap_its_address_pair_and_the_secrets()
    {
        var model = Working();
        var errors = new List<string>();

        var receiver = ConfigMapping.ToReceiver(model.Receivers.Single(r => r.Label == "vpn-in"), new IPEndPoint(IPAddress.Loopback, 6671), errors);

        Assert.Empty(errors);
        Assert.NotNull(receiver);
        Assert.True(receiver.MemberSession.Lcp.EnableChap);
        Assert.Equal((ushort)1500, receiver.MemberSession.Lcp.Mrru);
        Assert.Equal(IPAddress.Parse("127.0.0.2"), receiver.Bundle.Ipcp.LocalAddress);
        Assert.Equal([IPAddress.Parse("127.0.0.3")], receiver.PeerAddresses);
        Assert.True(receiver.MemberSession.Secrets!.TryGetSecret("vpnname", out var key));
        Assert.True(key.Matches("vpnkey"u8));
        Assert.Equal(EndpointDiscriminatorClass.LocallyAssigned, receiver.MemberSession.Lcp.EndpointDiscriminator!.Class);
    }

    [SkippableFact]
    public void The_working_seeds_bundle_has_a_udp_sublink_per_isp_to_its_127_0_2_x_endpoint()
    {
        var model = Working();
        var errors = new List<string>();

        var bundle = ConfigMapping.ToNicBundle(model.Bundles.Single(b => b.Label == "vpn"), errors);

        Assert.Empty(errors);
        Assert.NotNull(bundle);
        Assert.Equal(["127.0.2.7:6671", "127.0.2.6:6671", "127.0.2.4:6671"], bundle.Sublinks.Select(s => s.Remote!.ToString()));
        Assert.Equal("vpnname", bundle.MemberSession.AuthName);
        Assert.True(bundle.MemberSession.AuthKey.Matches("vpnkey"u8));
    }

    [SkippableFact]
    public void The_seeds_placeholders_are_errors_that_name_the_label_and_the_value()
    {
        var model = SeedFiles.Build("ppp.conf.span-isp", "ppp.linkup.span-isp", "ppp.linkdown.span-isp", "ppp.secret.span-isp").Model;
        var errors = new List<string>();

        var receiver = ConfigMapping.ToReceiver(model.Receivers.Single(r => r.Label == "vpn-in"), new IPEndPoint(IPAddress.Any, 6671), errors);
        var bundle = ConfigMapping.ToNicBundle(model.Bundles.Single(b => b.Label == "vpn-nic"), errors);

        Assert.Null(receiver);
        Assert.Null(bundle);
        Assert.Contains(errors, e => e.Contains("vpn-in") && e.Contains("REAL-LOCAL-IP"));
        Assert.Contains(errors, e => e.Contains("vpn-nic") && e.Contains("RIP1"));
    }
}
