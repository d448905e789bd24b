using System.Net;
using Gateway.Emulation.Links;

namespace Gateway.Bench;

/// <summary>
/// Scenario 3: four veth "ISP" links between ns gw and ns rx (made by run.sh), shaped by tbf on the gateway side; one
/// TCP stream through the bundle (gateway process in gw, receiver in rx, tun devices in lan and inet), each link's TCP
/// goodput alone, and the same links bonded by the kernel's MPTCP (subflow endpoints on 10.1N.0.1, policy routing),
/// all in the same run. Efficiency = goodput / sum of the links' goodputs alone.
/// </summary>
public static class Bonding
{
    private const int ReceiverPort = 6671;

    private sealed record Profile(string Name, double[] Mbps, int DelayedLink = -1, double DelayMs = 0);

    public static async Task<ScenarioResult> RunAsync(Options o, BenchPaths paths)
    {
        string lan = o.Required("lan"), inet = o.Required("inet"), gw = o.Required("gw"), rx = o.Required("rx");
        string[] links = o.Required("links").Split(',');
        double seconds = o.Double("seconds", 6), warmup = o.Double("warmup", 1.5);
        int runs = o.Int("runs", 1);
        mss = o.Int("mss", 1460);
        Profile[] profiles =
        [
            new("equal", [20, 20, 20, 20]),
            new("unequal", [5, 10, 20, 40]),
            new("equal, link 4 +40 ms", [20, 20, 20, 20], DelayedLink: 3, DelayMs: 40),
        ];
        var result = new ScenarioResult { Scenario = "bonding" };
        result.Inputs = new
        {
            secondsPerMeasurement = seconds,
            warmupSeconds = warmup,
            runs,
            shaping = "tbf rate R burst 20kb latency 50ms (the burst holds a 9000-octet frame: the veths have MTU 9000 so a whole sublink datagram needs no IP fragmentation) on the gateway side of each veth (gw -> rx, the direction of the stream)",
            stream = "one TCP connection (the harness's bulk sender/receiver, 64 KiB writes), plain TCP alone and through the bundle, IPPROTO_MPTCP for MPTCP",
            maxSegment = mss > 0
                ? $"TCP_MAXSEG {mss} on both ends of every stream (alone, bundle, MPTCP): the segments of a 1500-octet Internet path everywhere, where the 9000-MTU veths alone would give the plain and MPTCP streams 8960-octet segments and a header overhead no tunnel of 1500-octet packets can match"
                : "each path's own MSS (8960 on the veths alone and for MPTCP, 1460 through the bundle's 1500-octet tun)",
            mptcp = "ip mptcp limits set subflow 8 add_addr_accepted 8; endpoints 10.12-14.0.1 subflow; policy routing by source address",
            delay = "+40 ms each way on link 4 for the bundle's UDP by a UdpLinkRelay in ns gw; MPTCP's subflow on link 4 cannot be delayed here (no netem in this kernel), so MPTCP is not run in that profile",
        };
        result.Units = new
        {
            sumAloneMbps = "sum over the four links of one TCP stream's goodput on that link alone",
            bundleMbps = "one TCP stream through the bundle (lan -> inet)",
            bundleEfficiency = "bundleMbps / sumAloneMbps",
            mptcpEfficiency = "mptcpMbps / sumAloneMbps",
        };

        foreach (var profile in profiles)
        {
            var row = result.Row(("links", profile.Name), ("rates", string.Join('/', profile.Mbps.Select(m => m.ToString(System.Globalization.CultureInfo.InvariantCulture))) + " Mbit/s"));
            for (int i = 0; i < links.Length; i++)
                Commands.Check(gw, "tc", "qdisc", "replace", "dev", links[i], "root", "tbf", "rate", Commands.Invariant($"{profile.Mbps[i]}mbit"), "burst", "20kb", "latency", "50ms");
            for (int r = 0; r < runs; r++)
            {
                var values = new Dictionary<string, double?>();
                double sum = 0;
                for (int i = 0; i < links.Length; i++)
                {
                    double alone = Measure(rx, gw, new IPEndPoint(IPAddress.Parse($"10.1{i + 1}.0.2"), 7000 + i), IPAddress.Parse($"10.1{i + 1}.0.1"), false, warmup, seconds) / 1e6;
                    values[$"link{i + 1}Mbps"] = alone;
                    values["aloneMss"] = lastMss;
                    sum += alone;
                }
                values["sumAloneMbps"] = sum;
                values["bundleMbps"] = await BundleAsync(paths, profile, lan, inet, gw, rx, warmup, seconds) / 1e6;
                values["bundleMss"] = lastMss;
                values["mptcpMbps"] = profile.DelayedLink < 0
                    ? Measure(rx, gw, new IPEndPoint(IPAddress.Parse("10.11.0.2"), 7200), null, true, warmup, seconds) / 1e6
                    : null;
                values["mptcpSubflows"] = profile.DelayedLink < 0 ? lastSubflows : null;
                values["mptcpMss"] = profile.DelayedLink < 0 ? lastMss : null;
                values["bundleEfficiency"] = values["bundleMbps"] / sum;
                values["mptcpEfficiency"] = values["mptcpMbps"] / sum;
                row.Runs.Add(values);
                Console.WriteLine(Commands.Invariant($"  {profile.Name}, run {r + 1}: links alone {sum:F1} Mbit/s, bundle {values["bundleMbps"]:F1} ({values["bundleEfficiency"]:P0}), MPTCP {values["mptcpMbps"]:F1} ({values["mptcpEfficiency"]:P0})"));
            }
            row.ComputeMedians();
            row.Derived["target"] = profile.Name == "unequal" ? ">= 90 %, above MPTCP" : ">= 95 %, above MPTCP";
            row.Derived["bundleBeatsMptcp"] = row.Median["mptcpEfficiency"] is { } m ? row.Median["bundleEfficiency"] > m : null;
        }
        foreach (var link in links)
            Commands.Run(gw, ["tc", "qdisc", "del", "dev", link, "root"]);
        result.Notes.Add("the bundle's ppp.conf gives each sublink its link's rate with `link N set bandwidth BITS` (the fragmenter's weight)");
        return result;
    }

    private static double lastSubflows;
    private static double? lastMss;
    private static int mss;

    /// <summary>One TCP (or MPTCP) stream from ns <paramref name="senderNs"/> to a receiver in <paramref name="receiverNs"/>: goodput in bit/s.</summary>
    private static double Measure(string receiverNs, string senderNs, IPEndPoint to, IPAddress? bind, bool mptcp, double warmup, double seconds)
    {
        using var bulk = new TcpBulk(new IPEndPoint(IPAddress.Any, to.Port), receiverNs, mptcp, mss);
        bulk.StartSending(to, senderNs, bind);
        Thread.Sleep(TimeSpan.FromSeconds(warmup));
        // the sender's (sub)flows as the kernel runs them: how many, and the largest segment size they use
        var (_, ss) = Commands.Run(senderNs, ["ss", "-tni", "state", "established", "dport", Commands.Invariant($"= :{to.Port}")]);
        if (mptcp)
            lastSubflows = ss.Split('\n').Count(l => l.Contains(Commands.Invariant($":{to.Port}"), StringComparison.Ordinal));
        var segments = System.Text.RegularExpressions.Regex.Matches(ss, @"\bmss:(\d+)").Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        lastMss = segments.Count > 0 ? segments.Max() : null;
        double bps = bulk.Measure(seconds);
        if (bulk.SendError is { } error)
            Console.WriteLine($"  stream to {to} failed: {error.Message}");
        return bps;
    }

    private static async Task<double> BundleAsync(BenchPaths paths, Profile profile, string lan, string inet, string gw, string rx, double warmup, double seconds)
    {
        UdpLinkRelay? relay = null;
        var options = new PairOptions
        {
            PerLinkLines = profile.Mbps.Select(m => Commands.Invariant($"set bandwidth {m * 1e6:F0}")).ToList(),
            GatewayNetns = gw,
            ReceiverNetns = rx,
            ReceiverListen = IPAddress.Any,
            Sublinks = port => Enumerable.Range(0, 4).Select(i =>
            {
                var direct = new IPEndPoint(IPAddress.Parse($"10.1{i + 1}.0.2"), port);
                if (i != profile.DelayedLink)
                    return direct;
                relay = Namespaces.RunIn(gw, () => new UdpLinkRelay(new IPEndPoint(IPAddress.Parse($"10.1{i + 1}.0.1"), 0), direct, seed: 7));
                relay.Upstream.Delay = relay.Downstream.Delay = TimeSpan.FromMilliseconds(profile.DelayMs);
                return relay.ListenEndPoint;
            }).ToList(),
        };
        try
        {
            await using var pair = await BundlePair.StartAsync(paths, $"bond-{string.Concat(profile.Name.Where(char.IsAsciiLetterOrDigit))}", 4, lan, inet, options, TimeSpan.FromSeconds(40));
            return Measure(inet, lan, new IPEndPoint(IPAddress.Parse(PppFiles.ReceiverAddress), 7100), null, false, warmup, seconds);
        }
        finally
        {
            relay?.Dispose();
        }
    }
}
