using System.Text.Json;
using Gateway.Core.Status;
using Gateway.Tests.Support;

namespace Gateway.Tests.Cluster;

public sealed partial class ReceiverClusterProcessTests
{
    /// <summary>
    /// Issue 14's failover bench (bench/cluster-failover.sh, not part of the suite): three receiver processes with sharded
    /// bundles and a gateway whose two sublinks land on two of them. Each run, on a fresh cluster, kills (<c>kill -9</c>)
    /// either the node that holds the bundle entity or a node that holds only one of its sublinks, and measures how long
    /// the gateway's probes (10 a second, answered by the receiver's bundle) went unanswered. Runs
    /// <c>GATEWAY_BENCH_CLUSTER_RUNS</c> of each (default 5) with the extra receiver options of
    /// <c>GATEWAY_BENCH_CLUSTER_OPTIONS</c> (the product's failure detector and split-brain resolver defaults otherwise);
    /// writes artifacts/bench/cluster-failover.json.
    /// </summary>
    [SkippableFact]
    [Trait("Category", "Bench")]
    public async Task Cluster_failover_bench()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("GATEWAY_BENCH_CLUSTER") == "1", "set GATEWAY_BENCH_CLUSTER=1 (bench/cluster-failover.sh) to run the cluster failover benchmark");
        int runs = int.TryParse(Environment.GetEnvironmentVariable("GATEWAY_BENCH_CLUSTER_RUNS"), out int n) ? n : 5;
        string[] options = ["--Gateway:Cluster:ShardBundles=true",
            .. (Environment.GetEnvironmentVariable("GATEWAY_BENCH_CLUSTER_OPTIONS") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        string[] cases = (Environment.GetEnvironmentVariable("GATEWAY_BENCH_CLUSTER_CASES") ?? "kill,rolling").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var results = new List<FailoverRun>();
        for (int run = 0; run < runs; run++)
        {
            var these = new List<FailoverRun>();
            if (cases.Contains("kill"))
                foreach (bool bundleNode in new[] { true, false })
                    these.Add(await FailoverOnceAsync(options, bundleNode));
            if (cases.Contains("rolling"))
                these.AddRange(await RollingRestartAsync(options));
            foreach (var result in these)
                output.WriteLine($"run {run + 1}, {result.Killed}: probes lost {result.ProbesLost} (gap about {result.GapSeconds:F1} s), gateway's bundle up again after {result.BundleUpAgainSeconds?.ToString("F2") ?? "-"} s");
            results.AddRange(these);
        }
        var summary = results.GroupBy(r => r.Killed).ToDictionary(g => g.Key, g => new
        {
            runs = g.Count(),
            gapSecondsMedian = Median(g.Select(r => r.GapSeconds)),
            gapSecondsMax = g.Max(r => r.GapSeconds),
            bundleUpAgainSecondsMedian = g.All(r => r.BundleUpAgainSeconds is not null) ? Median(g.Select(r => r.BundleUpAgainSeconds!.Value)) : (double?)null,
        });
        var directory = Path.Combine(Repository.Root, "artifacts", "bench");
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "cluster-failover.json"), JsonSerializer.Serialize(new
        {
            date = DateTimeOffset.UtcNow,
            receiverOptions = options,
            probesPerSecond = 10,
            summary,
            runs = results,
        }, new JsonSerializerOptions { WriteIndented = true }));
        Assert.NotEmpty(results);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <param name="Killed">"bundle node" or "sublink node" (kill -9), or a rolling restart's "restart of ..." (SIGTERM, then started again).</param>
    /// <param name="ProbesLost">Probes the gateway sent from the kill until 20 more were answered that got no answer (give or take the one in flight).</param>
    /// <param name="GapSeconds">The probes lost at 10 a second: how long the gateway's traffic went unanswered.</param>
    /// <param name="BundleUpAgainSeconds">When the gateway's bundle was up again after renegotiating with the bundle formed anew (the bundle node only).</param>
    private sealed record FailoverRun(string Killed, long ProbesLost, double GapSeconds, double? BundleUpAgainSeconds);

    /// <summary>
    /// A rolling restart as docs/CONFIG.md describes it (SIGTERM, start again, wait until the others see it Up), of the
    /// three nodes in turn with the gateway connected: the gap of each restart, named by what the node held.
    /// </summary>
    private async Task<List<FailoverRun>> RollingRestartAsync(string[] options)
    {
        await using var cluster = await ThreeNodes.StartAsync(output, options, tolerant: false);
        for (int i = 0; i < 3; i++)
            await cluster.WaitForAllUpAsync(i, 3);
        await using var gateway = cluster.StartGatewayPerLink([[0], [1]]);
        var gatewayApi = await gateway.ApiAsync(TimeSpan.FromSeconds(90));
        await gatewayApi.WaitForBundleAsync("vpn-nic", b => b.Up && b.Members.Count == 2 && b.Traffic is { ProbesAnswered: >= 30 }, TimeSpan.FromSeconds(90));
        var results = new List<FailoverRun>();
        for (int restarted = 0; restarted < 3; restarted++)
        {
            int holder = -1;
            for (int attempt = 0; attempt < 50 && holder < 0; attempt++)
            {
                try
                {
                    (holder, _) = await cluster.FindBundleAsync();
                }
                catch (Xunit.Sdk.XunitException)
                {
                    await Task.Delay(100);
                }
            }
            var before = (await gatewayApi.BundleAsync("vpn-nic")).Traffic!;
            await cluster.Programs[restarted].StopAsync(TimeSpan.FromSeconds(30));
            await cluster.StartNodeAsync(restarted);
            for (int i = 0; i < 3; i++)
                await cluster.WaitForAllUpAsync(i, 3);
            await gatewayApi.WaitForBundleAsync("vpn-nic", b => b.Up && b.Members.Count == 2 && b.Traffic is { } t && t.ProbesAnswered >= before.ProbesAnswered + 20,
                TimeSpan.FromSeconds(90));
            var after = (await gatewayApi.BundleAsync("vpn-nic")).Traffic!;
            long lost = (after.ProbesSent - before.ProbesSent) - (after.ProbesAnswered - before.ProbesAnswered);
            string what = restarted == holder ? "restart of the bundle's node" : restarted < 2 ? "restart of a sublink's node" : "restart of a node with neither";
            results.Add(new FailoverRun(what, lost, lost / 10.0, null));
        }
        return results;
    }

    private async Task<FailoverRun> FailoverOnceAsync(string[] options, bool bundleNode)
    {
        await using var cluster = await ThreeNodes.StartAsync(output, options, tolerant: false);
        for (int i = 0; i < 3; i++)
            await cluster.WaitForAllUpAsync(i, 3);
        await using var gateway = cluster.StartGatewayPerLink([[0], [1]]);
        var gatewayApi = await gateway.ApiAsync(TimeSpan.FromSeconds(90));
        await gatewayApi.WaitForBundleAsync("vpn-nic", b => b.Up && b.Members.Count == 2 && b.MemberDetails.All(m => m.FragmentsOut > 0)
            && b.Traffic is { ProbesAnswered: >= 30 }, TimeSpan.FromSeconds(90));
        var (holder, _) = await cluster.FindBundleAsync();
        // The bundle's node, or a node with a sublink and not the bundle (the sublinks are on nodes 0 and 1).
        int victim = bundleNode ? holder : holder == 0 ? 1 : 0;
        var before = (await gatewayApi.BundleAsync("vpn-nic")).Traffic!;
        var killedAt = cluster.Kill(victim);
        double? upAgain = null;
        if (bundleNode)
        {
            string up = await gateway.WaitForLineAsync(l => l.Contains("vpn-nic: bundle up", StringComparison.Ordinal) && GatewayProgram.LoggedAt(l) > killedAt, TimeSpan.FromSeconds(90));
            upAgain = (GatewayProgram.LoggedAt(up) - killedAt).TotalSeconds;
        }
        // Answered again (the probes lost in the gap are never answered), then the counts read once traffic flows.
        await gatewayApi.WaitForBundleAsync("vpn-nic", b => b.Traffic is { } t && t.ProbesAnswered >= before.ProbesAnswered + 20, TimeSpan.FromSeconds(90));
        var after = await gatewayApi.BundleAsync("vpn-nic");
        long lost = (after.Traffic!.ProbesSent - before.ProbesSent) - (after.Traffic.ProbesAnswered - before.ProbesAnswered);
        return new FailoverRun(bundleNode ? "bundle node" : "sublink node", lost, lost / 10.0, upAgain);
    }
}
