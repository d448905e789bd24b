using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Gateway.Core.Status;
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

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    [Fact]
    public async Task A_receiver_and_a_nic_mode_gateway_from_one_ppp_conf_form_a_bundle()
    {
        int port = FreeUdpPort();
        var conf = Path.Combine(directory, "ppp.conf");
        var secret = Path.Combine(directory, "ppp.secret");
        File.WriteAllText(conf, $"""
            vpn:
             set enddisc LABEL
             set speed sync
             set mrru 1500
             set authname vpnname
             set authkey vpnkey
             disable deflate pred1 lqr
             deny deflate pred1
            vpn-nic:
             load vpn
             clone 1 2
             link deflink rm
             link 1 set device 127.0.0.1:{port}/udp
             link 2 set device 127.0.0.1:{port}/udp
            vpn-in:
             set enddisc label
             set speed sync
             set mrru 1500
             enable chap
             disable lqr
             set ifaddr 192.0.2.1 192.0.2.2

            """);
        File.WriteAllText(secret, "vpnname vpnkey\n");
        string[] common = ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", "--config", conf, "--secret", secret];

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

    [SkippableFact]
    public void The_seeds_placeholders_stop_gateway_run_with_a_message_naming_them()
    {
        var seed = Gateway.Tests.Config.SeedFiles.Directory;
        Skip.If(seed is null, "the seed (shared/seed) was not found above the test assembly directory");
        Assert.True(RoleCommandLine.TryParse(["run", "--urls", "http://127.0.0.1:0", "--config", Path.Combine(seed, "ppp.conf.span-isp"), "--label", "vpn-in"],
            out var role, out var options, out _));

        var error = Assert.ThrowsAny<Exception>(() => GatewayWebApp.Build(options, role, contentRoot: WebTestHost.WebProjectDirectory));

        var bad = Assert.IsType<GatewayConfigurationException>(error.GetBaseException());
        Assert.Contains("REAL-LOCAL-IP", bad.Message);
    }
}
