using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Text.Json;
using Gateway.Core.Actors;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Hosting;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Transport;
using Gateway.Tests.Support;
using Xunit.Abstractions;
using static Gateway.Tests.Actors.BundleEndToEndTests;
using static Gateway.Tests.Actors.ReceiverTestSupport;

namespace Gateway.Tests.Actors;

/// <summary>
/// The whole data plane in network namespaces: LAN host, gateway with three veth "ISP" links (one shaped to
/// 5 Mbit/s), receiver, Internet host. Both bundle ends run tun devices (<see cref="TunDataPlaneFactory"/>); real ping
/// and iperf3 traffic crosses the bundle, and an ISP link goes down in the middle of a TCP stream.
/// </summary>
public class NetNsBundleTests(ITestOutputHelper output)
{
    private const int ReceiverPort = 6671;
    private static readonly IPAddress InternetHost = IPAddress.Parse("10.2.0.2");

    [SkippableFact]
    public async Task Ping_and_an_iperf3_stream_cross_the_bundle_between_namespaces_and_survive_an_isp_link_going_down()
    {
        string? why = NetNs.WhyUnavailable ?? TunDevice.WhyUnavailable();
        Skip.If(why is not null, why);
        Skip.If(!SystemCommand.IsOnPath("iperf3"), "iperf3 is not installed");

        using var lan = NetNs.Create();
        using var gw = NetNs.Create();
        using var rx = NetNs.Create();
        using var inet = NetNs.Create();
        lan.AddVethPair(gw, "10.1.0.2/24", "10.1.0.1/24");
        lan.Ip("route", "add", "default", "via", "10.1.0.1");
        var isp = new string[3];
        for (int i = 0; i < 3; i++)
        {
            var (here, there) = gw.AddVethPair(rx, $"10.1{i + 1}.0.1/24", $"10.1{i + 1}.0.2/24");
            // Room for a whole MRU-sized frame in one UDP datagram (no IP fragmentation of sublink traffic).
            gw.Ip("link", "set", here, "mtu", "9000");
            rx.Ip("link", "set", there, "mtu", "9000");
            isp[i] = here;
        }
        gw.Exec("tc", "qdisc", "add", "dev", isp[2], "root", "tbf", "rate", "5mbit", "burst", "32kbit", "latency", "50ms");
        rx.AddVethPair(inet, "10.2.0.1/24", "10.2.0.2/24");
        inet.Ip("route", "add", "default", "via", "10.2.0.1");
        foreach (var router in new[] { gw, rx })
        {
            router.Exec("sysctl", "-qw", "net.ipv4.ip_forward=1");
            router.Exec("sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0");
            router.Exec("sysctl", "-qw", "net.ipv4.conf.default.rp_filter=0");
        }

        var rxTun = new TunDataPlaneFactory(new TunDataPlaneOptions
        {
            Tun = new TunOptions { Name = NetNs.UniqueInterfaceName("t"), NetworkNamespace = rx.Name, Routes = [IPNetwork.Parse("10.1.0.0/24")] },
        });
        var receiverOptions = Receiver(null, GatewayAddress) with
        {
            Listen = new IPEndPoint(IPAddress.Any, ReceiverPort),
            OpenListener = o => rx.RunInside(() => new UdpSharedListener(o)),
            DataPlane = rxTun,
            EchoPeriod = TimeSpan.FromMilliseconds(250),
            EchoMisses = 4,
        };
        await using var receiver = await ActorHost.StartAsync("receiver", a => a.WithReceiverActors(receiverOptions));

        var gwTun = new TunDataPlaneFactory(new TunDataPlaneOptions
        {
            Tun = new TunOptions { Name = NetNs.UniqueInterfaceName("t"), NetworkNamespace = gw.Name, Routes = [IPNetwork.Parse("10.2.0.0/24")] },
        });
        SublinkTransportFactory Isp(int i) => handler => gw.RunInside(() =>
            SublinkTransports.Udp(new UdpPathOptions { Remote = new IPEndPoint(IPAddress.Parse($"10.1{i + 1}.0.2"), ReceiverPort) })(handler));
        var bundleOptions = new BundleOptions
        {
            Settings = new BundleSettings { Name = "vpn", Ipcp = IpcpSettings.Default with { LocalAddress = IPAddress.Any } },
            MemberSession = GatewayMember(),
            Sublinks =
            [
                new SublinkSpec("1", Isp(0), "isp1", null, BytesPerSecond: 12_500_000),
                new SublinkSpec("2", Isp(1), "isp2", null, BytesPerSecond: 12_500_000),
                new SublinkSpec("3", Isp(2), "isp3 (5 Mbit/s)", null, BytesPerSecond: 625_000),
            ],
            DataPlane = gwTun,
            EchoPeriod = TimeSpan.FromMilliseconds(250),
            EchoMisses = 4,
        };
        await using var gateway = await GatewayAsync("gateway", bundleOptions);
        var bundle = await BundleAsync(gateway, "vpn");
        await WaitForBundleAsync(bundle, s => s.Up && s.Members.Count == 3, TimeSpan.FromSeconds(20));
        await WaitUntilAsync(() => gwTun.Devices.Count == 1 && rxTun.Devices.Count == 1, TimeSpan.FromSeconds(10), "tun devices");
        output.WriteLine($"tun {gwTun.Devices[0].Name} in {gw.Name}, tun {rxTun.Devices[0].Name} in {rx.Name}");

        // ping from the LAN host to the Internet host, through both tun devices and the bundle.
        var replies = lan.RunInside(() =>
        {
            using var ping = new Ping();
            return Enumerable.Range(0, 5).Select(_ => ping.Send(InternetHost, 2000)).ToList();
        });
        output.WriteLine($"ping: {string.Join(", ", replies.Select(r => $"{r.Status} {r.RoundtripTime} ms"))}");
        Assert.True(replies.Count(r => r.Status == IPStatus.Success) >= 4, "ping through the bundle failed");
        Assert.True(gwTun.Devices[0].Counters.PacketsIn >= 4 && rxTun.Devices[0].Counters.PacketsOut >= 4);

        // An iperf3 TCP stream from the LAN to the Internet host; ISP link 2 goes down in the middle.
        using var server = Start("ip", "netns", "exec", inet.Name, "iperf3", "-s", "-1", "-B", InternetHost.ToString());
        try
        {
            await WaitUntilAsync(() => inet.TryExec("ss", "-ltn").Output.Contains($"{InternetHost}:5201"), TimeSpan.FromSeconds(10), "iperf3 server");
            using var client = Start("ip", "netns", "exec", lan.Name, "iperf3", "-c", InternetHost.ToString(), "-t", "5", "-J");
            var stdout = client.StandardOutput.ReadToEndAsync();
            long before = (await StatusAsync(bundle)).Counters.OctetsOut;
            await WaitUntilAsync(async () => (await StatusAsync(bundle)).Counters.OctetsOut > before + 2_000_000, TimeSpan.FromSeconds(10), "the stream to start");
            gw.Ip("link", "set", isp[1], "down");
            var degraded = await WaitForBundleAsync(bundle, s => s.Members.Count == 2, TimeSpan.FromSeconds(10));
            Assert.True(await Task.Run(() => client.WaitForExit(30_000)), "iperf3 client did not finish");
            string json = await stdout;
            output.WriteLine($"iperf3 exit {client.ExitCode}; bundle members after isp2 down: {string.Join(",", degraded.Members)}");
            using var result = JsonDocument.Parse(json);
            Assert.False(result.RootElement.TryGetProperty("error", out var error), $"iperf3: {error}");
            Assert.Equal(0, client.ExitCode);
            var end = result.RootElement.GetProperty("end");
            double received = end.GetProperty("sum_received").GetProperty("bytes").GetDouble();
            double bps = end.GetProperty("sum_received").GetProperty("bits_per_second").GetDouble();
            int retransmits = end.GetProperty("sum_sent").TryGetProperty("retransmits", out var r) ? r.GetInt32() : -1;
            output.WriteLine($"iperf3: {received / 1e6:F1} MB received, {bps / 1e6:F1} Mbit/s, {retransmits} retransmits");
            Assert.True(received > 1_000_000, $"only {received} bytes crossed the bundle");
            Assert.DoesNotContain("2", degraded.Members);
            Assert.True((await StatusAsync(bundle)).Up);
        }
        finally
        {
            if (!server.HasExited)
                server.Kill();
        }
    }

    private static Process Start(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
            info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    private static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        WaitUntilAsync(() => Task.FromResult(condition()), timeout, what);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}
