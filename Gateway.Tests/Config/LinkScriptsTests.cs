using Gateway.Core.Config;

namespace Gateway.Tests.Config;

public class LinkScriptsTests
{
    private static LinkScripts Read(string text) =>
        LinkScripts.Read("ppp.linkup", new InMemoryConfigSource().Add("ppp.linkup", text));

    [Fact]
    public void SectionIsChosenByAddressThenLabelThenMyAddr()
    {
        var scripts = Read("10.0.0.1:\n !bg ppp -background a x\nisp1:\n !bg ppp -background b x\nMYADDR:\n !bg ppp -background c x\n");
        Assert.Equal("10.0.0.1", scripts.Select("10.0.0.1", "isp1")!.Label);
        Assert.Equal("isp1", scripts.Select("10.0.0.2", "isp1")!.Label);
        Assert.Equal("MYADDR", scripts.Select("10.0.0.2", "isp9")!.Label);
        Assert.Equal("MYADDR", scripts.Select(null, null)!.Label);
    }

    [Fact]
    public void BgPppStartsAMemberLinkOfTheLastLabel()
    {
        var action = Assert.Single(Read("isp1:\n  !bg /usr/sbin/ppp -background -unit 3 vpn1 vpn\n").ActionsFor(null, "isp1"));
        Assert.Equal(LinkActionKind.StartSublink, action.Kind);
        Assert.Equal(["vpn1", "vpn"], action.Labels);
        Assert.Equal("vpn", action.Bundle);
    }

    [Fact]
    public void BgPppctlLinkCloseClosesAMemberLink()
    {
        var action = Assert.Single(Read("isp1:\n  !bg pppctl -t 2 /var/run/ppp/vpn link 1 close\n").ActionsFor(null, "isp1"));
        Assert.Equal((LinkActionKind.CloseSublink, "1", "/var/run/ppp/vpn"), (action.Kind, action.Sublink, action.Socket));
    }

    [Fact]
    public void OtherCommandsAreWarnedAtTheirLine()
    {
        var scripts = Read("isp1:\n  add default HISADDR\n  !bg ppp -background vpn1 vpn\n");
        Assert.Equal(2, Assert.Single(scripts.Diagnostics).Line);
    }

    [Fact]
    public void SeedLinkScriptsStartAndCloseMemberLinks()
    {
        var disk = new Gateway.Web.Cli.DiskConfigSource();
        var up = LinkScripts.Read(SeedFiles.Path_("ppp.linkup.span-isp"), disk);
        var down = LinkScripts.Read(SeedFiles.Path_("ppp.linkdown.span-isp"), disk);
        Assert.Empty(up.Diagnostics);
        Assert.Empty(down.Diagnostics);
        Assert.Equal(["vpnN", "vpn"], up.ActionsFor(null, "ispN").Single().Labels);
        Assert.Equal("N", down.ActionsFor(null, "ispN").Single().Sublink);
        Assert.Equal(LinkActionKind.SetServer, up.ActionsFor(null, "vpn").Single().Kind);
    }

    [Fact]
    public void MyAddrCatchAllDoesNotMakeBundleLabelsIspLinks()
    {
        var source = new InMemoryConfigSource()
            .Add("ppp.conf", "isp1:\n set device /dev/cuaa0\n set phone 1\nvpn1:\n set device RIP1:ppp/udp\nvpn:\n set mrru 1500\n")
            .Add("ppp.linkup", "MYADDR:\n !bg ppp -background vpn1 vpn\n");
        var model = GatewayModelBuilder.Build(new GatewayConfigFiles(PppConfReader.Read("ppp.conf", source), LinkScripts.Read("ppp.linkup", source))).Model;
        Assert.Equal(["isp1"], model.IspLinks.Select(i => i.Label));
        Assert.Equal("isp1", Assert.Single(Assert.Single(model.Bundles).Sublinks).CarriedBy);
    }
}
