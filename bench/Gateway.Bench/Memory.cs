using System.Net;
using System.Text.Json;

namespace Gateway.Bench;

/// <summary>
/// Scenario 4: (a) the gateway's RSS with 8 sublinks under load (1400-byte packets through the tun devices, as in the
/// throughput scenario); (b) the receiver's RSS per idle bundle: a receiver process (no tun: one device per bundle
/// would be 1,000 devices) with <c>--gateways</c> simulated gateways in this process (<see cref="SimulatedGateways"/>),
/// each one bundle of one sublink; (RSS with them up - RSS before they came) / bundles.
/// </summary>
public static class Memory
{
    public static async Task<ScenarioResult> RunAsync(Options o, BenchPaths paths)
    {
        string lan = o.Required("lan"), inet = o.Required("inet");
        double seconds = o.Double("seconds", 8);
        int gateways = o.Int("gateways", 1000);
        double joinTimeout = o.Double("join-timeout", 60);
        var result = new ScenarioResult { Scenario = "memory" };
        result.Inputs = new
        {
            loadSeconds = seconds,
            load = "8 sublinks over loopback, 1400-byte UDP through the tun devices as fast as the bundle takes them (window 2048)",
            simulatedGateways = gateways,
        };
        result.Units = new
        {
            gatewayRssMB = "largest VmRSS of the gateway process sampled every 200 ms under load, MiB",
            gatewayPeakRssMB = "VmHWM (peak RSS) of the gateway process at the end, MiB",
            receiverKBPerBundle = "(receiver VmRSS with the bundles up and idle - VmRSS before) / bundles, KiB",
            simulatorKBPerBundle = "the same for the process that simulates the gateways (gateway side, one sublink each), KiB",
        };

        var underLoad = result.Row(("what", "gateway, 8 sublinks, under load"));
        await using (var pair = await BundlePair.StartAsync(paths, "mem8", 8, lan, inet, o))
        {
            using var sink = new UdpSink(new IPEndPoint(IPAddress.Any, Throughput.BundlePort), inet);
            using var blaster = new UdpBlaster(new IPEndPoint(IPAddress.Parse(PppFiles.ReceiverAddress), Throughput.BundlePort), 1400, lan,
                window: Throughput.DefaultWindow, delivered: () => sink.Packets);
            long maxGateway = 0, maxReceiver = 0;
            long packets0 = sink.Packets;
            var end = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
            while (DateTime.UtcNow < end)
            {
                maxGateway = Math.Max(maxGateway, ProcStats.Rss(pair.Gateway.Pid) ?? 0);
                maxReceiver = Math.Max(maxReceiver, ProcStats.Rss(pair.Receiver.Pid) ?? 0);
                await Task.Delay(200);
            }
            underLoad.Runs.Add(new Dictionary<string, double?>
            {
                ["gatewayRssMB"] = maxGateway / 1048576.0,
                ["gatewayPeakRssMB"] = (ProcStats.Rss(pair.Gateway.Pid, peak: true) ?? 0) / 1048576.0,
                ["receiverRssMB"] = maxReceiver / 1048576.0,
                ["mbps"] = (sink.Packets - packets0) * 1400 * 8 / seconds / 1e6,
            });
            underLoad.ComputeMedians();
            underLoad.Derived["target"] = "gateway < 150 MB";
            underLoad.Derived["met"] = underLoad.Median["gatewayPeakRssMB"] < 150;
        }
        Console.WriteLine(Commands.Invariant($"  gateway under load: RSS {underLoad.Median["gatewayRssMB"]:F0} MiB, peak {underLoad.Median["gatewayPeakRssMB"]:F0} MiB"));

        var idle = result.Row(("what", $"receiver, {gateways} idle bundles"));
        int port = Commands.FreeUdpPort();
        var (conf, secret) = PppFiles.Write(paths.RunDirectory, "memrx", [new IPEndPoint(IPAddress.Loopback, port)],
            receiverPool: $"10.64.0.1-10.64.{(gateways + 10) / 256}.255");
        using var receiver = GatewayProcess.Start(paths, "mem-receiver", null, Commands.FreeTcpPort(),
            ["run", "--config", conf, "--secret", secret, "--label", "vpn-in", "--listen", $"127.0.0.1:{port}", "--tun", "none"]);
        await WaitForApiAsync(receiver);
        await Task.Delay(3000);
        long before = Median(() => ProcStats.Rss(receiver.Pid) ?? 0);
        long simulatorBefore = Median(() => ProcStats.Rss(Environment.ProcessId) ?? 0);
        var started = DateTime.UtcNow;
        int up = 0;
        await using (var simulated = await SimulatedGateways.StartAsync(paths.RunDirectory, new IPEndPoint(IPAddress.Loopback, port), gateways))
        {
            while (DateTime.UtcNow - started < TimeSpan.FromSeconds(joinTimeout) && (up = await UpBundlesAsync(receiver)) < gateways)
                await Task.Delay(1000);
            double joinSeconds = (DateTime.UtcNow - started).TotalSeconds;
            await Task.Delay(3000);
            up = await UpBundlesAsync(receiver);
            long after = Median(() => ProcStats.Rss(receiver.Pid) ?? 0);
            long simulatorAfter = Median(() => ProcStats.Rss(Environment.ProcessId) ?? 0);
            idle.Runs.Add(new Dictionary<string, double?>
            {
                ["bundlesUp"] = up,
                ["joinSeconds"] = joinSeconds,
                ["receiverRssBeforeMB"] = before / 1048576.0,
                ["receiverRssAfterMB"] = after / 1048576.0,
                ["receiverKBPerBundle"] = up == 0 ? null : (after - before) / 1024.0 / up,
                ["simulatorKBPerBundle"] = up == 0 ? null : (simulatorAfter - simulatorBefore) / 1024.0 / up,
            });
        }
        idle.ComputeMedians();
        idle.Derived["target"] = "receiver < 100 KB per idle bundle";
        idle.Derived["met"] = idle.Median["receiverKBPerBundle"] < 100;
        Console.WriteLine(Commands.Invariant($"  receiver: {up} bundles up, {idle.Median["receiverKBPerBundle"]:F0} KiB per bundle"));
        result.Notes.Add("the receiver's MaxNewPeerRequestsPerSecond (100) paces how fast the simulated gateways join");
        return result;
    }

    internal static long Median(Func<long> sample)
    {
        var values = new List<long>();
        for (int i = 0; i < 5; i++)
        {
            values.Add(sample());
            Thread.Sleep(200);
        }
        values.Sort();
        return values[2];
    }

    internal static async Task WaitForApiAsync(GatewayProcess process)
    {
        for (int i = 0; i < 200 && !process.HasExited; i++)
        {
            try
            {
                await process.Http.GetStringAsync("healthz");
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(100);
            }
        }
        throw new TimeoutException($"{process.Name}: API did not come up; see {process.LogFile}:\n{process.Tail()}");
    }

    internal static async Task<int> UpBundlesAsync(GatewayProcess receiver)
    {
        var bundles = await receiver.BundlesAsync();
        return bundles.Count(b => b.TryGetProperty("up", out var u) && u.ValueKind == JsonValueKind.True);
    }
}
