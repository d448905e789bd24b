using System.Diagnostics;
using Gateway.Tests.Support;
using Gateway.Tests.Web;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Gateway.Tests.Cluster;

/// <summary>
/// Three real receiver processes (<c>gateway run --label vpn-in</c>) on loopback form one Akka.Cluster from
/// <c>Gateway:Cluster</c> settings, every node's <c>/api/cluster</c> shows the same three nodes, and when one is killed
/// (<c>kill -9</c>) the split-brain resolver (keep-majority) downs it and the other two carry on as the cluster; the
/// dashboard of a node, in Chromium, shows the same.
/// </summary>
public sealed class ReceiverClusterProcessTests(ITestOutputHelper output)
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

    [SkippableFact]
    public async Task Three_receivers_form_a_cluster_and_the_two_left_down_a_killed_node()
    {
        DashboardBrowserTests.SkipWithoutChromium();
        string work = Directory.CreateTempSubdirectory("gateway-cluster-").FullName;
        var programs = new List<GatewayProgram>();
        try
        {
            File.WriteAllText(Path.Combine(work, "ppp.conf"), Conf);
            File.WriteAllText(Path.Combine(work, "ppp.secret"), "vpnname vpnkey\n");
            int[] ports = [FreePorts.Tcp(), FreePorts.Tcp(), FreePorts.Tcp()];
            string seeds = string.Join(',', ports.Take(2).Select(p => $"127.0.0.1:{p}"));
            for (int i = 0; i < 3; i++)
            {
                programs.Add(GatewayProgram.Start($"node{i + 1}",
                [
                    "run", "--config", Path.Combine(work, "ppp.conf"), "--secret", Path.Combine(work, "ppp.secret"), "--label", "vpn-in",
                    "--listen", $"127.0.0.1:{FreePorts.Udp()}", "--tun", "none", "--urls", "http://127.0.0.1:0",
                    "--Gateway:Cluster:Hostname=127.0.0.1", $"--Gateway:Cluster:Port={ports[i]}", $"--Gateway:Cluster:SeedNodes={seeds}",
                    "--Gateway:Cluster:SplitBrain:StableAfter=00:00:02",
                ], output));
            }
            var apis = new List<GatewayApi>();
            foreach (var program in programs)
                apis.Add(await program.ApiAsync(TimeSpan.FromSeconds(90)));

            string[] addresses = ports.Select(p => $"akka.tcp://gateway@127.0.0.1:{p}").ToArray();
            for (int i = 0; i < 3; i++)
            {
                var seen = await apis[i].WaitForClusterAsync(c => c.Nodes.Count(n => n.Status == "Up" && n.Reachable) == 3, TimeSpan.FromSeconds(60));
                Assert.True(seen.Enabled);
                Assert.Equal(addresses[i], seen.Self);
                Assert.Equal(addresses.Order(StringComparer.Ordinal), seen.Nodes.Select(n => n.Address));
                Assert.All(seen.Nodes, n => Assert.Equal(["receiver"], n.Roles));
                Assert.Equal(addresses[i], Assert.Single(seen.Nodes, n => n.Self).Address);
                Assert.Contains(seen.Leader, addresses);
            }

            // The dashboard of the third node shows the whole cluster.
            await using var browser = await DashboardBrowserTests.Browser.LaunchAsync();
            var page = await browser.NewPageAsync(1280, 900);
            await page.GotoAsync(apis[2].BaseAddress.ToString());
            var nodes = page.GetByRole(AriaRole.Table, new() { Name = "cluster nodes" });
            await Expect(nodes.Locator("tbody tr")).ToHaveCountAsync(3);
            await Expect(page.Locator("#cluster-state")).ToHaveTextAsync("3 of 3 nodes up and reachable");
            await Expect(nodes.Locator($"tr[data-address=\"{addresses[2]}\"] td").First).ToHaveTextAsync($"{addresses[2]} (this node)");
            await browser.ScreenshotAsync(page, "cluster-1-three-nodes");

            // kill -9 of the first seed node: the two others see it unreachable, then keep-majority downs and removes it.
            Process.GetProcessById(programs[0].Pid).Kill();
            for (int i = 1; i < 3; i++)
            {
                var after = await apis[i].WaitForClusterAsync(c => c.Nodes.Count == 2 && c.Nodes.All(n => n.Status == "Up" && n.Reachable), TimeSpan.FromSeconds(60));
                Assert.DoesNotContain(after.Nodes, n => n.Address == addresses[0]);
                Assert.Contains(after.Leader, addresses[1..]);
            }
            await Expect(nodes.Locator("tbody tr")).ToHaveCountAsync(2, new() { Timeout = 15_000 });
            await Expect(page.Locator("#cluster-state")).ToHaveTextAsync("2 of 2 nodes up and reachable");
            await browser.ScreenshotAsync(page, "cluster-2-node-killed");
        }
        finally
        {
            foreach (var program in programs)
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
            await using var receiver = GatewayProgram.Start("receiver",
            [
                "run", "--config", Path.Combine(work, "ppp.conf"), "--secret", Path.Combine(work, "ppp.secret"), "--label", "vpn-in",
                "--listen", $"127.0.0.1:{FreePorts.Udp()}", "--tun", "none", "--urls", "http://127.0.0.1:0",
            ], output);
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
    public async Task A_gateway_label_with_cluster_settings_is_refused_naming_the_key()
    {
        string work = Directory.CreateTempSubdirectory("gateway-cluster-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(work, "ppp.conf"), Conf + """

                vpn-nic:
                 set enddisc label
                 set speed sync
                 set mrru 1500
                 set mru 1504
                 set authname vpnname
                 set authkey vpnkey
                 clone 1
                 link deflink rm
                 link 1 set device 127.0.0.1:6671/udp
                """);
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
