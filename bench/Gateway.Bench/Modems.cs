using System.Text.Json;

namespace Gateway.Bench;

/// <summary>
/// Scenario 5: the demo topology in one process (<c>gateway demo</c>: four Hayes modem emulators paced at the line
/// speed, 10 bits a byte, four emulated ISPs, the receiver, the bundle with a sublink over each modem link), every
/// line at 115200 bit/s, the bulk stream offered above the lines' capacity. From the REST API: the IP octets the
/// receiver's bundle delivered (goodput), and the octets the gateway's modem links wrote toward their lines. The
/// framing-limited line rate is 4 x 11520 B/s x the framing efficiency of one bulk packet (<see cref="LineOctets"/>).
/// </summary>
public static class Modems
{
    /// <summary>The demo's bulk packets (TrafficOptions.BulkPacketSize, IP total length).</summary>
    private const int BulkPacket = 1200;

    /// <summary>
    /// Line octets of one bulk packet: + 2 PPP protocol inside MP (RFC 1990), + 4 MP long-sequence header, + 4 the
    /// sublink's synchronous PPP header in its UDP datagram (FF 03, 00 3D), + 28 that datagram's UDP/IPv4 headers,
    /// + 4 the ISP link's PPP header (FF 03, 00 21), + 2 FCS-16, + 1 flag (RFC 1662); no escapes (ACCM 0, zero payload).
    /// </summary>
    private const int LineOctets = BulkPacket + 2 + 4 + 4 + 28 + 4 + 2 + 1;

    public static async Task<ScenarioResult> RunAsync(Options o, BenchPaths paths)
    {
        int baud = o.Int("baud", 115200), links = o.Int("links", 4), runs = o.Int("runs", 3);
        double seconds = o.Double("seconds", 5), share = o.Double("bulk-share", 1.1), warmup = o.Double("warmup", 3);
        double lineBytes = links * baud / 10.0;
        var result = new ScenarioResult { Scenario = "modems" };
        result.Inputs = new
        {
            links,
            baud,
            bulkShare = share,
            runs,
            secondsPerRun = seconds,
            lineRateBytesPerSecond = lineBytes,
            framingEfficiency = (double)BulkPacket / LineOctets,
            command = $"gateway demo --Gateway:Demo:Links={links} --Gateway:Demo:LineSpeed={baud} --Gateway:Demo:SlowLineSpeed={baud} --Gateway:Demo:BulkShare={share}",
        };
        result.Units = new
        {
            goodputBytesPerSecond = "IP octets per second delivered by the receiver's bundle (gateway -> receiver)",
            writtenBytesPerSecond = "octets per second the gateway's modem links wrote toward their lines (HDLC-framed); above the line rate, the modems' bounded queues drop the excess (overrun)",
            framingEfficiency = $"{BulkPacket} / {LineOctets}: IP octets of a bulk packet / its octets on the line (see Modems.LineOctets)",
            ratioToFramingLimited = "goodput / (lineRate x framingEfficiency)",
            ratioToRawLineRate = "goodput / lineRate",
        };

        using var demo = GatewayProcess.Start(paths, "modems-demo", null, Commands.FreeTcpPort(), ["demo",
            $"--Gateway:Demo:Links={links}", $"--Gateway:Demo:LineSpeed={baud}", $"--Gateway:Demo:SlowLineSpeed={baud}",
            Commands.Invariant($"--Gateway:Demo:BulkShare={share}")]);
        await demo.WaitForBundleAsync(links, TimeSpan.FromSeconds(60), "vpn");
        await Task.Delay(TimeSpan.FromSeconds(warmup));
        var row = result.Row(("lines", $"{links} x {baud} bit/s"));
        for (int r = 0; r < runs; r++)
        {
            var (delivered0, line0) = await CountersAsync(demo);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            var (delivered1, line1) = await CountersAsync(demo);
            double elapsed = watch.Elapsed.TotalSeconds;
            double goodput = (delivered1 - delivered0) / elapsed, line = (line1 - line0) / elapsed;
            row.Runs.Add(new Dictionary<string, double?>
            {
                ["goodputBytesPerSecond"] = goodput,
                ["writtenBytesPerSecond"] = line,
                ["ratioToFramingLimited"] = goodput / (lineBytes * BulkPacket / LineOctets),
                ["ratioToRawLineRate"] = goodput / lineBytes,
            });
            Console.WriteLine(Commands.Invariant($"  run {r + 1}: goodput {goodput:F0} B/s of a framing-limited {lineBytes * BulkPacket / LineOctets:F0}; written to the lines {line:F0} B/s (capacity {lineBytes:F0})"));
        }
        row.ComputeMedians();
        row.Derived["target"] = ">= 0.95 of the framing-limited rate";
        row.Derived["met"] = row.Median["ratioToFramingLimited"] >= 0.95;
        return result;
    }

    /// <summary>IP octets the receiver's bundle delivered, and octets the gateway's ISP links sent, so far.</summary>
    private static async Task<(long Delivered, long Line)> CountersAsync(GatewayProcess demo)
    {
        using var doc = JsonDocument.Parse(await demo.Http.GetStringAsync("api/snapshot"));
        var root = doc.RootElement;
        long delivered = root.GetProperty("bundles").EnumerateArray()
            .Where(b => b.GetProperty("name").GetString() != "vpn")
            .Sum(b => b.GetProperty("counters").GetProperty("octetsIn").GetInt64());
        long line = root.GetProperty("links").EnumerateArray().Sum(l => l.GetProperty("counters").GetProperty("octetsOut").GetInt64());
        return (delivered, line);
    }
}
