using System.Net;

namespace Gateway.Bench;

/// <summary>
/// Scenario 3: four veth "ISP" links between ns gw and ns rx (made by run.sh), shaped by tbf on the gateway side; one
/// TCP stream through the bundle (gateway process in gw, receiver in rx, tun devices in lan and inet), each link's TCP
/// goodput alone, and the same links bonded by the kernel's MPTCP (subflow endpoints on 10.1N.0.1, policy routing),
/// all in the same run. Efficiency = goodput / sum of the links' goodputs alone. Profiles with delay, jitter or loss
/// put <see cref="DelayLines"/> on the impaired links, which every one of those streams crosses (issue 16).
/// </summary>
public static class Bonding
{
    private const int ReceiverPort = 6671;

    /// <summary>A set of links: each used link's tbf rate, and how it is impaired (null: not at all); links past <see cref="Mbps"/> are set down.</summary>
    private sealed record Profile(string Name, double[] Mbps, PathImpairment?[] Impairments, string Target)
    {
        public int Links => Mbps.Length;

        public static PathImpairment?[] OnLink4(PathImpairment impairment) => [null, null, null, impairment];
    }

    private const string AllowedCongestionControl = "/proc/sys/net/ipv4/tcp_allowed_congestion_control";

    /// <summary>
    /// A namespace may only choose a congestion control the host allows (Linux: EPERM otherwise, and a fresh Debian
    /// allows only "reno" and its default): add it to the host's list, as the harness runs as root. The list only
    /// widens what namespaces may pick; the host's own default is not changed.
    /// </summary>
    private static void AllowCongestionControl(string name)
    {
        var allowed = File.ReadAllText(AllowedCongestionControl).Trim();
        if (!allowed.Split(' ').Contains(name))
        {
            File.WriteAllText(AllowedCongestionControl, allowed + " " + name);
            Console.WriteLine($"  host: allowed TCP congestion control is now '{allowed} {name}'");
        }
    }

    public static async Task<ScenarioResult> RunAsync(Options o, BenchPaths paths)
    {
        string lan = o.Required("lan"), inet = o.Required("inet"), gw = o.Required("gw"), rx = o.Required("rx");
        string[] links = o.Required("links").Split(',');
        double seconds = o.Double("seconds", 6), warmup = o.Double("warmup", 1.5);
        int runs = o.Int("runs", 1);
        mss = o.Int("mss", 1460);
        echoPeriod = o.Double("echo-period", 0);
        // --schedule latency|throughput: the bundle's `set schedule` (default: latency, the product's default)
        schedule = o.String("schedule", "latency");
        // --congestion cubic|bbr|reno: the TCP congestion control of every namespace's streams (default: as the namespaces have it)
        string congestion = o.String("congestion", "");
        if (congestion.Length > 0)
        {
            AllowCongestionControl(congestion);
            foreach (var ns in new[] { lan, inet, gw, rx })
                Commands.Check(ns, "sysctl", "-qw", $"net.ipv4.tcp_congestion_control={congestion}");
        }
        string congestionUsed = Commands.Check(lan, "sysctl", "-n", "net.ipv4.tcp_congestion_control").Trim();
        tcpInfo = o.Get("tcp-info") is not null;
        Profile[] all =
        [
            new("equal", [20, 20, 20, 20], [], ">= 0.95, above MPTCP"),
            new("unequal", [5, 10, 20, 40], [], ">= 0.90, above MPTCP"),
            new("equal, link 4 +40 ms", [20, 20, 20, 20], Profile.OnLink4(new(40)), ">= 0.90, above MPTCP"),
            new("equal, link 4 +100 ms", [20, 20, 20, 20], Profile.OnLink4(new(100)), ">= 0.90, above MPTCP"),
            new("DSL 10 Mbit/s 15 ms + LTE 30 Mbit/s 60 ms +-15 ms", [10, 30], [new(15), new(45, JitterMs: 30)], ">= 0.85, above MPTCP"),
            new("equal, link 4 1 % loss", [20, 20, 20, 20], Profile.OnLink4(new(0, LossPercent: 1)), ">= 0.85"),
        ];
        // --profiles 1,3: a subset by number (1-based, in the order above)
        var chosen = o.Get("profiles") is { } list
            ? list.Split(',').Select(n => all[int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) - 1]).ToArray()
            : all;
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
            congestionControl = congestionUsed,
            echoPeriod = echoPeriod > 0 ? (object)echoPeriod : "none (the default: the fragmenter knows no path delay)",
            schedule = $"set schedule {schedule} in the gateway's bundle and the receiver's label; with echo on, each stream starts once both ends have measured every member's round trip",
            impairment = "delay, jitter (a further 0..J ms, uniform, in order) and loss each way by a tun delay line on each side of the link (TunDelayLine, policy routing: DelayLines.cs), crossed by the streams alone, MPTCP's subflows and the bundle's UDP alike; this kernel has no netem",
            profiles = chosen.Select(p => new { p.Name, p.Mbps, p.Impairments }).ToArray(),
        };
        result.Units = new
        {
            sumAloneMbps = "sum over the four links of one TCP stream's goodput on that link alone",
            bundleMbps = "one TCP stream through the bundle (lan -> inet)",
            bundleEfficiency = "bundleMbps / sumAloneMbps",
            mptcpEfficiency = "mptcpMbps / sumAloneMbps",
        };

        foreach (var profile in chosen)
        {
            var row = result.Row(("links", profile.Name), ("rates", string.Join('/', profile.Mbps.Select(m => m.ToString(System.Globalization.CultureInfo.InvariantCulture))) + " Mbit/s"));
            for (int i = 0; i < links.Length; i++)
            {
                bool used = i < profile.Links;
                Commands.Check(gw, "ip", "link", "set", "dev", links[i], used ? "up" : "down");
                if (used)
                    Commands.Check(gw, "tc", "qdisc", "replace", "dev", links[i], "root", "tbf", "rate", Commands.Invariant($"{profile.Mbps[i]}mbit"), "burst", "20kb", "latency", "50ms");
            }
            using var lines = DelayLines.Apply(gw, rx, links, profile.Impairments, seed: 7);
            for (int r = 0; r < runs; r++)
            {
                var values = new Dictionary<string, double?>();
                double sum = 0;
                for (int i = 0; i < profile.Links; i++)
                {
                    double alone = Measure(rx, gw, new IPEndPoint(IPAddress.Parse($"10.1{i + 1}.0.2"), 7000 + i), IPAddress.Parse($"10.1{i + 1}.0.1"), false, warmup, seconds) / 1e6;
                    values[$"link{i + 1}Mbps"] = alone;
                    values["aloneMss"] = lastMss;
                    sum += alone;
                }
                values["sumAloneMbps"] = sum;
                values["bundleMbps"] = await BundleAsync(paths, profile, lan, inet, gw, rx, warmup, seconds) / 1e6;
                values["bundleMss"] = lastMss;
                values["bundleLostPackets"] = lastReassembly.Lost;
                values["bundleLateFragments"] = lastReassembly.Late;
                values["mptcpMbps"] = Measure(rx, gw, new IPEndPoint(IPAddress.Parse("10.11.0.2"), 7200), null, true, warmup, seconds) / 1e6;
                values["mptcpSubflows"] = lastSubflows;
                values["mptcpMss"] = lastMss;
                values["bundleEfficiency"] = values["bundleMbps"] / sum;
                values["mptcpEfficiency"] = values["mptcpMbps"] / sum;
                row.Runs.Add(values);
                Console.WriteLine(Commands.Invariant($"  {profile.Name}, run {r + 1}: links alone {sum:F1} Mbit/s, bundle {values["bundleMbps"]:F1} ({values["bundleEfficiency"]:P0}), MPTCP {values["mptcpMbps"]:F1} ({values["mptcpEfficiency"]:P0})"));
            }
            row.ComputeMedians();
            row.Derived["target"] = profile.Target;
            row.Derived["bundleBeatsMptcp"] = row.Median["mptcpEfficiency"] is { } m ? row.Median["bundleEfficiency"] > m : null;
            if (lines.Lines.Count > 0)
                row.Derived["delayLineDrops"] = lines.Lines.Sum(l => l.Direction.Counters.Dropped);
        }
        foreach (var link in links)
        {
            Commands.Run(gw, ["tc", "qdisc", "del", "dev", link, "root"]);
            Commands.Run(gw, ["ip", "link", "set", "dev", link, "up"]);
        }
        result.Notes.Add("the bundle's ppp.conf gives each sublink its link's rate with `link N set bandwidth BITS` (the fragmenter's weight)");
        return result;
    }

    private static double lastSubflows;
    private static double? lastMss;
    private static int mss;
    private static double echoPeriod;
    private static string schedule = "latency";
    private static bool tcpInfo;

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
        if (tcpInfo)
        {
            // --tcp-info: the sender's view at the end of the measurement (cwnd, RTT, retransmissions, what limited it)
            var (_, end) = Commands.Run(senderNs, ["ss", "-tni", "state", "established", "dport", Commands.Invariant($"= :{to.Port}")]);
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(end, @"\brtt:\S+.*"))
                Console.WriteLine($"    tcp {to}: {m.Value.Trim()}");
        }
        if (bulk.SendError is { } error)
            Console.WriteLine($"  stream to {to} failed: {error.Message}");
        return bps;
    }

    private static async Task<double> BundleAsync(BenchPaths paths, Profile profile, string lan, string inet, string gw, string rx, double warmup, double seconds)
    {
        string[] echo = echoPeriod > 0 ? ["enable echo", Commands.Invariant($"set echoperiod {echoPeriod}")] : [];
        var options = new PairOptions
        {
            BundleLines = [.. echo, $"set schedule {schedule}"],
            ReceiverLines = [.. echo, $"set schedule {schedule}"],
            PerLinkLines = profile.Mbps.Select(m => Commands.Invariant($"set bandwidth {m * 1e6:F0}")).ToList(),
            GatewayNetns = gw,
            ReceiverNetns = rx,
            ReceiverListen = IPAddress.Any,
            Sublinks = port => Enumerable.Range(0, profile.Links).Select(i => new IPEndPoint(IPAddress.Parse($"10.1{i + 1}.0.2"), port)).ToList(),
        };
        string tag = $"bond-{string.Concat(profile.Name.Where(char.IsAsciiLetterOrDigit).Take(24))}";
        await using var pair = await BundlePair.StartAsync(paths, tag, profile.Links, lan, inet, options, TimeSpan.FromSeconds(40));
        if (echoPeriod > 0)
            await PathsMeasuredAsync(pair);
        double bps = Measure(inet, lan, new IPEndPoint(IPAddress.Parse(PppFiles.ReceiverAddress), 7100), null, false, warmup, seconds);
        // what the receiver's reassembler made of the stream: packets given up as lost, fragments that came too late
        foreach (var b in await pair.Receiver.BundlesAsync())
        {
            var r = b.GetProperty("reassembly");
            lastReassembly = (r.GetProperty("packetsLost").GetInt64(), r.GetProperty("lateFragments").GetInt64(), r.GetProperty("peakReorderDepth").GetInt64());
            Console.WriteLine($"  bundle: receiver reassembled {r.GetProperty("packetsReassembled").GetInt64()}, lost {lastReassembly.Lost}, late {lastReassembly.Late}, peak reorder depth {lastReassembly.PeakDepth}");
        }
        foreach (var b in await pair.Gateway.BundlesAsync())
        {
            var shares = string.Join(" / ", b.GetProperty("memberDetails").EnumerateArray().Select(m => m.GetProperty("fragmentsOut").GetInt64()));
            Console.WriteLine($"  bundle: gateway queue drops {b.GetProperty("queueDrops").GetInt64()}, fragments out per member {shares}");
        }
        return bps;
    }

    private static (long Lost, long Late, long PeakDepth) lastReassembly;

    /// <summary>
    /// With echo on, the stream starts once both ends have a round trip for every member: before that the fragmenter
    /// and the equaliser know no delay, and a TCP sender would take the first packets' round trip (the fast path's
    /// alone) as the path's. A bundle in service measured its paths long before; one started for a measurement has not.
    /// </summary>
    private static async Task PathsMeasuredAsync(BundlePair pair)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            bool all = true;
            foreach (var end in new[] { pair.Gateway, pair.Receiver })
                foreach (var b in await end.BundlesAsync())
                    all &= b.GetProperty("memberDetails").EnumerateArray().All(m => m.TryGetProperty("rttMs", out var r) && r.ValueKind == System.Text.Json.JsonValueKind.Number);
            if (all)
                return;
            await Task.Delay(50);
        }
        Console.WriteLine("  bundle: not every member had a round trip measured after 10 s; measuring anyway");
    }
}
