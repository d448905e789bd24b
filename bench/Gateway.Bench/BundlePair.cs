using System.Net;
using Gateway.Emulation.Links;

namespace Gateway.Bench;

/// <summary>What a <see cref="BundlePair"/> is started with beyond the defaults.</summary>
public sealed record PairOptions
{
    /// <summary>Where each sublink sends (NIC mode); null: every sublink to the receiver's port on 127.0.0.1.</summary>
    public Func<int, IReadOnlyList<IPEndPoint>>? Sublinks { get; init; }

    /// <summary>Lines for ppp.conf's <c>vpn</c> section.</summary>
    public IReadOnlyList<string> BundleLines { get; init; } = [];

    /// <summary>Lines for ppp.conf's <c>vpn-in</c> section.</summary>
    public IReadOnlyList<string> ReceiverLines { get; init; } = [];

    /// <summary>A line per sublink (after <c>link N</c>), e.g. <c>set bandwidth 5000000</c>.</summary>
    public IReadOnlyList<string>? PerLinkLines { get; init; }

    /// <summary>Namespaces the gateway and the receiver processes run in (null: here, the root namespace).</summary>
    public string? GatewayNetns { get; init; }

    public string? ReceiverNetns { get; init; }

    /// <summary>The receiver's address to listen on, in its namespace.</summary>
    public IPAddress ReceiverListen { get; init; } = IPAddress.Loopback;

    /// <summary>
    /// Issue 13: encrypted sublinks (<c>set encrypt on</c> at the gateway, <c>require</c> at the receiver), with a key
    /// pair for each end written beside ppp.conf as <c>gateway keygen</c> would print them.
    /// </summary>
    public bool Encrypted { get; init; }

    /// <summary>
    /// Each of <paramref name="sublinks"/> sublinks through a link emulator relay of its own on loopback (added to
    /// <paramref name="relays"/> when the pair starts), with LCP echo every <paramref name="echoPeriod"/> seconds at
    /// both ends: the pair the failover, fault and soak scenarios break links of.
    /// </summary>
    public static PairOptions Relayed(int sublinks, List<UdpLinkRelay> relays, string echoPeriod) => new()
    {
        BundleLines = ["enable echo", $"set echoperiod {echoPeriod}"],
        ReceiverLines = ["enable echo", $"set echoperiod {echoPeriod}"],
        Sublinks = port =>
        {
            for (int i = 0; i < sublinks; i++)
                relays.Add(new UdpLinkRelay(new IPEndPoint(IPAddress.Loopback, 0), new IPEndPoint(IPAddress.Loopback, port), seed: i + 1));
            return relays.Select(r => r.ListenEndPoint).ToList();
        },
    };
}

/// <summary>
/// A receiver (<c>gateway run --label vpn-in</c>) and a gateway (<c>--label vpn-nic</c>) from one ppp.conf written for
/// the case, each with its tun device moved into a namespace (<c>--tun NAME --tun-netns NS</c>): the gateway's in
/// "lan", the receiver's in "inet". Started, then waited for until the bundle is up with every sublink and both tun
/// devices exist.
/// </summary>
public sealed class BundlePair : IAsyncDisposable
{
    public const string GatewayTun = "gwbgw";

    /// <summary>The receiver numbers a device per bundle: its first is <c>gwbrx0</c>.</summary>
    public const string ReceiverTun = "gwbrx";

    private readonly Func<GatewayProcess> startReceiver;
    private readonly Func<GatewayProcess> startGateway;

    private BundlePair(Func<GatewayProcess> startReceiver, Func<GatewayProcess> startGateway, GatewayProcess receiver, GatewayProcess gateway,
        int receiverPort, string conf)
    {
        this.startReceiver = startReceiver;
        this.startGateway = startGateway;
        Receiver = receiver;
        Gateway = gateway;
        ReceiverPort = receiverPort;
        Conf = conf;
    }

    public GatewayProcess Receiver { get; private set; }

    public GatewayProcess Gateway { get; private set; }

    public int ReceiverPort { get; }

    public string Conf { get; }

    public static Task<BundlePair> StartAsync(BenchPaths paths, string tag, int sublinks, string lan, string inet, Options o) =>
        StartAsync(paths, tag, sublinks, lan, inet, new PairOptions(), TimeSpan.FromSeconds(o.Double("start-timeout", 40)));

    public static async Task<BundlePair> StartAsync(BenchPaths paths, string tag, int sublinks, string lan, string inet, PairOptions options, TimeSpan timeout)
    {
        int receiverPort = options.ReceiverNetns is null ? Commands.FreeUdpPort() : 6671;
        var endpoints = options.Sublinks?.Invoke(receiverPort)
            ?? Enumerable.Range(0, sublinks).Select(_ => new IPEndPoint(IPAddress.Loopback, receiverPort)).ToList();
        var (bundleLines, receiverLines) = options.Encrypted
            ? PppFiles.WriteKeys(paths.RunDirectory, tag, options.BundleLines, options.ReceiverLines)
            : (options.BundleLines, options.ReceiverLines);
        var (conf, secret) = PppFiles.Write(paths.RunDirectory, tag, endpoints, bundleLines, receiverLines, options.PerLinkLines);
        int receiverApi = Commands.FreeTcpPort(), gatewayApi = Commands.FreeTcpPort();
        GatewayProcess StartReceiver() => GatewayProcess.Start(paths, $"{tag}-receiver", options.ReceiverNetns, receiverApi,
            ["run", "--config", conf, "--secret", secret, "--label", "vpn-in", "--listen", $"{options.ReceiverListen}:{receiverPort}",
             "--tun", ReceiverTun, "--tun-netns", inet]);
        GatewayProcess StartGateway() => GatewayProcess.Start(paths, $"{tag}-gateway", options.GatewayNetns, gatewayApi,
            ["run", "--config", conf, "--secret", secret, "--label", "vpn-nic", "--tun", GatewayTun, "--tun-netns", lan]);
        var receiver = StartReceiver();
        GatewayProcess? gateway = null;
        try
        {
            gateway = StartGateway();
            await gateway.WaitForBundleAsync(endpoints.Count, timeout);
            await WaitForTunAsync(lan, GatewayTun, PppFiles.GatewayAddress, timeout);
            await WaitForTunAsync(inet, ReceiverTun + "0", PppFiles.ReceiverAddress, timeout);
            return new BundlePair(StartReceiver, StartGateway, receiver, gateway, receiverPort, conf);
        }
        catch
        {
            gateway?.Dispose();
            receiver.Dispose();
            throw;
        }
    }

    /// <summary>Kills the receiver with SIGKILL (no clean-up of any kind) and waits until it is gone.</summary>
    public void KillReceiver() => Receiver.KillHard();

    /// <summary>Starts the receiver again with the same command line (same UDP port, same API port).</summary>
    public void StartReceiverAgain() => Receiver = Replace(Receiver, startReceiver);

    /// <summary>Kills the gateway with SIGKILL and waits until it is gone.</summary>
    public void KillGateway() => Gateway.KillHard();

    /// <summary>Starts the gateway again with the same command line.</summary>
    public void StartGatewayAgain() => Gateway = Replace(Gateway, startGateway);

    private static GatewayProcess Replace(GatewayProcess old, Func<GatewayProcess> start)
    {
        old.Dispose();
        return start();
    }

    private static async Task WaitForTunAsync(string netns, string name, string address, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var (code, output) = Commands.Run(null, ["ip", "-n", netns, "-4", "addr", "show", "dev", name]);
            if (code == 0 && output.Contains($"inet {address}", StringComparison.Ordinal) && output.Contains("UP", StringComparison.Ordinal))
                return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"tun {name} with {address} did not appear in namespace {netns}");
    }

    public ValueTask DisposeAsync()
    {
        Gateway.Dispose();
        Receiver.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// The scenarios' <c>--encryption off|on|both</c> (issue 13): the modes to run, the <c>encrypted</c> column of their
/// rows, and each encrypted row paired with its clear twin of the same run.
/// </summary>
public static class EncryptionCases
{
    public const string Column = "encrypted";

    /// <summary>The modes to measure, clear first.</summary>
    public static bool[] Modes(Options o) => o.String("encryption", "off") switch
    {
        "off" => [false],
        "on" => [true],
        "both" => [false, true],
        var other => throw new UsageException($"--encryption {other}: off, on or both"),
    };

    /// <summary>For the scenario's inputs: what each mode means.</summary>
    public static string[] Describe(bool[] modes) =>
        modes.Select(m => m ? "on (issue 13: every datagram sealed, receiver requires it)" : "off").ToArray();

    /// <summary>A row's case: <paramref name="key"/>, with the <c>encrypted</c> column when encryption is measured.</summary>
    public static (string, object)[] Key(bool[] modes, bool encrypted, params (string, object)[] key) =>
        modes.Length > 1 || encrypted ? [.. key, (Column, encrypted ? "yes" : "no")] : key;

    public static bool IsEncrypted(ResultRow row) => row.Case.TryGetValue(Column, out var e) && (string)e == "yes";

    /// <summary>Each encrypted row with the clear row whose other case columns are the same.</summary>
    public static IEnumerable<(ResultRow Encrypted, ResultRow Clear)> Twins(ScenarioResult result) =>
        from row in result.Rows.Where(IsEncrypted)
        let clear = result.Rows.FirstOrDefault(r => r.Case.TryGetValue(Column, out var e) && (string)e == "no"
            && r.Case.Count == row.Case.Count && r.Case.All(c => c.Key == Column || Equals(c.Value, row.Case.GetValueOrDefault(c.Key))))
        where clear is not null
        select (row, clear);
}
