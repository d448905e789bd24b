using System.Diagnostics;
using Gateway.Core.Status;
using Gateway.Tests.Support;
using Gateway.Tests.Web;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Gateway.Tests.Cluster;

/// <summary>
/// Three real receiver processes (<c>gateway run --label vpn-in</c>) on loopback form one Akka.Cluster from
/// <c>Gateway:Cluster</c> settings, every node's <c>/api/cluster</c> shows the same three nodes, and when one is killed
/// (<c>kill -9</c>) the split-brain resolver (keep-majority) downs it and the other two carry on as the cluster, while a
/// gateway whose <c>set device</c> lists that node first and another second moves its sublinks to the other; the
/// dashboard of a node, in Chromium, shows the same.
/// </summary>
public sealed partial class ReceiverClusterProcessTests(ITestOutputHelper output)
{
    private const string Conf = """
        vpn-in:
         set enddisc label
         set speed sync
         set mrru 1500
         set mru 1504
         enable chap
         disable lqr
         set ifaddr 10.255.0.1 10.255.0.2-10.255.0.40
        """;

    /// <summary>
    /// A gateway's <c>vpn-nic</c> label (as examples/nic) with <paramref name="sublinks"/> sublinks, each with a
    /// <c>set device</c> of 127.0.0.1:<paramref name="ports"/>, in that order.
    /// </summary>
    private static string NicConf(int[] ports, int sublinks, string authname = "vpnname", string authkey = "vpnkey") =>
        NicConfPerLink(Enumerable.Repeat(ports, sublinks).ToArray(), authname, authkey);

    /// <summary>A gateway's <c>vpn-nic</c> label whose sublink N has the <c>set device</c> list 127.0.0.1:<paramref name="perLink"/>[N - 1].</summary>
    private static string NicConfPerLink(int[][] perLink, string authname = "vpnname", string authkey = "vpnkey", string schedule = "latency") =>
        $"""
        vpn-nic:
         set schedule {schedule}
         set enddisc label
         set speed sync
         set mrru 1500
         set mru 1504
         set authname {authname}
         set authkey {authkey}
         clone {string.Join(' ', Enumerable.Range(1, perLink.Length))}
         link deflink rm

        """ + string.Concat(perLink.Select((ports, i) => $" link {i + 1} set device {string.Join(' ', ports.Select(p => $"127.0.0.1:{p}/udp"))}\n"));

    /// <summary>A receiver (<c>gateway run --label vpn-in</c>) of <see cref="Conf"/> in <paramref name="work"/>, on loopback, with <paramref name="options"/>.</summary>
    private static GatewayProgram StartReceiver(string name, string work, ITestOutputHelper output, int listen, params string[] options) =>
        StartReceiver(name, work, output, listen, ["--tun", "none"], options);

    /// <param name="tun">The tun options: <c>--tun none</c>, or a device name and the namespace it goes into.</param>
    private static GatewayProgram StartReceiver(string name, string work, ITestOutputHelper output, int listen, string[] tun, string[] options) =>
        GatewayProgram.Start(name,
        [
            "run", "--config", Path.Combine(work, "ppp.conf"), "--secret", Path.Combine(work, "ppp.secret"), "--label", "vpn-in",
            "--listen", $"127.0.0.1:{listen}", .. tun, "--urls", "http://127.0.0.1:0", .. options,
        ], output);

    [SkippableFact]
    public async Task Three_receivers_form_a_cluster_and_the_two_left_down_a_killed_node()
    {
        DashboardBrowserTests.SkipWithoutChromium();
        await using var cluster = await ThreeNodes.StartAsync(output);
        var (apis, addresses) = (cluster.Apis, cluster.Addresses);
        for (int i = 0; i < 3; i++)
        {
            var seen = await cluster.WaitForAllUpAsync(i, 3);
            Assert.True(seen.Enabled);
            Assert.Equal(addresses[i], seen.Self);
            Assert.Equal(addresses.Order(StringComparer.Ordinal), seen.Nodes.Select(n => n.Address));
            Assert.All(seen.Nodes, n => Assert.Equal(["receiver"], n.Roles));
            Assert.Equal(addresses[i], Assert.Single(seen.Nodes, n => n.Self).Address);
            Assert.Contains(seen.Leader, addresses);
            Assert.Equal(cluster.Listens.Select(l => $"127.0.0.1:{l}"), seen.Nodes.OrderBy(n => Array.IndexOf(addresses, n.Address)).Select(n => n.Listen));
        }

        // A gateway whose two sublinks list the first node, then the second: every node's view shows the first node's
        // bundle and sublinks, and every node knows its address lease.
        await using var gateway = cluster.StartGateway(targets: [0, 1]);
        foreach (int i in new[] { 1, 2 })
        {
            var withGateway = await apis[i].WaitForClusterAsync(
                c => c.Nodes.Single(n => n.Address == addresses[0]) is { Bundles: 1, Sublinks: 2 } && c.Nodes.All(n => n.Leases == 1), TimeSpan.FromSeconds(60));
            Assert.All(withGateway.Nodes.Where(n => n.Address != addresses[0]), n => Assert.Equal((0, 0), (n.Bundles, n.Sublinks)));
        }
        var gatewayApi = await gateway.ApiAsync(TimeSpan.FromSeconds(30));
        await gatewayApi.WaitForBundleAsync("vpn-nic", b => b.Up, TimeSpan.FromSeconds(30));
        // From the first node's share of the set ifaddr range (each node takes from its own first: AddressStripe).
        var first = (await gatewayApi.BundleAsync("vpn-nic")).LocalAddress;
        Assert.Matches(@"^10\.255\.0\.[2-4]$", first);

        // Another gateway on the second node, from the same set ifaddr range: it gets another address, not the first
        // gateway's (each node chose from its own range before the cluster's address book).
        await using var other = cluster.StartGateway(targets: [1], name: "other", authname: "othername", authkey: "otherkey");
        var otherApi = await other.ApiAsync(TimeSpan.FromSeconds(90));
        await otherApi.WaitForBundleAsync("vpn-nic", b => b.Up && b.Members.Count == 2, TimeSpan.FromSeconds(60));
        var second = (await otherApi.BundleAsync("vpn-nic")).LocalAddress;
        Assert.Matches(@"^10\.255\.0\.[2-4]$", second);
        Assert.NotEqual(first, second);
        await apis[2].WaitForClusterAsync(c => c.Nodes.Single(n => n.Address == addresses[1]) is { Bundles: 1, Sublinks: 2 }, TimeSpan.FromSeconds(30));

        // The dashboard of the third node shows the whole cluster.
        await using var browser = await DashboardBrowserTests.Browser.LaunchAsync();
        var page = await browser.NewPageAsync(1280, 900);
        await page.GotoAsync(apis[2].BaseAddress.ToString());
        var nodes = page.GetByRole(AriaRole.Table, new() { Name = "cluster nodes" });
        await Expect(nodes.Locator("tbody tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("#cluster-state")).ToHaveTextAsync("3 of 3 nodes up and reachable, 2 bundles, 4 sublinks");
        await Expect(nodes.Locator($"tr[data-address=\"{addresses[0]}\"] td[data-field=\"bundles\"]")).ToHaveTextAsync("1");
        await Expect(nodes.Locator($"tr[data-address=\"{addresses[2]}\"] td").First).ToHaveTextAsync($"{addresses[2]} (this node)");
        await browser.ScreenshotAsync(page, "cluster-1-three-nodes");

        // kill -9 of the first seed node: the two others see it unreachable, then keep-majority downs and removes it;
        // the gateway's sublinks stop hearing it and the bundle moves them to the second node of their list, where it
        // gets its address back.
        var killed = Stopwatch.StartNew();
        cluster.Kill(0);
        await apis[1].WaitForClusterAsync(c => c.Nodes.Single(n => n.Address == addresses[1]) is { Bundles: 2, Sublinks: 4 }, TimeSpan.FromSeconds(60));
        output.WriteLine($"the gateway's bundle was on the second node with both sublinks {killed.Elapsed.TotalSeconds:F1} s after kill -9 of the first");
        for (int i = 1; i < 3; i++)
        {
            var after = await apis[i].WaitForClusterAsync(c => c.Nodes.Count == 2 && c.Nodes.All(n => n.Status == "Up" && n.Reachable), TimeSpan.FromSeconds(60));
            Assert.DoesNotContain(after.Nodes, n => n.Address == addresses[0]);
            Assert.Contains(after.Leader, addresses[1..]);
        }
        output.WriteLine($"the killed node was removed from the others' view {killed.Elapsed.TotalSeconds:F1} s after kill -9 (StableAfter 1 s)");
        await gatewayApi.WaitForBundleAsync("vpn-nic", b => b.Up && b.Members.Count == 2, TimeSpan.FromSeconds(30));
        Assert.Equal(first, (await gatewayApi.BundleAsync("vpn-nic")).LocalAddress);
        Assert.Equal(second, (await otherApi.BundleAsync("vpn-nic")).LocalAddress);
        await Expect(nodes.Locator("tbody tr")).ToHaveCountAsync(2, new() { Timeout = 15_000 });
        await Expect(page.Locator("#cluster-state")).ToHaveTextAsync("2 of 2 nodes up and reachable, 2 bundles, 4 sublinks");
        await browser.ScreenshotAsync(page, "cluster-2-node-killed");
    }

    [Fact]
    public async Task A_rolling_restart_one_node_at_a_time_keeps_one_cluster_of_three_and_one_bundle_of_the_gateway_that_carries_its_traffic()
    {
        await using var cluster = await ThreeNodes.StartAsync(output, "--Gateway:Cluster:ShardBundles=true");
        for (int i = 0; i < 3; i++)
            await cluster.WaitForAllUpAsync(i, 3);
        // Sublink 1 dials the first node, sublink 2 the second: each node holds one sublink, and the cluster one bundle,
        // on whichever node it chose, which reassembles the gateway's probes from both and reflects them.
        await using var gateway = cluster.StartGatewayPerLink([[0], [1]]);
        var gatewayApi = await gateway.ApiAsync(TimeSpan.FromSeconds(90));
        await gatewayApi.WaitForBundleAsync("vpn-nic", b => b.Up && b.Members.Count == 2 && b.Traffic is { ProbesAnswered: >= 20 }, TimeSpan.FromSeconds(90));
        Assert.Matches(@"^10\.255\.0\.[2-4]$", (await gatewayApi.BundleAsync("vpn-nic")).LocalAddress);
        foreach (int i in new[] { 0, 1 })
            Assert.Single(await cluster.Apis[i].WaitForSublinksAsync(s => s.Count(l => l.State == SublinkState.Open) == 1, TimeSpan.FromSeconds(30)), l => l.State == SublinkState.Open);
        var (holder, entity) = await cluster.FindBundleAsync();
        output.WriteLine($"the bundle is on node {holder + 1}: members {string.Join(", ", entity.Members)}; reassembled {entity.Reassembly.PacketsReassembled}, lost {entity.Reassembly.PacketsLost}");
        Assert.Equal(2, entity.Members.Count);                         // one member link from each node
        // Nothing lost but what a loaded machine's delays may make the reassembler give up (a relayed fragment later
        // than its reorder timeout).
        Assert.True(entity.Reassembly.PacketsLost * 20 <= entity.Reassembly.PacketsReassembled, $"lost {entity.Reassembly.PacketsLost}");
        // Every node's view of the cluster counts the bundle on its node and each sublink on its own.
        var view = await cluster.Apis[(holder + 1) % 3].WaitForClusterAsync(
            c => c.Nodes.Sum(n => n.Bundles) == 1 && c.Nodes.Single(n => n.Address == cluster.Addresses[holder]).Bundles == 1, TimeSpan.FromSeconds(30));
        Assert.Equal([1, 1], view.Nodes.Where(n => n.Address == cluster.Addresses[0] || n.Address == cluster.Addresses[1]).Select(n => n.Sublinks));

        // As docs/CONFIG.md says: stop one node (SIGTERM: it leaves the cluster), start it again, and wait until the
        // others see it Up before the next. The first seed node too: it joins the others instead of forming a cluster.
        for (int restarted = 0; restarted < 3; restarted++)
        {
            await cluster.Programs[restarted].StopAsync(TimeSpan.FromSeconds(30));
            int other = (restarted + 1) % 3;
            await cluster.Apis[other].WaitForClusterAsync(
                c => c.Nodes.Count == 2 && c.Nodes.All(n => n.Status == "Up" && n.Reachable && n.Address != cluster.Addresses[restarted]),
                TimeSpan.FromSeconds(30));
            await cluster.StartNodeAsync(restarted);
            for (int i = 0; i < 3; i++)
            {
                var seen = await cluster.WaitForAllUpAsync(i, 3);
                Assert.Equal(cluster.Addresses.Order(StringComparer.Ordinal), seen.Nodes.Select(n => n.Address));
            }

            // The gateway's bundle carries its probes again over both sublinks, through one bundle of the cluster: a
            // second bundle of the same gateway (a shard placed twice while the coordinator moved) would take half of
            // its fragments and lose most probes.
            var again = (await gatewayApi.BundleAsync("vpn-nic")).Traffic!;
            await gatewayApi.WaitForBundleAsync("vpn-nic", b => b.Up && b.Members.Count == 2 && b.Traffic is { } t && t.ProbesAnswered >= again.ProbesAnswered + 10,
                TimeSpan.FromSeconds(60));
            var from = (await gatewayApi.BundleAsync("vpn-nic")).Traffic!;
            await gatewayApi.WaitForBundleAsync("vpn-nic", b => b.Traffic is { } t && t.ProbesAnswered >= from.ProbesAnswered + 20, TimeSpan.FromSeconds(60));
            var to = (await gatewayApi.BundleAsync("vpn-nic")).Traffic!;
            long lost = (to.ProbesSent - from.ProbesSent) - (to.ProbesAnswered - from.ProbesAnswered);
            output.WriteLine($"restart of node {restarted + 1}: {lost} of {to.ProbesSent - from.ProbesSent} probes lost after the bundle answered again");
            Assert.True(lost <= 5, $"restart of node {restarted + 1}: {lost} of {to.ProbesSent - from.ProbesSent} probes lost once the bundle was back");
            Assert.Single(await cluster.NodesWithTheBundleAsync());
        }
    }

    [SkippableFact]
    public async Task A_node_left_alone_when_the_others_die_is_downed_but_goes_on_serving_its_gateway()
    {
        DashboardBrowserTests.SkipWithoutChromium();
        await using var cluster = await ThreeNodes.StartAsync(output);
        for (int i = 0; i < 3; i++)
            await cluster.WaitForAllUpAsync(i, 3);
        await using var gateway = cluster.StartGateway(targets: [2]);
        var gatewayApi = await gateway.ApiAsync(TimeSpan.FromSeconds(90));
        await gatewayApi.WaitForBundleAsync("vpn-nic", b => b.Up && b.Members.Count == 2, TimeSpan.FromSeconds(60));
        var upSince = (await gatewayApi.BundleAsync("vpn-nic")).UpSince;

        // Both other nodes die at once: the third is one of three, a minority, and keep-majority downs it. Akka would
        // shut its actor system down (and Akka.Hosting the process), taking every bundle of the node with it; the
        // receiver's bundles belong to the node alone, so it goes on and says it is out of the cluster.
        Process.GetProcessById(cluster.Programs[0].Pid).Kill();
        Process.GetProcessById(cluster.Programs[1].Pid).Kill();
        // Logged once the node is removed (where Akka would now shut the node down).
        await cluster.Programs[2].WaitForLineAsync(l => l.Contains("cluster: this node was downed"), TimeSpan.FromSeconds(60));
        var alone = await cluster.Apis[2].WaitForClusterAsync(c => c.Downed, TimeSpan.FromSeconds(10));
        Assert.Contains("restart", alone.Note);

        // The receiver answers five more echoes on each sublink after that (one a second).
        var removed = await gatewayApi.WaitForSublinksAsync(_ => true, TimeSpan.FromSeconds(10));
        long Echoes(SublinkStatus[] all, string name) => all.Single(s => s.Name == name).Quality?.Received ?? 0;
        await gatewayApi.WaitForSublinksAsync(now => new[] { "1", "2" }.All(n => Echoes(now, n) >= Echoes(removed, n) + 5), TimeSpan.FromSeconds(30));
        Assert.False(cluster.Programs[2].HasExited, "the downed node's process ended");
        var bundle = await gatewayApi.BundleAsync("vpn-nic");
        Assert.True(bundle.Up);
        Assert.Equal(2, bundle.Members.Count);
        Assert.Equal(upSince, bundle.UpSince);   // never went down
        var self = Assert.Single((await cluster.Apis[2].WaitForClusterAsync(c => c.Downed, TimeSpan.FromSeconds(10))).Nodes);
        Assert.True(self.Self);
        Assert.Equal((1, 2), (self.Bundles, self.Sublinks));

        // Its dashboard says so.
        await using var browser = await DashboardBrowserTests.Browser.LaunchAsync();
        var page = await browser.NewPageAsync(1280, 900);
        await page.GotoAsync(cluster.Apis[2].BaseAddress.ToString());
        await Expect(page.Locator("#cluster-state")).ToContainTextAsync("this node was downed");
        await Expect(page.Locator("#cluster-state")).ToContainTextAsync("This node holds 1 bundle, 2 sublinks");
        await browser.ScreenshotAsync(page, "cluster-3-node-downed");
    }

    /// <summary>Three receiver processes on loopback, the first two the seed nodes, and their APIs.</summary>
    private sealed class ThreeNodes : IAsyncDisposable
    {
        private readonly ITestOutputHelper output;
        private readonly string work = Directory.CreateTempSubdirectory("gateway-cluster-").FullName;
        private readonly int[] ports = [FreePorts.Tcp(), FreePorts.Tcp(), FreePorts.Tcp()];
        private readonly List<GatewayProgram> stopped = [];
        private string[] options = [];
        private bool tolerant = true;
        private string? tunNamespace;

        private ThreeNodes(ITestOutputHelper output)
        {
            this.output = output;
            File.WriteAllText(Path.Combine(work, "ppp.conf"), Conf);
            File.WriteAllText(Path.Combine(work, "ppp.secret"), "vpnname vpnkey\nothername otherkey\n");
            Addresses = ports.Select(p => $"akka.tcp://gateway@127.0.0.1:{p}").ToArray();
        }

        public string[] Addresses { get; }

        public GatewayProgram[] Programs { get; } = new GatewayProgram[3];

        public GatewayApi[] Apis { get; } = new GatewayApi[3];

        /// <summary>The UDP port each node's receiver takes sublinks on.</summary>
        public int[] Listens { get; } = [FreePorts.Udp(), FreePorts.Udp(), FreePorts.Udp()];

        /// <summary>A gateway (<c>vpn-nic</c>, two sublinks) whose sublinks' <c>set device</c> lists nodes <paramref name="targets"/>.</summary>
        public GatewayProgram StartGateway(int[] targets, string name = "gateway", string authname = "vpnname", string authkey = "vpnkey")
        {
            string conf = Path.Combine(work, $"{name}.conf");
            File.WriteAllText(conf, NicConf(targets.Select(t => Listens[t]).ToArray(), sublinks: 2, authname, authkey));
            return GatewayProgram.Start(name, ["run", "--config", conf, "--label", "vpn-nic", "--tun", "none", "--urls", "http://127.0.0.1:0"], output);
        }

        /// <summary>A gateway (<c>vpn-nic</c>) whose sublink N dials the nodes <paramref name="targets"/>[N - 1], in that order.</summary>
        /// <param name="tunNamespace">The namespace the gateway's tun device goes into; null: no tun device (in-process probes).</param>
        public GatewayProgram StartGatewayPerLink(int[][] targets, string name = "gateway", string? tunNamespace = null)
        {
            string conf = Path.Combine(work, $"{name}.conf");
            // Every burst shared over both sublinks (set schedule throughput), so that both nodes carry the gateway's data.
            File.WriteAllText(conf, NicConfPerLink(targets.Select(t => t.Select(n => Listens[n]).ToArray()).ToArray(), schedule: "throughput"));
            string[] tun = tunNamespace is null ? ["--tun", "none"] : ["--tun", "gw", "--tun-netns", tunNamespace];
            return GatewayProgram.Start(name, ["run", "--config", conf, "--label", "vpn-nic", .. tun, "--urls", "http://127.0.0.1:0"], output);
        }

        public static Task<ThreeNodes> StartAsync(ITestOutputHelper output, params string[] options) => StartAsync(output, options, tolerant: true);

        /// <param name="tolerant">False: the nodes run the failure detector and split-brain resolver of the product's defaults.</param>
        /// <param name="tunNamespace">The namespace every node puts its bundles' tun devices in (<c>rx0</c>, ...); null: none.</param>
        public static async Task<ThreeNodes> StartAsync(ITestOutputHelper output, string[] options, bool tolerant, string? tunNamespace = null)
        {
            var cluster = new ThreeNodes(output) { options = options, tolerant = tolerant, tunNamespace = tunNamespace };
            try
            {
                for (int i = 0; i < 3; i++)
                    cluster.Launch(i);
                for (int i = 0; i < 3; i++)
                    cluster.Apis[i] = await cluster.Programs[i].ApiAsync(TimeSpan.FromSeconds(90));
                return cluster;
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }
        }

        private void Launch(int i)
        {
            if (Programs[i] is { } previous)
                stopped.Add(previous);
            string seeds = string.Join(',', ports.Take(2).Select(p => $"127.0.0.1:{p}"));
            // A failure detector twice as tolerant as the defaults: a CI machine of 2 cores runs three nodes, a gateway and
            // the other tests at once. bench/cluster-failover.sh measures the defaults.
            Programs[i] = StartReceiver($"node{i + 1}", work, output, Listens[i], tunNamespace is null ? ["--tun", "none"] : ["--tun", "rx", "--tun-netns", tunNamespace],
            [
                "--Gateway:Cluster:Hostname=127.0.0.1", $"--Gateway:Cluster:Port={ports[i]}", $"--Gateway:Cluster:SeedNodes={seeds}",
                .. tolerant
                    ? (string[])["--Gateway:Cluster:SplitBrain:StableAfter=00:00:01", "--Gateway:Cluster:FailureDetector:HeartbeatInterval=00:00:00.5",
                        "--Gateway:Cluster:FailureDetector:AcceptableHeartbeatPause=00:00:01.5"]
                    : [],
                .. options,
            ]);
        }

        public async Task StartNodeAsync(int i)
        {
            Launch(i);
            Apis[i] = await Programs[i].ApiAsync(TimeSpan.FromSeconds(90));
        }

        /// <summary>The node (other than <paramref name="except"/>) whose <c>/api/bundles</c> has the gateway's bundle up, and that bundle; fails if none has.</summary>
        public async Task<(int Node, BundleStatus Bundle)> FindBundleAsync(int except = -1)
        {
            for (int i = 0; i < 3; i++)
            {
                if (i == except)
                    continue;
                using var client = Apis[i].Client();
                var bundles = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<BundleStatus[]>(client, "api/bundles", GatewayApi.Json);
                if (bundles!.SingleOrDefault(b => b.Name.StartsWith("vpn-in-", StringComparison.Ordinal) && b.Up) is { } bundle)
                    return (i, bundle);
            }
            Assert.Fail("no node has the gateway's bundle up");
            return (-1, null!);
        }

        /// <summary>The nodes whose <c>/api/bundles</c> has a bundle of the gateway up.</summary>
        public async Task<List<int>> NodesWithTheBundleAsync()
        {
            var nodes = new List<int>();
            for (int i = 0; i < 3; i++)
            {
                using var client = Apis[i].Client();
                var bundles = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<BundleStatus[]>(client, "api/bundles", GatewayApi.Json);
                if (bundles!.Any(b => b.Name.StartsWith("vpn-in-", StringComparison.Ordinal) && b.Up))
                    nodes.Add(i);
            }
            return nodes;
        }

        /// <summary><c>kill -9</c> of node <paramref name="i"/>; when it was killed (UTC), once it has exited.</summary>
        public DateTime Kill(int i)
        {
            var at = DateTime.UtcNow;
            using var victim = Process.GetProcessById(Programs[i].Pid);
            victim.Kill();
            victim.WaitForExit();
            return at;
        }

        /// <summary>Waits until node <paramref name="i"/> sees <paramref name="count"/> nodes, every one Up and reachable.</summary>
        public Task<Gateway.Web.Cluster.ClusterStatus> WaitForAllUpAsync(int i, int count) =>
            Apis[i].WaitForClusterAsync(c => c.Nodes.Count == count && c.Nodes.All(n => n.Status == "Up" && n.Reachable), TimeSpan.FromSeconds(60));

        public async ValueTask DisposeAsync()
        {
            foreach (var program in Programs.Where(p => p is not null).Concat(stopped))
                await program.DisposeAsync();
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task A_receiver_without_cluster_settings_says_it_runs_alone()
    {
        string work = Directory.CreateTempSubdirectory("gateway-cluster-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(work, "ppp.conf"), Conf);
            File.WriteAllText(Path.Combine(work, "ppp.secret"), "vpnname vpnkey\n");
            await using var receiver = StartReceiver("receiver", work, output, FreePorts.Udp());
            var api = await receiver.ApiAsync(TimeSpan.FromSeconds(90));
            var alone = await api.WaitForClusterAsync(_ => true, TimeSpan.FromSeconds(30));
            Assert.False(alone.Enabled);
            Assert.Empty(alone.Nodes);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task A_cluster_port_taken_by_another_program_is_a_clear_error_not_a_crash()
    {
        string work = Directory.CreateTempSubdirectory("gateway-cluster-").FullName;
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        try
        {
            File.WriteAllText(Path.Combine(work, "ppp.conf"), Conf);
            File.WriteAllText(Path.Combine(work, "ppp.secret"), "vpnname vpnkey\n");
            await using var receiver = StartReceiver("receiver", work, output, FreePorts.Udp(),
                "--Gateway:Cluster:Hostname=127.0.0.1", $"--Gateway:Cluster:Port={port}", $"--Gateway:Cluster:SeedNodes=127.0.0.1:{port}");
            int exit = await receiver.WaitForExitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(1, exit);
            Assert.Contains($"Gateway:Cluster: Failed to bind to [127.0.0.1:{port}]: Address already in use", receiver.Output);
            Assert.DoesNotContain("Unhandled exception", receiver.Output);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task A_gateway_label_with_cluster_settings_is_refused_naming_the_key()
    {
        string work = Directory.CreateTempSubdirectory("gateway-cluster-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(work, "ppp.conf"), Conf + "\n" + NicConf([6671], sublinks: 1));
            File.WriteAllText(Path.Combine(work, "ppp.secret"), "vpnname vpnkey\n");
            await using var gateway = GatewayProgram.Start("gateway",
            [
                "run", "--config", Path.Combine(work, "ppp.conf"), "--secret", Path.Combine(work, "ppp.secret"), "--label", "vpn-nic",
                "--tun", "none", "--urls", "http://127.0.0.1:0", "--Gateway:Cluster:SeedNodes=127.0.0.1:4053",
            ], output);
            await gateway.WaitForLineAsync(l => l.Contains("Gateway:Cluster: only a receiver label runs as a cluster node", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
