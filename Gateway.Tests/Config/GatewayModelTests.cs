using CsCheck;
using Gateway.Core.Config;

namespace Gateway.Tests.Config;

/// <summary>The seed and its variants resolve to the model pinned by the golden files.</summary>
public class GatewayModelTests
{
    private static void AssertGolden(string name, GatewayModel model)
    {
        var json = ConfigJson.Serialize(model) + "\n";
        var path = Path.Combine(SeedFiles.GoldenDirectory(), name);
        if (Environment.GetEnvironmentVariable("GATEWAY_UPDATE_GOLDEN") == "1")
            File.WriteAllText(path, json);
        Assert.True(File.Exists(path), $"golden file {path} is missing (run with GATEWAY_UPDATE_GOLDEN=1 to create it)");
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), json);
    }

    private static GatewayModelResult Seed(string conf) =>
        SeedFiles.Build(conf, "ppp.linkup.span-isp", "ppp.linkdown.span-isp", "ppp.secret.span-isp");

    [Fact]
    public void RestoredSeedResolvesToTheGoldenModel()
    {
        var result = Seed("ppp.conf.span-isp");
        Assert.False(result.HasErrors);
        AssertGolden("span-isp.model.json", result.Model);
    }

    [Fact]
    public void FlattenedSeedResolvesToTheSameModel()
    {
        var result = Seed("000_b840cbdcaaba3992.txt");
        Assert.False(result.HasErrors);
        AssertGolden("span-isp.model.json", result.Model);
        // The preamble: 192 bare line numbers and a '|', one warning each.
        Assert.Equal(193, result.Diagnostics.Count(d => d.Message.Contains("before the first label")));
    }

    [Fact]
    public void SeedModelHasTheIspLinksBundleAndReceiverItDescribes()
    {
        var model = Seed("ppp.conf.span-isp").Model;

        Assert.Equal(["isp1", "isp2", "ispN"], model.IspLinks.Select(i => i.Label));
        Assert.All(model.IspLinks, isp =>
        {
            Assert.Equal(["/dev/cuaa0", "/dev/cuaa1", "/dev/cuaa2", "/dev/cuaa3"], isp.Devices);
            Assert.Equal(115200, isp.Speed);
            Assert.Equal(17, isp.Dial.Tokens.Count);
            Assert.Equal((TimeSpan.FromSeconds(3), 5), (isp.Redial.Pause!.Value, isp.Redial.Attempts));
            Assert.Equal((true, 15), (isp.Quality.Lqr, isp.Quality.PeriodSeconds));
            var n = isp.Label[3..];
            Assert.Equal((isp.Label + "name", isp.Label + "key"), (isp.AuthName, isp.AuthKey.Reveal()));
            Assert.Equal(new RouteSpec($"RIP{n}/32", null, "HISADDR", true), Assert.Single(isp.Routes));
        });
        Assert.Equal(["1234567", "2345678", "3456789"], model.IspLinks.Select(i => i.Phone.Text));

        var vpn = model.Bundles.Single(b => b.Label == "vpn");
        Assert.Equal(new EndDiscSpec(EndDiscKind.Label, "vpn"), vpn.EndDisc);
        Assert.Equal((1500, "vpnname", "vpnkey", true), (vpn.Mrru, vpn.AuthName, vpn.AuthKey.Reveal(), vpn.Nat));
        Assert.Equal(new RouteSpec("default", null, "HISADDR", true), Assert.Single(vpn.Routes));
        Assert.Contains("deflate", vpn.CompressionRefused);
        Assert.Contains("pred1", vpn.CompressionRefused);
        Assert.Equal(["1", "2", "N"], vpn.Sublinks.Select(s => s.Name));
        Assert.Equal(["isp1", "isp2", "ispN"], vpn.Sublinks.Select(s => s.CarriedBy));
        Assert.All(vpn.Sublinks, s =>
        {
            Assert.Equal(DeviceKind.Udp, s.Transport);
            Assert.Equal(("RIP" + s.Name, "ppp", 6671), (s.Remote!.Host, s.Remote.Service, s.Remote.Port));
            Assert.False(s.Quality.Lqr);
            Assert.True(s.Sync);
        });

        var nic = model.Bundles.Single(b => b.Label == "vpn-nic");
        Assert.True(nic.NicMode);
        Assert.Equal(["1", "2", "N"], nic.Sublinks.Select(s => s.Name));
        Assert.All(nic.Sublinks, s => Assert.Null(s.CarriedBy));

        var receiver = Assert.Single(model.Receivers);
        Assert.Equal(("vpn-in", true, true, 6671), (receiver.Label, receiver.Multilink, receiver.RequireChap, receiver.Listen!.Port));
        Assert.Equal(new IfAddrSpec("REAL-LOCAL-IP", "REAL-ASSIGNED-IP", null, null), receiver.IfAddr);
        Assert.Equal("vpnname", Assert.Single(receiver.Secrets).Name);
    }

    [Fact]
    public void WorkingVariantResolvesToItsLoopbackEndpointsAndAnsweringLabels()
    {
        var result = SeedFiles.Build("ppp.conf.span-isp.working", "ppp.linkup.span-isp.working", "ppp.linkdown.span-isp.working", "ppp.secret.span-isp.working");
        Assert.False(result.HasErrors);
        var model = result.Model;
        Assert.Equal(["isp1", "isp2", "isp3"], model.IspLinks.Select(i => i.Label));
        Assert.Equal(["127.0.2.7", "127.0.2.6", "127.0.2.4"], model.Bundles.Single().Sublinks.Select(s => s.Remote!.Host));
        Assert.Equal(["vpn-in", "isp-in-7", "isp-in-6", "isp-in-4"], model.Receivers.Select(r => r.Label));
        Assert.Equal("127.0.3.7", model.Receivers[1].IfAddr!.Remote);
        AssertGolden("span-isp.working.model.json", model);
    }

    [Fact]
    public void FreeBsd2012RevisionLoads()
    {
        var result = Seed("ppp.conf.span-isp.freebsd-2012");
        Assert.Empty(result.Diagnostics);
        var vpn = result.Model.Bundles.Single(b => b.Label == "vpn");
        Assert.True(vpn.Nat);
        Assert.Equal(1504, vpn.Mru);
        Assert.All(result.Model.IspLinks, i => Assert.True(i.Quality.Lqr && i.Quality.Echo));
        AssertGolden("span-isp.freebsd-2012.model.json", result.Model);
    }

    [Fact]
    public void ModelJsonNeverShowsASecret()
    {
        var model = Seed("ppp.conf.span-isp").Model;
        Assert.DoesNotContain("vpnkey", model.Bundles[0].ToString());
        Assert.DoesNotContain("isp1key", model.IspLinks[0].ToString());
        Assert.DoesNotContain("vpnkey", model.Receivers[0].Secrets[0].ToString());
        var json = ConfigJson.Serialize(model);
        Assert.DoesNotContain("vpnkey", json);
        Assert.DoesNotContain("isp1key", json);
        Assert.Contains(ConfigSecret.Mask, json);
    }
}

public class GatewayModelRobustnessTests
{
    private static readonly string[] Lines =
    [
        "default:", "a:", "b:", "vpn:", "isp1:", " set device /dev/cuaa0", " set device RIP1:ppp/udp", " set device", " set speed sync",
        " set phone 123", " set mrru 1500", " clone 1 2", " link 1 rm", " link * set device x:1/udp", " rm", " rename 1", " load a",
        " load b", " load vpn", " enable chap", " set ifaddr 10.0.0.1 10.0.0.2", " add! default HISADDR", " delete all", " \"", " set redial x",
        "!include a", " !bg ppp -background a vpn", " |", "\\", " set enddisc label", " link 2 clone 3", " nat enable yes", " set authkey k",
    ];

    [Fact]
    public void BuilderNeverThrowsOnPlausibleConfigurations() =>
        Gen.Int[0, Lines.Length - 1].Array[0, 30].Select(Gen.Int[0, Lines.Length - 1].Array[0, 10]).Sample((conf, up) =>
        {
            var source = new InMemoryConfigSource()
                .Add("ppp.conf", string.Join('\n', conf.Select(i => Lines[i])))
                .Add("ppp.linkup", "isp1:\n !bg ppp -background a vpn\n" + string.Join('\n', up.Select(i => Lines[i])))
                .Add("a", "a:\n load b\n");
            var result = GatewayModelBuilder.Build(new GatewayConfigFiles(
                PppConfReader.Read("ppp.conf", source), LinkScripts.Read("ppp.linkup", source), null, PppSecrets.Parse("s", "n k"), null));
            ConfigJson.Serialize(result.Model);
        });
}
