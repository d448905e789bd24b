using System.Net;
using System.Net.NetworkInformation;
using System.Net.Http.Json;
using System.Net.Sockets;
using Gateway.Core.Status;
using Gateway.Core.Transport;
using Gateway.Tests.Support;
using Gateway.Web.Hosting;

namespace Gateway.Tests.Web;

/// <summary>
/// <c>gateway run --config ...</c>: a receiver (<c>vpn-in</c>) and a NIC-mode gateway (<c>vpn-nic</c>) started from one
/// FreeBSD ppp.conf and ppp.secret, as two hosts, form one bundle over loopback UDP.
/// </summary>
[Collection("Demo")]
public sealed class RunCommandTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("gateway-run-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    /// <summary>A ppp.conf with the <c>vpn</c> bundle label (plus <paramref name="vpnLines"/>), the gateway labels, and the receiver.</summary>
    private static string Conf(string vpnLines, string gatewayLabels, string pool) => $"""
        vpn:
         set enddisc LABEL
         set speed sync
         set mrru 1500
         {vpnLines}
         disable deflate pred1 lqr
         deny deflate pred1
        {gatewayLabels}
        vpn-in:
         set enddisc label
         set speed sync
         set mrru 1500
         enable chap
         disable lqr
         set ifaddr 192.0.2.1 {pool}

        """;

    [Fact]
    public async Task A_receiver_and_a_nic_mode_gateway_from_one_ppp_conf_form_a_bundle()
    {
        int port = FreePorts.Udp();
        var conf = Path.Combine(directory, "ppp.conf");
        var secret = Path.Combine(directory, "ppp.secret");
        File.WriteAllText(conf, Conf("set authname vpnname\n set authkey vpnkey", $"""
            vpn-nic:
             load vpn
             clone 1 2
             link deflink rm
             link 1 set device 127.0.0.1:{port}/udp
             link 2 set device 127.0.0.1:{port}/udp
            """, "192.0.2.2"));
        File.WriteAllText(secret, "vpnname vpnkey\n");
        string[] common = ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", "--config", conf, "--secret", secret, "--tun", "none"];

        Assert.True(RoleCommandLine.TryParse(["run", .. common, "--label", "vpn-in", "--listen", $"127.0.0.1:{port}"], out var receiverRole, out var receiverOptions, out _));
        Assert.Equal(GatewayRole.Receiver, receiverRole);
        await using var receiver = GatewayWebApp.Build(receiverOptions, receiverRole, contentRoot: WebTestHost.WebProjectDirectory);
        await receiver.StartAsync();
        Assert.True(RoleCommandLine.TryParse(["run", .. common, "--label", "vpn-nic"], out var gatewayRole, out var gatewayOptions, out _));
        Assert.Equal(GatewayRole.Gateway, gatewayRole);
        await using var gateway = GatewayWebApp.Build(gatewayOptions, gatewayRole, contentRoot: WebTestHost.WebProjectDirectory);
        await gateway.StartAsync();

        using var http = new HttpClient { BaseAddress = gateway.Addresses[0] };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        BundleStatus? vpn = null;
        while (DateTime.UtcNow < deadline)
        {
            var bundles = await http.GetFromJsonAsync<BundleStatus[]>("api/bundles", WebTestHost.Json);
            vpn = bundles?.FirstOrDefault(b => b.Name == "vpn-nic");
            if (vpn is { Up: true, Members.Count: 2 })
                break;
            await Task.Delay(100);
        }
        Assert.NotNull(vpn);
        Assert.True(vpn.Up, $"the bundle did not come up: {vpn}");
        Assert.Equal(["1", "2"], vpn.Members);
        Assert.Equal("192.0.2.2", vpn.LocalAddress);
    }

    /// <summary>
    /// The tun data plane of <c>gateway run</c>: two gateways (their tun devices in namespaces of their own, each with
    /// ppp.conf's <c>add! default HISADDR</c> and <c>nat enable yes</c>) and one receiver (a device per bundle, in a
    /// third namespace); sublinks over loopback. Real pings cross each bundle.
    /// </summary>
    [SkippableFact]
    public async Task With_tun_devices_two_gateways_get_a_device_each_on_the_receiver_with_their_routes_and_nat_and_pings_cross()
    {
        string? why = NetNs.WhyUnavailable ?? TunDevice.WhyUnavailable();
        Skip.If(why is not null, why);
        int port = FreePorts.Udp();
        var conf = Path.Combine(directory, "ppp.conf");
        var secret = Path.Combine(directory, "ppp.secret");
        File.WriteAllText(conf, Conf("add! default HISADDR\n nat enable yes", $"""
            vpn-a:
             load vpn
             set authname vpna
             set authkey keya
             clone 1 2
             link deflink rm
             link 1 set device 127.0.0.1:{port}/udp
             link 2 set device 127.0.0.1:{port}/udp
            vpn-b:
             load vpn
             set authname vpnb
             set authkey keyb
             clone 1
             link deflink rm
             link 1 set device 127.0.0.1:{port}/udp
            """, "192.0.2.2-192.0.2.3"));
        File.WriteAllText(secret, "vpna keya\nvpnb keyb\n");
        using var inet = NetNs.Create();
        using var lanA = NetNs.Create();
        using var lanB = NetNs.Create();
        string[] common = ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", "--config", conf, "--secret", secret];

        await using var receiver = await StartAsync([.. common, "--label", "vpn-in", "--listen", $"127.0.0.1:{port}", "--tun", "rx", "--tun-netns", inet.Name]);
        await using var gatewayA = await StartAsync([.. common, "--label", "vpn-a", "--tun-netns", lanA.Name]);
        await using var gatewayB = await StartAsync([.. common, "--label", "vpn-b", "--tun", "gwb", "--tun-netns", lanB.Name]);

        var a = await WaitForBundleAsync(gatewayA, "vpn-a", 2);
        var b = await WaitForBundleAsync(gatewayB, "vpn-b", 1);
        Assert.NotEqual(a.LocalAddress, b.LocalAddress);
        // Default names: ppp-LABEL on a gateway; the receiver numbers its --tun name per bundle.
        await WaitUntilAsync(() => LinkUp(lanA, "ppp-vpn-a") && LinkUp(lanB, "gwb") && LinkUp(inet, "rx0") && LinkUp(inet, "rx1"), "tun devices");

        foreach (var (lan, device, bundle) in new[] { (lanA, "ppp-vpn-a", a), (lanB, "gwb", b) })
        {
            Assert.Contains($"default dev {device}", lan.Ip("route", "show"));
            Assert.Contains($"oifname \"{device}\" masquerade", lan.Exec("nft", "list", "ruleset"));
            Assert.Contains($"{bundle.LocalAddress} peer 192.0.2.1", lan.Ip("address", "show", "dev", device));
            var replies = lan.RunInside(() =>
            {
                using var ping = new Ping();
                return Enumerable.Range(0, 3).Select(_ => ping.Send(IPAddress.Parse("192.0.2.1"), 2000).Status).ToList();
            });
            Assert.True(replies.Count(r => r == IPStatus.Success) >= 2, $"ping from {lan.Name} through {device}: {string.Join(", ", replies)}");
        }
        Assert.Contains("192.0.2.1 peer", inet.Ip("address", "show", "dev", "rx0"));
    }

    private async Task<GatewayWebApp> StartAsync(string[] args)
    {
        Assert.True(RoleCommandLine.TryParse(["run", .. args], out var role, out var options, out var error), error);
        var app = GatewayWebApp.Build(options, role, contentRoot: WebTestHost.WebProjectDirectory);
        await app.StartAsync();
        return app;
    }

    private static async Task<BundleStatus> WaitForBundleAsync(GatewayWebApp app, string name, int members)
    {
        using var http = new HttpClient { BaseAddress = app.Addresses[0] };
        BundleStatus? bundle = null;
        await WaitUntilAsync(async () =>
        {
            var bundles = await http.GetFromJsonAsync<BundleStatus[]>("api/bundles", WebTestHost.Json);
            bundle = bundles?.FirstOrDefault(b => b.Name == name);
            return bundle is { Up: true } && bundle.Members.Count == members;
        }, $"bundle {name} with {members} sublinks");
        return bundle!;
    }

    private static bool LinkUp(NetNs ns, string device) => ns.TryExec("ip", "link", "show", device).ExitCode == 0;

    private static Task WaitUntilAsync(Func<bool> condition, string what) => WaitUntilAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public void The_seeds_placeholders_stop_gateway_run_with_a_message_naming_them()
    {
        var seed = Gateway.Tests.Config.SeedFiles.Directory;
        Assert.True(RoleCommandLine.TryParse(["run", "--urls", "http://127.0.0.1:0", "--config", Path.Combine(seed, "ppp.conf.span-isp"), "--label", "vpn-in"],
            out var role, out var options, out _));

        var error = Assert.ThrowsAny<Exception>(() => GatewayWebApp.Build(options, role, contentRoot: WebTestHost.WebProjectDirectory));

        var bad = Assert.IsType<GatewayConfigurationException>(error.GetBaseException());
        Assert.Contains("REAL-LOCAL-IP", bad.Message);
    }

    [Fact]
    public void A_wrong_receiver_limit_stops_gateway_run_with_its_key_named()
    {
        var conf = Path.Combine(directory, "ppp.conf");
        File.WriteAllText(conf, Conf("set authname vpnname\n set authkey vpnkey", "", "192.0.2.2"));
        Assert.True(RoleCommandLine.TryParse(["run", "--urls", "http://127.0.0.1:0", "--config", conf, "--label", "vpn-in", "--tun", "none",
            "--listen", "127.0.0.1:0", "--Gateway:Receiver:MaxPeers=100000"], out var role, out var options, out _));

        var error = Assert.ThrowsAny<Exception>(() => GatewayWebApp.Build(options, role, contentRoot: WebTestHost.WebProjectDirectory));

        var bad = Assert.IsType<GatewayConfigurationException>(error.GetBaseException());
        Assert.Contains("Gateway:Receiver:MaxPeers: '100000' is not a whole number from 1 to 65,536", bad.Message);
    }
}
