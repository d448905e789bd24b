using System.Net;

namespace Gateway.Bench;

/// <summary>
/// Scenario 1: the gateway and the receiver as two real <c>gateway run</c> processes with NIC-mode sublinks over
/// loopback and their tun devices in the namespaces "lan" and "inet"; a UDP blaster in "lan" sends through the
/// bundle to a sink in "inet". Side by side in the same run, the ceiling: the same blaster and sink over a veth pair
/// between the two namespaces (plain UDP, one kernel hop, no bundle).
/// </summary>
public static class Throughput
{
    public const int CeilingPort = 9001;
    public const int BundlePort = 9002;

    /// <summary>
    /// Packets in flight the blaster allows (sent, not yet at the sink). Enough to keep every queue of the path busy
    /// (at 4 sublinks, 256 gave about 0.7 and 2048 about 1 Gbit/s), small enough not to flood it.
    /// </summary>
    public const int DefaultWindow = 2048;

    public static async Task<ScenarioResult> RunAsync(Options o, BenchPaths paths)
    {
        string lan = o.Required("lan"), inet = o.Required("inet");
        var ceilingAddress = IPAddress.Parse(o.String("ceiling-address", "10.99.0.2"));
        int[] sublinkCounts = o.Ints("sublinks", "1,2,4,8");
        int[] sizes = o.Ints("sizes", "1400,64");
        int runs = o.Int("runs", 3);
        double seconds = o.Double("seconds", 2.5), warmup = o.Double("warmup", 0.75);
        int window = o.Int("window", DefaultWindow);
        bool[] modes = EncryptionCases.Modes(o);
        var result = new ScenarioResult { Scenario = "throughput" };
        result.Inputs = new
        {
            sublinks = sublinkCounts,
            packetSizes = sizes,
            runs,
            secondsPerRun = seconds,
            warmupSeconds = warmup,
            blasterWindowPackets = window,
            path = "UDP blaster (ns lan) -> tun -> gateway process -> N UDP sublinks over 127.0.0.1 -> receiver process -> tun -> sink (ns inet)",
            ceiling = "the same blaster and sink over a veth pair between ns lan and ns inet",
            encryption = EncryptionCases.Describe(modes),
        };
        result.Units = new
        {
            mbps = "goodput: IP octets of the packets the sink received x 8 / s, 10^6",
            pps = "packets the sink received per second",
            cpuSecPerGB = "utime+stime of the gateway and receiver processes (/proc/PID/stat) per 10^9 IP octets delivered; for the ceiling, of the harness (blaster + sink)",
            ratio = "bundle goodput / goodput of the ceiling run just before it (same packet size): the median of these per-run ratios",
            vsClear = "encrypted rows: median goodput / the median of the clear row of the same sublinks and size (--encryption both)",
            gatewayRssMB = "the gateway's peak RSS (VmHWM) at the end of that case, MiB",
        };

        using var ceilingSink = new UdpSink(new IPEndPoint(IPAddress.Any, CeilingPort), inet);
        using var bundleSink = new UdpSink(new IPEndPoint(IPAddress.Any, BundlePort), inet);
        var ceilingRows = sizes.ToDictionary(s => s, s => result.Row(("path", "ceiling (veth)"), ("sublinks", "-"), ("size", s)));

        foreach (int n in sublinkCounts)
        {
            foreach (bool encrypted in modes)
            {
                await using var pair = await BundlePair.StartAsync(paths, $"tp{n}{(encrypted ? "e" : "")}", n, lan, inet,
                    new PairOptions { Encrypted = encrypted }, TimeSpan.FromSeconds(o.Double("start-timeout", 40)));
                foreach (int size in sizes)
                {
                    var row = result.Row(EncryptionCases.Key(modes, encrypted, ("path", "bundle"), ("sublinks", n), ("size", size)));
                    for (int r = 0; r < runs; r++)
                    {
                        var ceiling = Blast(lan, new IPEndPoint(ceilingAddress, CeilingPort), size, window, ceilingSink, warmup, seconds, []);
                        ceilingRows[size].Runs.Add(Values(ceiling));
                        var bundle = Blast(lan, new IPEndPoint(IPAddress.Parse(PppFiles.ReceiverAddress), BundlePort), size, window, bundleSink, warmup, seconds,
                            [pair.Gateway.Pid, pair.Receiver.Pid]);
                        var values = Values(bundle);
                        values["ceilingMbps"] = ceiling.BitsPerSecond / 1e6;
                        values["ratio"] = bundle.BitsPerSecond / ceiling.BitsPerSecond;
                        row.Runs.Add(values);
                        Console.WriteLine(Commands.Invariant($"  {n} sublinks{(encrypted ? " encrypted" : "")}, {size} B, run {r + 1}: bundle {bundle.BitsPerSecond / 1e6:F0} Mbit/s {bundle.PacketsPerSecond:F0} pps; ceiling {ceiling.BitsPerSecond / 1e6:F0} Mbit/s"));
                    }
                    row.ComputeMedians();
                    row.Derived["gatewayRssMB"] = (ProcStats.Rss(pair.Gateway.Pid, peak: true) ?? 0) / 1048576.0;
                    row.Derived["receiverRssMB"] = (ProcStats.Rss(pair.Receiver.Pid, peak: true) ?? 0) / 1048576.0;
                }
            }
        }
        foreach (var row in ceilingRows.Values)
            row.ComputeMedians();
        if (modes.Length > 1)
            CompareEncrypted(result);
        var four = result.Rows.FirstOrDefault(r => (string)r.Case["path"] == "bundle" && r.Case["sublinks"] is 4 && r.Case["size"] is 1400 && !EncryptionCases.IsEncrypted(r));
        if (four is not null)
        {
            result.Notes.Add(Commands.Invariant($"target: >= 1000 Mbit/s of 1400-byte packets through 4 sublinks: measured {four.Median["mbps"]:F0} Mbit/s ({(four.Median["mbps"] >= 1000 ? "met" : "not met")})"));
            result.Notes.Add(Commands.Invariant($"target: >= 0.4 of the plain-UDP ceiling: measured {four.Median["ratio"]:F2} ({(four.Median["ratio"] >= 0.4 ? "met" : "not met")})"));
        }
        return result;
    }

    /// <summary>Each encrypted row's goodput as a share of its clear twin's (issue 13's target: at least 0.85 at 4 sublinks).</summary>
    private static void CompareEncrypted(ScenarioResult result)
    {
        foreach (var (row, clear) in EncryptionCases.Twins(result))
        {
            if (clear.Median.GetValueOrDefault("mbps") is not { } clearMbps || row.Median.GetValueOrDefault("mbps") is not { } mbps || clearMbps <= 0)
                continue;
            row.Derived["vsClear"] = mbps / clearMbps;
            if (row.Case["sublinks"] is 4 && row.Case["size"] is 1400)
                result.Notes.Add(Commands.Invariant($"target: 4 encrypted sublinks >= 0.85 of the clear goodput (1400 B): measured {mbps / clearMbps:F2} ({mbps:F0} vs {clearMbps:F0} Mbit/s; {(mbps / clearMbps >= 0.85 ? "met" : "not met")})"));
        }
    }

    private static Dictionary<string, double?> Values(Window w) => new()
    {
        ["mbps"] = w.BitsPerSecond / 1e6,
        ["pps"] = w.PacketsPerSecond,
        ["cpuSecPerGB"] = w.CpuSecondsPerGigabyte,
        ["cpuSeconds"] = w.CpuSeconds,
        ["seconds"] = w.Seconds,
    };

    private static Window Blast(string lan, IPEndPoint to, int size, int window, UdpSink sink, double warmup, double seconds, IReadOnlyCollection<int> pids)
    {
        using var blaster = new UdpBlaster(to, size, lan, window: window, delivered: () => sink.Packets);
        Thread.Sleep(TimeSpan.FromSeconds(warmup));
        var measured = Window.Of(sink, seconds, pids);
        return measured;
    }
}
