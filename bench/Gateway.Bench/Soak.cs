using System.Net;
using Gateway.Emulation.Links;

namespace Gateway.Bench;

/// <summary>
/// Issue 17's flapping soak: a gateway and a receiver process joined by four NIC-mode sublinks, each through a link
/// emulator relay (loopback), for <c>--minutes</c> (30 by default; CI runs 2). Probes (100 a second) and an iperf3
/// TCP stream cross the bundle the whole time, while one sublink at a time is, at random every few seconds, closed by
/// the operator and dialled again (<c>gateway ctl close|dial</c>), killed (the relay's sockets closed, ICMP port
/// unreachable), blackholed, or made to drop every packet in one direction; every <c>--pause-every</c> seconds the
/// receiver is frozen (SIGSTOP) for up to 3 s. Every 10 s both processes' RSS, managed heap, threads and descriptors
/// are sampled. At the end every fault is undone and the scenario checks that every sublink is back, that the bundle
/// delivers, and that RSS is flat: each sample of the last third within 10 % of the mean of the second sixth (for
/// 30 minutes: minutes 20-30 against minutes 5-10).
/// </summary>
public static class Soak
{
    private const int ProbePort = 7002;
    private static readonly string[] Actions = ["close", "kill", "blackhole", "oneway-up", "oneway-down"];

    public static async Task<ScenarioResult> RunAsync(Options o, BenchPaths paths)
    {
        string lan = o.Required("lan"), inet = o.Required("inet");
        double minutes = o.Double("minutes", 30);
        int sublinks = o.Int("sublinks", 4);
        double sampleEvery = o.Double("sample-every", 10);
        double pauseEvery = o.Double("pause-every", 30);
        string tcpRate = o.String("tcp-rate", "5M");
        int seed = o.Int("seed", 17);
        double rssTolerance = o.Double("rss-tolerance", 10);
        var duration = TimeSpan.FromMinutes(minutes);
        var result = new ScenarioResult { Scenario = "soak" };
        result.Inputs = new
        {
            minutes,
            sublinks,
            seed,
            probeRate = 100,
            tcp = $"iperf3 -c (ns lan) -> -s (ns inet) through the bundle, -b {tcpRate}, for the whole run",
            faults = "one sublink at a time, every 1-4 s, held 1-4 s: " + string.Join(", ", Actions) + $"; the receiver frozen (SIGSTOP) for 0.5-3 s every {pauseEvery} s",
            echo = "enable echo, set echoperiod 0.2 (3 misses: 0.6 s)",
            sampleEverySeconds = sampleEvery,
            rssTolerancePercent = rssTolerance,
        };
        result.Units = new
        {
            rssMB = "resident set (VmRSS) in MiB",
            heapMB = "managed heap (dotnet_total_memory_bytes) in MiB",
            baselineRssMB = "mean RSS over the second sixth of the run (minutes 5-10 of 30): after warm-up",
            lastThirdMaxRssMB = "largest RSS over the last third of the run (minutes 20-30 of 30)",
            rssGrowthPercent = "lastThirdMaxRssMB against baselineRssMB",
            lossPercent = "probes sent during the run and never delivered",
        };

        var relays = new List<UdpLinkRelay>();
        var pairOptions = PairOptions.Relayed(sublinks, relays, "0.2");
        var samples = new Dictionary<string, List<(double T, ProcessSample S)>> { ["gateway"] = [], ["receiver"] = [] };
        var counts = Actions.ToDictionary(a => a, _ => 0);
        int pauses = 0;
        try
        {
            await using var pair = await BundlePair.StartAsync(paths, "soak", sublinks, lan, inet, pairOptions, TimeSpan.FromSeconds(60));
            int port = 5202;
            using var server = Failover.StartDrained(inet, "iperf3", "-s", "-1", "-B", PppFiles.ReceiverAddress, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Task.Delay(500);
            using var client = Failover.Start(lan, "iperf3", "-c", PppFiles.ReceiverAddress, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-t", ((int)Math.Ceiling(duration.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture), "-b", tcpRate, "-J");
            var clientOutput = client.StandardOutput.ReadToEndAsync();
            using var probe = new ProbeStream(new IPEndPoint(IPAddress.Parse(PppFiles.ReceiverAddress), ProbePort), lan, inet, 100, duration + TimeSpan.FromMinutes(2));
            var started = DateTime.UtcNow;
            var end = started + duration;
            using var stop = new CancellationTokenSource();
            var sampler = SampleAsync(pair, probe, samples, started, TimeSpan.FromSeconds(sampleEvery), stop.Token);
            var random = new Random(seed);
            var nextPause = started + TimeSpan.FromSeconds(pauseEvery);
            while (DateTime.UtcNow < end)
            {
                await Task.Delay(TimeSpan.FromSeconds(1 + random.NextDouble() * 3));
                if (DateTime.UtcNow >= end)
                    break;
                var hold = TimeSpan.FromSeconds(1 + random.NextDouble() * 3);
                if (DateTime.UtcNow >= nextPause)
                {
                    pair.Receiver.Freeze(true);
                    await Task.Delay(TimeSpan.FromSeconds(0.5 + random.NextDouble() * 2.5));
                    pair.Receiver.Freeze(false);
                    pauses++;
                    nextPause = DateTime.UtcNow + TimeSpan.FromSeconds(pauseEvery);
                    continue;
                }
                string action = Actions[random.Next(Actions.Length)];
                int victim = random.Next(sublinks);
                counts[action]++;
                Apply(paths, pair, relays[victim], victim + 1, action, on: true);
                await Task.Delay(hold);
                Apply(paths, pair, relays[victim], victim + 1, action, on: false);
            }

            // Everything undone: every sublink must come back and the bundle must deliver.
            var backWithin = TimeSpan.FromSeconds(30);
            bool allBack;
            try
            {
                await pair.Gateway.WaitForBundleAsync(sublinks, backWithin);
                allBack = true;
            }
            catch (TimeoutException e)
            {
                allBack = false;
                result.Notes.Add(e.Message);
            }
            long sentBefore = probe.Sent, deliveredBefore = probe.Delivered;
            await Task.Delay(TimeSpan.FromSeconds(5));
            var report = probe.Finish(TimeSpan.Zero, TimeSpan.FromSeconds(1));
            long sentAtEnd = report.Sent - sentBefore, deliveredAtEnd = probe.Delivered - deliveredBefore;
            await stop.CancelAsync();
            await sampler;
            bool exited = await Task.Run(() => client.WaitForExit(TimeSpan.FromSeconds(60)));
            if (!exited)
            {
                // Stalled or broken? The kernel's view of the stream (state, retransmission timer and back-off, unacked data).
                var (_, sockets) = Commands.Run(lan, ["ss", "-tino", "dst", PppFiles.ReceiverAddress]);
                result.Notes.Add("iperf3's connections when it was killed (ss -tino): " + string.Join(" | ", sockets.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
                client.Kill();
            }
            if (!server.HasExited)
                server.Kill();
            string iperfJson = exited ? await clientOutput : "";
            var (tcpSurvived, tcpMbps) = Failover.ParseIperf(iperfJson, exited ? client.ExitCode : -1);
            if (!tcpSurvived)
                result.Notes.Add(Failover.IperfFailure(iperfJson, exited ? client.ExitCode : -1));

            var summary = result.Row(("process", "both"));
            summary.Derived["faults"] = string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}")) + $", receiver frozen {pauses}";
            summary.Derived["probesSent"] = (double)report.Sent;
            summary.Derived["lossPercent"] = 100.0 * report.Lost / Math.Max(1, report.Sent);
            summary.Derived["longestGapMs"] = report.LongestGapMs;
            summary.Derived["longestGapStartSeconds"] = report.GapStartSeconds;
            summary.Derived["allLinksBack"] = allBack;
            summary.Derived["deliveredAtEndPercent"] = 100.0 * deliveredAtEnd / Math.Max(1, sentAtEnd);
            summary.Derived["tcpSurvived"] = tcpSurvived;
            summary.Derived["tcpMbps"] = tcpMbps;
            if (!allBack)
                result.Failures.Add($"not every sublink was back within {backWithin.TotalSeconds} s of the last fault");
            if (deliveredAtEnd < 0.99 * sentAtEnd)
                result.Failures.Add($"the bundle delivered {deliveredAtEnd} of {sentAtEnd} probes after the last fault");
        }
        finally
        {
            foreach (var relay in relays)
                relay.Dispose();
        }

        foreach (var (process, list) in samples)
            Judge(result, process, list, duration, rssTolerance);
        result.Notes.Add(Commands.Invariant($"flat: every RSS sample of the last third of the run within {rssTolerance} % of the mean of the second sixth (issue 17: 10 %, minutes 20-30 against 5-10)"));
        return result;
    }

    private static void Apply(BenchPaths paths, BundlePair pair, UdpLinkRelay relay, int sublink, string action, bool on)
    {
        switch (action)
        {
            case "close":
                var (code, output) = pair.Gateway.Ctl(paths, on ? "close" : "dial", sublink.ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (code != 0)
                    Console.WriteLine($"  gateway ctl {(on ? "close" : "dial")} {sublink}: {output.Trim()}");
                break;
            case "kill":
                relay.HardDown = on;
                break;
            case "blackhole":
                relay.Blackhole = on;
                break;
            case "oneway-up":
                relay.Upstream.LossProbability = on ? 1 : 0;
                break;
            case "oneway-down":
                relay.Downstream.LossProbability = on ? 1 : 0;
                break;
        }
    }

    private static async Task SampleAsync(BundlePair pair, ProbeStream probe, Dictionary<string, List<(double T, ProcessSample S)>> samples, DateTime started,
        TimeSpan every, CancellationToken stop)
    {
        try
        {
            long sent = 0, delivered = 0;
            while (!stop.IsCancellationRequested)
            {
                double t = (DateTime.UtcNow - started).TotalSeconds;
                long nowSent = probe.Sent, nowDelivered = probe.Delivered;
                Console.WriteLine(Commands.Invariant($"  {t,6:F0} s probes: {nowDelivered - delivered} of {nowSent - sent} delivered since the last sample"));
                (sent, delivered) = (nowSent, nowDelivered);
                foreach (var (name, process) in new[] { ("gateway", pair.Gateway), ("receiver", pair.Receiver) })
                {
                    if (await process.SampleAsync() is { } s)
                    {
                        samples[name].Add((t, s));
                        Console.WriteLine(Commands.Invariant(
                            $"  {t,6:F0} s {name,-8} RSS {s.Rss / 1048576.0,6:F1} MiB (anon {(s.RssAnon ?? double.NaN) / 1048576.0,6:F1}, files {(s.RssFile ?? double.NaN) / 1048576.0,5:F1}), heap {(s.ManagedHeap ?? double.NaN) / 1048576.0,6:F1} MiB, {s.Threads} threads, {s.Descriptors} fds"));
                    }
                }
                await Task.Delay(every, stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static void Judge(ScenarioResult result, string process, List<(double T, ProcessSample S)> list, TimeSpan duration, double tolerancePercent)
    {
        var row = result.Row(("process", process));
        foreach (var (t, s) in list)
        {
            row.Runs.Add(new Dictionary<string, double?>
            {
                ["t"] = t,
                ["rssMB"] = s.Rss / 1048576.0,
                ["heapMB"] = s.ManagedHeap / 1048576.0,
                ["rssAnonMB"] = s.RssAnon / 1048576.0,
                ["rssFileMB"] = s.RssFile / 1048576.0,
                ["threads"] = s.Threads,
                ["descriptors"] = s.Descriptors,
            });
        }
        double total = duration.TotalSeconds;
        var baseline = list.Where(x => x.T >= total / 6 && x.T < total / 3).Select(x => x.S.Rss / 1048576.0).ToList();
        var last = list.Where(x => x.T >= total * 2 / 3).Select(x => x.S.Rss / 1048576.0).ToList();
        if (baseline.Count == 0 || last.Count == 0)
        {
            result.Failures.Add($"{process}: too few samples to judge RSS ({list.Count})");
            return;
        }
        double mean = baseline.Average(), max = last.Max();
        row.Derived["baselineRssMB"] = mean;
        row.Derived["lastThirdMaxRssMB"] = max;
        row.Derived["rssGrowthPercent"] = 100 * (max - mean) / mean;
        row.Derived["threadsFirstLast"] = $"{list[0].S.Threads} / {list[^1].S.Threads}";
        row.Derived["descriptorsFirstLast"] = $"{list[0].S.Descriptors} / {list[^1].S.Descriptors}";
        row.Derived["heapFirstLastMB"] = Commands.Invariant($"{(list[0].S.ManagedHeap ?? double.NaN) / 1048576.0:F1} / {(list[^1].S.ManagedHeap ?? double.NaN) / 1048576.0:F1}");
        bool flat = max <= mean * (1 + tolerancePercent / 100);
        row.Derived["flat"] = flat;
        if (!flat)
            result.Failures.Add(Commands.Invariant($"{process}: RSS not flat: {max:F1} MiB in the last third against {mean:F1} MiB after warm-up"));
    }
}
