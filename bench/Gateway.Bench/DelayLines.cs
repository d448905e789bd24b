using Gateway.Emulation.Links;

namespace Gateway.Bench;

/// <summary>How one ISP link of the bonding scenario is impaired each way, on top of its tbf rate.</summary>
/// <param name="DelayMs">Added one-way delay, each direction.</param>
/// <param name="JitterMs">Each packet is delayed by a further 0..JitterMs, drawn uniformly, in order (no reordering).</param>
/// <param name="LossPercent">Random loss, each direction.</param>
public sealed record PathImpairment(double DelayMs, double JitterMs = 0, double LossPercent = 0)
{
    public bool IsNone => DelayMs <= 0 && JitterMs <= 0 && LossPercent <= 0;
}

/// <summary>
/// Issue 16's delay lines: for each impaired link of the bonding scenario, a <see cref="TunDelayLine"/> on each side
/// (ns gw for gw -> rx, ns rx for rx -> gw) and policy routing that sends every packet for the link's far side
/// through it, so that the TCP streams alone, MPTCP's subflows and the bundle's UDP cross the same delay, jitter and
/// loss in the same run. For link N (device <c>gwbdlN</c>, veth <c>V</c>, far address <c>P</c>, own address <c>L</c>):
/// <code>
///   rule pref 50 iif gwbdlN lookup 20N     table 20N: 10.1N.0.0/24 dev V; 10.0.0.0/8 via P dev V   (out after the delay)
///   gw: rule pref 60 from L lookup 30N    (the streams and subflows bound to link N's address)
///   rule pref 61 to 10.1N.0.0/24 lookup 30N                table 30N: default dev gwbdlN src L    (into the delay)
/// </code>
/// At the gateway side the source decides (MPTCP subflows on link N go to the server's address on link 1); at the
/// receiver side the destination does. The devices take <c>accept_local</c>: what they give back has a local source.
/// </summary>
public sealed class DelayLines : IDisposable
{
    private const int Mtu = 9000;
    private readonly List<TunDelayLine> lines = [];
    private readonly List<(string Ns, string[] Command)> undo = [];

    private DelayLines()
    {
    }

    public IReadOnlyList<TunDelayLine> Lines => lines;

    /// <summary>Sets up the lines of every impaired link; <paramref name="links"/> are the gateway-side veth names (run.sh's).</summary>
    public static DelayLines Apply(string gw, string rx, IReadOnlyList<string> links, IReadOnlyList<PathImpairment?> impairments, int seed)
    {
        var d = new DelayLines();
        try
        {
            for (int i = 0; i < impairments.Count; i++)
            {
                if (impairments[i] is not { IsNone: false } impairment)
                    continue;
                int n = i + 1;
                string gwVeth = links[i], rxVeth = links[i][..^1] + "b";
                d.Side(gw, n, gwVeth, $"10.1{n}.0.1", $"10.1{n}.0.2", bySource: true, impairment, seed + 2 * n);
                d.Side(rx, n, rxVeth, $"10.1{n}.0.2", $"10.1{n}.0.1", bySource: false, impairment, seed + 2 * n + 1);
            }
        }
        catch
        {
            d.Dispose();
            throw;
        }
        return d;
    }

    private void Side(string ns, int n, string veth, string local, string peer, bool bySource, PathImpairment impairment, int seed)
    {
        var line = new TunDelayLine($"gwbdl{n}", ns, Mtu, seed);
        lines.Add(line);
        line.Direction.Delay = TimeSpan.FromMilliseconds(impairment.DelayMs);
        line.Direction.Jitter = TimeSpan.FromMilliseconds(impairment.JitterMs);
        line.Direction.LossProbability = impairment.LossPercent / 100;
        // the kernel holds what tbf does not send yet; the line only delays, so its queue is what is in flight
        line.Direction.QueueLimitBytes = 16 << 20;
        string subnet = $"10.1{n}.0.0/24", outTable = $"20{n}", inTable = $"30{n}";
        Commands.Check(ns, "sysctl", "-qw", $"net.ipv4.conf.{line.Name}.accept_local=1", $"net.ipv4.conf.{line.Name}.rp_filter=0");
        Route(ns, subnet, "dev", veth, "table", outTable);
        Route(ns, "10.0.0.0/8", "via", peer, "dev", veth, "table", outTable);
        Route(ns, "default", "dev", line.Name, "src", local, "table", inTable);
        Rule(ns, "iif", line.Name, "lookup", outTable, "pref", "50");
        if (bySource)
            Rule(ns, "from", local, "lookup", inTable, "pref", "60");
        Rule(ns, "to", subnet, "lookup", inTable, "pref", "61");
    }

    private void Route(string ns, params string[] route)
    {
        Commands.Check(ns, ["ip", "route", "replace", .. route]);
        undo.Add((ns, ["ip", "route", "del", .. route]));
    }

    private void Rule(string ns, params string[] selector)
    {
        Commands.Check(ns, ["ip", "rule", "add", .. selector]);
        undo.Add((ns, ["ip", "rule", "del", .. selector]));
    }

    /// <summary>Removes the rules and routes, then the devices.</summary>
    public void Dispose()
    {
        foreach (var (ns, command) in undo)
            Commands.Run(ns, command);
        undo.Clear();
        foreach (var line in lines)
            line.Dispose();
        lines.Clear();
    }
}
