using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Text.Json;
using Gateway.Core.Actors;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Hosting;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Ipv6cp;
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
/// and iperf3 traffic crosses the bundle, and an ISP link goes down in the middle of a TCP stream. IPv6 (IPV6CP,
/// protocol 0x0057) runs beside IPv4: each tun takes the link-local addresses IPV6CP's identifiers form, and IPv6 ping
/// crosses the bundle, link-local between the tun devices and routed from the LAN host to the Internet host.
/// </summary>
public class NetNsBundleTests(ITestOutputHelper output)
{
    private const int ReceiverPort = 6671;
    private static readonly IPAddress InternetHost = IPAddress.Parse("10.2.0.2");
    private const string LanHost6 = "2001:db8:1::2", InternetHost6 = "2001:db8:2::2";

    [SkippableFact]
    public async Task Ping_over_IPv4_and_IPv6_and_an_iperf3_stream_cross_the_bundle_between_namespaces_and_survive_an_isp_link_going_down()
    {
        string? why = NetNs.WhyUnavailable ?? TunDevice.WhyUnavailable();
        Skip.If(why is not null, why);
        Skip.If(!SystemCommand.IsOnPath("iperf3"), "iperf3 is not installed");

        using var lan = NetNs.Create();
        using var gw = NetNs.Create();
        using var rx = NetNs.Create();
        using var inet = NetNs.Create();
        var (lanSide, gwLanSide) = lan.AddVethPair(gw, "10.1.0.2/24", "10.1.0.1/24");
        lan.Ip("route", "add", "default", "via", "10.1.0.1");
        lan.Ip("-6", "address", "add", LanHost6 + "/64", "dev", lanSide, "nodad");
        gw.Ip("-6", "address", "add", "2001:db8:1::1/64", "dev", gwLanSide, "nodad");
        lan.Ip("-6", "route", "add", "default", "via", "2001:db8:1::1");
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
        var (rxInetSide, inetSide) = rx.AddVethPair(inet, "10.2.0.1/24", "10.2.0.2/24");
        inet.Ip("route", "add", "default", "via", "10.2.0.1");
        rx.Ip("-6", "address", "add", "2001:db8:2::1/64", "dev", rxInetSide, "nodad");
        inet.Ip("-6", "address", "add", InternetHost6 + "/64", "dev", inetSide, "nodad");
        inet.Ip("-6", "route", "add", "default", "via", "2001:db8:2::1");
        foreach (var router in new[] { gw, rx })
        {
            router.Exec("sysctl", "-qw", "net.ipv4.ip_forward=1");
            router.Exec("sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0");
            router.Exec("sysctl", "-qw", "net.ipv4.conf.default.rp_filter=0");
            router.Exec("sysctl", "-qw", "net.ipv6.conf.all.forwarding=1");
        }

        var rxTun = new TunDataPlaneFactory(new TunDataPlaneOptions
        {
            Tun = new TunOptions { Name = NetNs.UniqueInterfaceName("t"), NetworkNamespace = rx.Name, Routes = [IPNetwork.Parse("10.1.0.0/24"), IPNetwork.Parse("2001:db8:1::/64")] },
        });
        var receiverOptions = Receiver(null, GatewayAddress) with
        {
            Listen = new IPEndPoint(IPAddress.Any, ReceiverPort),
            OpenListener = o => rx.RunInside(() => new UdpSharedListener(o)),
            DataPlane = rxTun,
            Bundle = Receiver().Bundle with { Ipv6cp = Ipv6cpSettings.Default },
            EchoPeriod = TimeSpan.FromMilliseconds(250),
            EchoMisses = 4,
        };
        await using var receiver = await ActorHost.StartAsync("receiver", a => a.WithReceiverActors(receiverOptions));

        var gwTun = new TunDataPlaneFactory(new TunDataPlaneOptions
        {
            Tun = new TunOptions { Name = NetNs.UniqueInterfaceName("t"), NetworkNamespace = gw.Name, Routes = [IPNetwork.Parse("10.2.0.0/24"), IPNetwork.Parse("2001:db8:2::/64")] },
        });
        SublinkTransportFactory Isp(int i) => handler => gw.RunInside(() =>
            SublinkTransports.Udp(new UdpPathOptions { Remote = new IPEndPoint(IPAddress.Parse($"10.1{i + 1}.0.2"), ReceiverPort) })(handler));
        var bundleOptions = new BundleOptions
        {
            Settings = new BundleSettings { Name = "vpn", Ipcp = IpcpSettings.Default with { LocalAddress = IPAddress.Any }, Ipv6cp = Ipv6cpSettings.Default },
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

        // ping from the LAN host to the Internet host, through both tun devices and the bundle. Seldom (about one run
        // in five, in CI's load) the first echoes right after both devices appear are answered "network unreachable"
        // for a second or two; the test waits for a first answer, says how long that took, then counts.
        var first = Stopwatch.StartNew();
        var early = new List<string>();
        await WaitUntilAsync(() =>
        {
            string reply = lan.RunInside(() =>
            {
                using var ping = new Ping();
                return Send(ping, InternetHost);
            });
            early.Add(reply);
            return reply.StartsWith(nameof(IPStatus.Success), StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(15), "a first echo reply through the bundle");
        output.WriteLine($"first echo answered after {first.ElapsedMilliseconds} ms: {string.Join(", ", early)}");
        var replies = lan.RunInside(() =>
        {
            using var ping = new Ping();
            return Enumerable.Range(0, 5).Select(_ => Send(ping, InternetHost)).ToList();
        });
        output.WriteLine($"ping: {string.Join(", ", replies)}");
        Assert.True(replies.Count(r => r.StartsWith(nameof(IPStatus.Success), StringComparison.Ordinal)) >= 4, "ping through the bundle failed");
        Assert.True(gwTun.Devices[0].Counters.PacketsIn >= 4 && rxTun.Devices[0].Counters.PacketsOut >= 4);

        // IPv6: each tun carries the link-local address IPV6CP's identifiers form, the other end's as its peer.
        string gwTunName = gwTun.Devices[0].Name, rxTunName = rxTun.Devices[0].Name;
        string gwAddresses = "", rxAddresses = "";
        await WaitUntilAsync(() =>
        {
            gwAddresses = gw.Ip("-6", "address", "show", "dev", gwTunName);
            rxAddresses = rx.Ip("-6", "address", "show", "dev", rxTunName);
            return gwAddresses.Contains(" peer fe80::", StringComparison.Ordinal) && rxAddresses.Contains(" peer fe80::", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(10), "IPV6CP's link-local addresses on both tun devices");
        output.WriteLine($"{gwTunName}: {gwAddresses.Trim()}\n{rxTunName}: {rxAddresses.Trim()}");
        var (gwLocal, gwPeer) = LinkLocalPair(gwAddresses);
        var (rxLocal, rxPeer) = LinkLocalPair(rxAddresses);
        Assert.Equal(gwLocal, rxPeer);
        Assert.Equal(gwPeer, rxLocal);
        var withIpv6 = await StatusAsync(bundle);
        Assert.Equal((gwLocal, gwPeer), (withIpv6.Ipv6LocalAddress, withIpv6.Ipv6PeerAddress));
        Assert.Single(gwAddresses.Split('\n'), l => l.Contains("inet6 fe80:", StringComparison.Ordinal));
        // Link-local across the bundle (the receiver's tun from the gateway's namespace), then routed: LAN host to Internet host.
        var index = System.Text.RegularExpressions.Regex.Match(gw.Ip("-o", "link", "show", "dev", gwTunName), @"^(\d+):").Groups[1].Value;
        var scoped = new IPAddress(IPAddress.Parse(rxLocal).GetAddressBytes(), long.Parse(index, System.Globalization.CultureInfo.InvariantCulture));
        var linkLocal = gw.RunInside(() =>
        {
            using var ping = new Ping();
            return Enumerable.Range(0, 3).Select(_ => Send(ping, scoped)).ToList();
        });
        output.WriteLine($"ping {scoped}: {string.Join(", ", linkLocal)}");
        Assert.True(linkLocal.Count(r => r.StartsWith(nameof(IPStatus.Success), StringComparison.Ordinal)) >= 2, "IPv6 link-local ping across the bundle failed");
        var routed = lan.RunInside(() =>
        {
            using var ping = new Ping();
            return Enumerable.Range(0, 5).Select(_ => Send(ping, IPAddress.Parse(InternetHost6))).ToList();
        });
        output.WriteLine($"ping {InternetHost6}: {string.Join(", ", routed)}");
        Assert.True(routed.Count(r => r.StartsWith(nameof(IPStatus.Success), StringComparison.Ordinal)) >= 4, "IPv6 ping from the LAN host to the Internet host failed");

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

    /// <summary>One echo: its status and round trip, or the error that kept it from being sent.</summary>
    private static string Send(Ping ping, IPAddress to)
    {
        try
        {
            var reply = ping.Send(to, 2000);
            return $"{reply.Status} {reply.RoundtripTime} ms";
        }
        catch (PingException e)
        {
            return $"not sent: {e.InnerException?.Message ?? e.Message}";
        }
    }

    /// <summary>The link-local address and its peer from <c>ip -6 address show</c> ("inet6 fe80::a peer fe80::b/128").</summary>
    private static (string Local, string Peer) LinkLocalPair(string addresses)
    {
        var match = System.Text.RegularExpressions.Regex.Match(addresses, @"inet6 (fe80::[0-9a-f:]+) peer (fe80::[0-9a-f:]+)/128");
        Assert.True(match.Success, $"no point-to-point link-local address in: {addresses}");
        return (match.Groups[1].Value, match.Groups[2].Value);
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
