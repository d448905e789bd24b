using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Gateway.Bench;

/// <summary>
/// Issue 14's scale run: a receiver cluster of <c>--nodes</c> processes on loopback (Akka.Cluster over TCP, each node
/// its own UDP port, <c>--tun none</c>), and <c>--gateways</c> simulated gateways in this process
/// (<see cref="SimulatedGateways"/>: one bundle of one sublink each, gateway i dialling node i mod the nodes), all
/// started at once, as after a concentrator's restart. Measured: how fast the bundles come up (from the nodes'
/// <c>/api/cluster</c>, every second), whether the dashboard keeps answering meanwhile (the page and
/// <c>/api/cluster</c> of node 1, timed every 500 ms), and each node's RSS per bundle it holds once they are idle.
/// </summary>
public static class ClusterScale
{
    public static async Task<ScenarioResult> RunAsync(Options o, BenchPaths paths)
    {
        int gateways = o.Int("gateways", 10_000);
        int nodes = o.Int("nodes", 3);
        bool shard = o.Flag("shard");
        int maxPeers = o.Int("max-peers", 8192);
        int admission = o.Int("admission", 1000);
        double joinTimeout = o.Double("join-timeout", 300);
        // The product's failure detector allows 1 s without heartbeats; three nodes and the simulated gateways on two
        // shared cores may starve a node for longer during the join storm (docs/BENCHMARKS.md).
        double heartbeatPause = o.Double("heartbeat-pause", 0);
        // Idle time before the memory is read: the join storm's garbage is collected and the heap trimmed meanwhile.
        double settle = o.Double("settle", 30);
        // Gateways started a second (0: all at once, as after a concentrator's restart), and the echo period of both ends.
        int rate = o.Int("rate", 1000);
        double echo = o.Double("echo-period", 5);
        string[] echoLines = echo > 0 ? ["enable echo", Commands.Invariant($"set echoperiod {echo}")] : [];
        var result = new ScenarioResult { Scenario = "cluster-scale" };
        result.Inputs = new
        {
            gateways,
            nodes,
            shardBundles = shard,
            acceptableHeartbeatPause = heartbeatPause > 0 ? $"{heartbeatPause} s" : "the product's default (1 s)",
            settleSeconds = settle,
            startedPerSecond = rate == 0 ? "all at once" : (object)rate,
            echoPeriodSeconds = echo > 0 ? echo : (object)"the product's default (1 s at the receiver)",
            receiverLimits = $"Gateway:Receiver:MaxPeers={maxPeers}, MaxNewPeerRequestsPerSecond and MaxKnownPeerRequestsPerSecond={admission}",
            simulated = "one process: every gateway one bundle of one NIC sublink (vpn-nic of ppp.conf), its own endpoint discriminator",
        };
        result.Units = new
        {
            joinSeconds = "from the simulated gateways' start until every bundle is up in the cluster, s",
            joinPerSecond = "gateways / joinSeconds",
            simulatorStartSeconds = "how long this process took to start the simulated gateways' actor systems (at most --rate a second)",
            join90Seconds = "until 90 % of them are up, s",
            dashboardMs = "GET / and GET /api/cluster of node 1 every 500 ms while they join: median and worst, ms; failed = no answer within 10 s",
            nodeKBPerBundle = "(the node's VmRSS with its bundles up and idle for settleSeconds - VmRSS before) / bundles it holds, KiB; worst node",
            simulatorKBPerGateway = "the same for this process, which simulates the gateways, KiB",
        };

        var pool = PoolFor(gateways);
        var row = result.Row(("what", $"{gateways} gateways, {nodes} nodes{(shard ? ", sharded bundles" : "")}"));
        var udpPorts = Enumerable.Range(0, nodes).Select(_ => Commands.FreeUdpPort()).ToList();
        var akkaPorts = Enumerable.Range(0, nodes).Select(_ => Commands.FreeTcpPort()).ToList();
        var (conf, secret) = PppFiles.Write(paths.RunDirectory, "scale", [new IPEndPoint(IPAddress.Loopback, udpPorts[0])], receiverLines: echoLines,
            receiverPool: pool);
        string seeds = string.Join(',', akkaPorts.Take(Math.Min(2, nodes)).Select(p => $"127.0.0.1:{p}"));
        var processes = new List<GatewayProcess>();
        try
        {
            for (int i = 0; i < nodes; i++)
            {
                processes.Add(GatewayProcess.Start(paths, $"scale-node{i + 1}", null, Commands.FreeTcpPort(),
                    ["run", "--config", conf, "--secret", secret, "--label", "vpn-in", "--listen", $"127.0.0.1:{udpPorts[i]}", "--tun", "none",
                     "--Gateway:Cluster:Hostname=127.0.0.1", $"--Gateway:Cluster:Port={akkaPorts[i]}", $"--Gateway:Cluster:SeedNodes={seeds}",
                     $"--Gateway:Cluster:ShardBundles={(shard ? "true" : "false")}",
                     $"--Gateway:Receiver:MaxPeers={maxPeers}", $"--Gateway:Receiver:MaxNewPeerRequestsPerSecond={admission}",
                     $"--Gateway:Receiver:MaxKnownPeerRequestsPerSecond={admission}",
                     .. (heartbeatPause > 0 ? [Commands.Invariant($"--Gateway:Cluster:FailureDetector:AcceptableHeartbeatPause={TimeSpan.FromSeconds(heartbeatPause):c}")] : Array.Empty<string>())]));
            }
            foreach (var p in processes)
                await Memory.WaitForApiAsync(p);
            await WaitForMembersAsync(processes[0], nodes, TimeSpan.FromSeconds(60));
            await Task.Delay(3000);
            var before = processes.Select(p => Memory.Median(() => ProcStats.Rss(p.Pid) ?? 0)).ToList();
            long simulatorBefore = Memory.Median(() => ProcStats.Rss(Environment.ProcessId) ?? 0);

            using var stop = new CancellationTokenSource();
            var dashboard = TimeDashboardAsync(processes[0], stop.Token);
            var clock = Stopwatch.StartNew();
            double? join90 = null, joined = null;
            int up = 0;
            var curve = new List<string>();
            await using (var simulated = await SimulatedGateways.StartAsync(paths.RunDirectory,
                udpPorts.Select(p => new IPEndPoint(IPAddress.Loopback, p)).ToList(), gateways, rate, echoLines))
            {
                double started = clock.Elapsed.TotalSeconds;
                while (clock.Elapsed.TotalSeconds < joinTimeout)
                {
                    var own = await OwnViewsAsync(processes);
                    up = own.Sum(n => n.Bundles);
                    curve.Add(Commands.Invariant($"{clock.Elapsed.TotalSeconds:F0}s {up} ({string.Join('+', own.Select(n => n.Bundles))})"));
                    if (join90 is null && up >= gateways * 0.9)
                        join90 = clock.Elapsed.TotalSeconds;
                    if (up >= gateways && await AllUpAsync(processes, gateways))
                    {
                        joined = clock.Elapsed.TotalSeconds;
                        break;
                    }
                    await Task.Delay(1000);
                }
                stop.Cancel();
                var (median, worst, failed, asked) = await dashboard;
                await Task.Delay(TimeSpan.FromSeconds(settle));
                var views = await OwnViewsAsync(processes);
                var after = processes.Select(p => Memory.Median(() => ProcStats.Rss(p.Pid) ?? 0)).ToList();
                long simulatorAfter = Memory.Median(() => ProcStats.Rss(Environment.ProcessId) ?? 0);
                var held = new ClusterView(nodes, views.Sum(v => v.Bundles), views);
                var perNode = views.Select((n, i) => n.Bundles == 0 ? (double?)null : (after[i] - before[i]) / 1024.0 / n.Bundles).ToList();
                var run = new Dictionary<string, double?>
                {
                    ["bundlesUp"] = held.Bundles,
                    ["simulatorStartSeconds"] = started,
                    ["joinSeconds"] = joined,
                    ["joinPerSecond"] = joined is { } s ? gateways / s : null,
                    ["join90Seconds"] = join90,
                    ["dashboardMedianMs"] = median,
                    ["dashboardWorstMs"] = worst,
                    ["dashboardFailed"] = failed,
                    ["dashboardAsked"] = asked,
                    ["nodeKBPerBundle"] = perNode.Max(),
                    ["simulatorKBPerGateway"] = held.Bundles == 0 ? null : (simulatorAfter - simulatorBefore) / 1024.0 / held.Bundles,
                };
                for (int i = 0; i < processes.Count; i++)
                {
                    run[$"node{i + 1}Bundles"] = views[i].Bundles;
                    run[$"node{i + 1}Sublinks"] = views[i].Sublinks;
                    run[$"node{i + 1}RssMB"] = after[i] / 1048576.0;
                    run[$"node{i + 1}KBPerBundle"] = perNode.ElementAtOrDefault(i);
                }
                row.Runs.Add(run);
                result.Notes.Add("bundles up over time: " + string.Join(", ", curve));
                Console.WriteLine(Commands.Invariant(
                    $"  {held.Bundles} of {gateways} up in {joined?.ToString("F1") ?? "(not all)"} s; dashboard median {median:F0} ms, worst {worst:F0} ms, {failed} of {asked} failed; worst node {perNode.Max():F1} KiB per bundle"));
            }
        }
        finally
        {
            foreach (var p in processes)
                p.Dispose();
        }
        row.ComputeMedians();
        row.Derived["target"] = "10,000 gateways join at 500/s or more; at most 64 KiB per idle bundle per node; the dashboard keeps answering";
        row.Derived["met"] = row.Median.GetValueOrDefault("joinPerSecond") >= 500 && row.Median.GetValueOrDefault("nodeKBPerBundle") <= 64
            && row.Median.GetValueOrDefault("dashboardFailed") == 0;
        return result;
    }

    /// <summary>A <c>set ifaddr</c> peer range of at least <paramref name="gateways"/> addresses from 10.64.0.1 (a /16 at most).</summary>
    private static string PoolFor(int gateways)
    {
        int last = Math.Min(gateways + 16, 65_534);
        return $"10.64.0.1-10.64.{last / 256}.{last % 256}";
    }

    private static async Task WaitForMembersAsync(GatewayProcess node, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while ((await ClusterAsync(node)).Up < count)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{node.Name}: the cluster did not reach {count} Up nodes; see {node.LogFile}:\n{node.Tail()}");
            await Task.Delay(500);
        }
    }

    private readonly record struct NodeView(string? Listen, int Bundles, int Sublinks);

    private sealed record ClusterView(int Up, int Bundles, IReadOnlyList<NodeView> PerNode);

    /// <summary><c>/api/cluster</c> of <paramref name="node"/>: the nodes Up, and the UDP address, bundles and sublinks of each.</summary>
    private static async Task<ClusterView> ClusterAsync(GatewayProcess node)
    {
        try
        {
            using var doc = JsonDocument.Parse(await node.Http.GetStringAsync("api/cluster"));
            var members = doc.RootElement.GetProperty("nodes").EnumerateArray().ToList();
            var perNode = members
                .Select(m => new NodeView(m.TryGetProperty("listen", out var l) ? l.GetString() : null, Int(m, "bundles"), Int(m, "sublinks")))
                .ToList();
            return new ClusterView(members.Count(m => m.GetProperty("status").GetString() == "Up"), perNode.Sum(n => n.Bundles), perNode);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return new ClusterView(0, 0, []);
        }
    }

    /// <summary>What each node says of itself in its <c>/api/cluster</c> (another node's view of it may time out while it is busy).</summary>
    private static async Task<List<NodeView>> OwnViewsAsync(IReadOnlyList<GatewayProcess> processes)
    {
        var views = new List<NodeView>();
        foreach (var p in processes)
        {
            try
            {
                using var doc = JsonDocument.Parse(await p.Http.GetStringAsync("api/cluster"));
                var self = doc.RootElement.GetProperty("nodes").EnumerateArray().FirstOrDefault(m => m.GetProperty("self").GetBoolean());
                views.Add(self.ValueKind == JsonValueKind.Object
                    ? new NodeView(null, Int(self, "bundles"), Int(self, "sublinks"))
                    : default);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                views.Add(default);
            }
        }
        return views;
    }

    private static int Int(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;

    /// <summary>Every node's bundles are up (its <c>/api/bundles</c>), <paramref name="gateways"/> in all.</summary>
    private static async Task<bool> AllUpAsync(IReadOnlyList<GatewayProcess> processes, int gateways)
    {
        int up = 0;
        foreach (var p in processes)
            up += await Memory.UpBundlesAsync(p);
        return up >= gateways;
    }

    /// <summary>Times the dashboard's page and <c>/api/cluster</c> on <paramref name="node"/> every 500 ms until stopped.</summary>
    private static async Task<(double Median, double Worst, int Failed, int Asked)> TimeDashboardAsync(GatewayProcess node, CancellationToken stop)
    {
        var times = new List<double>();
        int failed = 0, asked = 0;
        while (!stop.IsCancellationRequested)
        {
            foreach (var path in new[] { "", "api/cluster" })
            {
                asked++;
                var clock = Stopwatch.StartNew();
                try
                {
                    using var response = await node.Http.GetAsync(path, CancellationToken.None);
                    if (response.IsSuccessStatusCode)
                        times.Add(clock.Elapsed.TotalMilliseconds);
                    else
                        failed++;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    failed++;
                }
            }
            try
            {
                await Task.Delay(500, stop);
            }
            catch (TaskCanceledException)
            {
                break;
            }
        }
        times.Sort();
        return times.Count == 0 ? (double.NaN, double.NaN, failed, asked) : (times[times.Count / 2], times[^1], failed, asked);
    }
}
