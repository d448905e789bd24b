using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Gateway.Bench;

/// <summary>
/// The issue 8 benchmark harness. bench/run.sh makes the namespaces and calls the scenarios; the pieces are
/// subcommands too, for trying one thing by hand.
/// </summary>
public static class Program
{
    private const string Usage = """
        usage: Gateway.Bench SCENARIO|PIECE [--option value ...]
          scenarios (write --out DIR/<scenario>.json and print a table; run.sh passes the namespaces):
            throughput --lan NS --inet NS [--sublinks 1,2,4,8] [--sizes 1400,64] [--runs 3] [--seconds 2.5] [--window 2048] [--encryption off|on|both]
            failover   --lan NS --inet NS [--sublinks 4] [--runs 3] [--seconds 7] [--echo-period 0.2] [--cases none,down,blackhole,graceful,brownout] [--heal-after S] [--encryption off|on|both]
            bonding    --lan NS --inet NS --gw NS --rx NS --links IF,IF,IF,IF [--seconds 6] [--runs 1] [--mss 1460 (0: each path's own)] [--congestion cubic|bbr] [--echo-period S] [--schedule latency|throughput] [--tcp-info] [--profiles N,N (1-6: equal, unequal, +40 ms, +100 ms, DSL+LTE, 1 % loss)]
            memory     --lan NS --inet NS [--gateways 1000] [--seconds 8]
            cluster-scale [--gateways 10000] [--nodes 3] [--shard] [--max-peers 8192] [--admission 1000] [--join-timeout 300] [--heartbeat-pause S] [--settle 30] [--rate 1000 (0: at once)] [--echo-period 5 (0: defaults)]
            modems     [--seconds 5] [--runs 3] [--baud 115200] [--bulk-share 1.1]
            soak       --lan NS --inet NS [--minutes 30] [--sublinks 4] [--pause-every 30] [--sample-every 10] [--tcp-rate 5M] [--seed 17] [--rss-tolerance 10]
            faults     --lan NS --inet NS [--sublinks 4] [--runs 3] [--down-seconds 2] [--cases receiver-kill,gateway-kill,oneway-up,oneway-down]
          pieces:
            udp-sink   --listen ADDR:PORT [--netns NS] [--seconds 5]
            udp-blast  --to ADDR:PORT [--netns NS] [--size 1400] [--rate PPS, 0 = as fast as possible] [--seconds 5]
            probe      --to ADDR:PORT [--sender-netns NS] [--receiver-netns NS] [--rate 1000] [--seconds 10]
            bulk       --to ADDR:PORT [--listen ADDR:PORT] [--sender-netns NS] [--receiver-netns NS] [--bind ADDR] [--tcp] [--seconds 10]
            rss        --pid PID [--seconds 5]
            sim-gateways --receiver ADDR:PORT [--gateways 1000] [--seconds 30]
          common: --gateway PATH/gateway.dll --run-dir DIR --out DIR --gateway-log Warning|Information
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        try
        {
            var o = new Options(args[1..]);
            var paths = BenchPaths.From(o);
            Directory.CreateDirectory(paths.RunDirectory);
            string output = o.String("out", "bench/results");
            ScenarioResult? result = args[0] switch
            {
                "throughput" => await Throughput.RunAsync(o, paths),
                "failover" => await Failover.RunAsync(o, paths),
                "bonding" => await Bonding.RunAsync(o, paths),
                "memory" => await Memory.RunAsync(o, paths),
                "cluster-scale" => await ClusterScale.RunAsync(o, paths),
                "modems" => await Modems.RunAsync(o, paths),
                "soak" => await Soak.RunAsync(o, paths),
                "faults" => await Faults.RunAsync(o, paths),
                "udp-sink" => Piece(o, UdpSinkPiece),
                "udp-blast" => Piece(o, UdpBlastPiece),
                "probe" => Piece(o, ProbePiece),
                "bulk" => Piece(o, BulkPiece),
                "rss" => Piece(o, RssPiece),
                "sim-gateways" => Piece(o, options => SimGatewaysPiece(options, paths)),
                _ => throw new UsageException($"unknown subcommand '{args[0]}'"),
            };
            o.RejectUnknown();
            if (result is not null)
            {
                Console.WriteLine();
                Console.WriteLine(result.Table(TableColumns(result.Scenario)));
                foreach (var note in result.Notes)
                    Console.WriteLine("- " + note);
                result.Write(output);
                foreach (var failure in result.Failures)
                    Console.WriteLine("FAILED: " + failure);
                if (result.Failures.Count > 0)
                    return 3;
            }
            return 0;
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"Gateway.Bench: {e.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }
    }

    public static string[] TableColumns(string scenario) => scenario switch
    {
        "throughput" => ["mbps", "pps", "cpuSecPerGB", "ratio", "gatewayRssMB"],
        "bonding" => ["sumAloneMbps", "bundleMbps", "bundleEfficiency", "mptcpMbps", "mptcpEfficiency", "mptcpSubflows", "aloneMss", "bundleMss", "mptcpMss", "bundleLostPackets", "bundleLateFragments", "bundleBeatsMptcp", "delayLineDrops", "target"],
        "memory" => ["gatewayRssMB", "gatewayPeakRssMB", "receiverRssMB", "bundlesUp", "joinSeconds", "receiverKBPerBundle", "simulatorKBPerBundle", "target", "met"],
        "cluster-scale" => ["bundlesUp", "simulatorStartSeconds", "joinSeconds", "joinPerSecond", "join90Seconds", "dashboardMedianMs", "dashboardWorstMs", "dashboardFailed", "nodeKBPerBundle", "simulatorKBPerGateway", "target", "met"],
        "modems" => ["goodputBytesPerSecond", "writtenBytesPerSecond", "ratioToFramingLimited", "ratioToRawLineRate", "target", "met"],
        "soak" => ["faults", "lossPercent", "longestGapMs", "allLinksBack", "deliveredAtEndPercent", "tcpSurvived", "baselineRssMB", "lastThirdMaxRssMB", "rssGrowthPercent", "flat", "threadsFirstLast", "descriptorsFirstLast", "heapFirstLastMB"],
        "faults" => ["bundleBackSeconds", "probesBackSeconds", "longestGapMs", "lost", "gatewayBringUpMs", "receiverBringUpMs", "worstProbesBackSeconds", "target", "met"],
        "failover" => ["longestGapMs", "worstGapMs", "lost", "maxDelayMs", "faultedLinkShare", "demotedAfterMs", "restoredAfterMs", "lossPercent", "tcpMbps", "allTcpSurvived", "target"],
        _ => [],
    };

    private static ScenarioResult? Piece(Options o, Func<Options, object> piece)
    {
        var value = piece(o);
        o.RejectUnknown();
        Console.WriteLine(JsonSerializer.Serialize(value, new JsonSerializerOptions { WriteIndented = true }));
        return null;
    }

    private static object UdpSinkPiece(Options o)
    {
        using var sink = new UdpSink(IPEndPoint.Parse(o.Required("listen")), o.Get("netns"));
        var w = Window.Of(sink, o.Double("seconds", 5), []);
        return new { w.Packets, w.Bytes, Mbps = w.BitsPerSecond / 1e6, Pps = w.PacketsPerSecond };
    }

    private static object UdpBlastPiece(Options o)
    {
        double seconds = o.Double("seconds", 5);
        using var blaster = new UdpBlaster(IPEndPoint.Parse(o.Required("to")), o.Int("size", 1400), o.Get("netns"), o.Double("rate", 0));
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        return new { blaster.Sent, PacketsPerSecond = blaster.Sent / seconds, blaster.SendErrors };
    }

    private static object ProbePiece(Options o)
    {
        double seconds = o.Double("seconds", 10);
        using var probe = new ProbeStream(IPEndPoint.Parse(o.Required("to")), o.Get("sender-netns"), o.Get("receiver-netns"), o.Double("rate", 1000),
            TimeSpan.FromSeconds(seconds + 5));
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        var report = probe.Finish(TimeSpan.Zero, TimeSpan.FromMilliseconds(500));
        return new { report.Sent, report.Delivered, report.Lost, report.Duplicates, report.LongestGapMs, report.MedianDelayMs, report.MaxDelayMs };
    }

    private static object BulkPiece(Options o)
    {
        var to = IPEndPoint.Parse(o.Required("to"));
        var listen = o.Get("listen") is { } l ? IPEndPoint.Parse(l) : new IPEndPoint(IPAddress.Any, to.Port);
        using var bulk = new TcpBulk(listen, o.Get("receiver-netns"), mptcp: !o.Flag("tcp"));
        bulk.StartSending(to, o.Get("sender-netns"), o.Get("bind") is { } b ? IPAddress.Parse(b) : null);
        Thread.Sleep(1000);
        double bps = bulk.Measure(o.Double("seconds", 10));
        return new { Protocol = bulk.Protocol.ToString(), Mbps = bps / 1e6, Error = bulk.SendError?.Message };
    }

    /// <summary>The memory scenario's simulated gateways on their own, against a receiver started by hand.</summary>
    private static object SimGatewaysPiece(Options o, BenchPaths paths)
    {
        int gateways = o.Int("gateways", 1000);
        double seconds = o.Double("seconds", 30);
        long before = ProcStats.Rss(Environment.ProcessId) ?? 0;
        var simulated = SimulatedGateways.StartAsync(paths.RunDirectory, IPEndPoint.Parse(o.Required("receiver")), gateways).GetAwaiter().GetResult();
        try
        {
            Thread.Sleep(TimeSpan.FromSeconds(seconds));
            long after = ProcStats.Rss(Environment.ProcessId) ?? 0;
            return new { Gateways = gateways, Seconds = seconds, KBPerGateway = (after - before) / 1024.0 / gateways };
        }
        finally
        {
            simulated.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static object RssPiece(Options o)
    {
        int pid = o.Int("pid", 0);
        var samples = new List<long>();
        var end = DateTime.UtcNow + TimeSpan.FromSeconds(o.Double("seconds", 5));
        while (DateTime.UtcNow < end && ProcStats.Rss(pid) is { } rss)
        {
            samples.Add(rss);
            Thread.Sleep(200);
        }
        return new
        {
            Pid = pid,
            MaxRssMB = samples.Count > 0 ? samples.Max() / 1048576.0 : double.NaN,
            PeakRssMB = (ProcStats.Rss(pid, peak: true) ?? 0) / 1048576.0,
            CpuSeconds = ProcStats.CpuSeconds(pid),
            Samples = samples.Count,
        };
    }

    internal static string F(double value, string format = "F1") => value.ToString(format, CultureInfo.InvariantCulture);
}
