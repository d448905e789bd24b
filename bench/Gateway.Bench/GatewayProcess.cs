using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Gateway.Core.Crypto;

namespace Gateway.Bench;

/// <summary>Where the harness finds the product and keeps its files for one run.</summary>
/// <param name="LogLevel">The gateway processes' log level (<c>--gateway-log</c>; Information shows every state change).</param>
public sealed record BenchPaths(string GatewayDll, string RunDirectory, string LogLevel = "Warning")
{
    /// <summary>Child process ids, one a line, for run.sh's clean-up should the harness itself be killed.</summary>
    public string PidFile => Path.Combine(RunDirectory, "pids");

    public static BenchPaths From(Options options) => new(
        Path.GetFullPath(options.String("gateway", "Gateway.Web/bin/Release/net10.0/gateway.dll")),
        Path.GetFullPath(options.String("run-dir", Path.Combine(Path.GetTempPath(), $"gwbench-{Environment.ProcessId}"))),
        options.String("gateway-log", "Warning"));
}

/// <summary>
/// One real <c>gateway</c> process (<c>dotnet gateway.dll run --config ...</c>), optionally inside a network namespace
/// (<c>ip netns exec</c>, which execs, so the process id is the gateway's own), with its output in the run directory.
/// Its REST API is reached from this process with sockets opened in the same namespace.
/// </summary>
public sealed class GatewayProcess : IDisposable
{
    public const string OperatorPassword = "bench-operator";
    private static int counter;
    private readonly Process process;

    private GatewayProcess(Process process, string name, Uri api, string? netns, string log)
    {
        this.process = process;
        Name = name;
        Api = api;
        Netns = netns;
        LogFile = log;
        Http = HttpIn(netns, api);
    }

    public string Name { get; }

    public Uri Api { get; }

    public string? Netns { get; }

    public string LogFile { get; }

    public int Pid => process.Id;

    public HttpClient Http { get; }

    public bool HasExited => process.HasExited;

    /// <summary>Starts <c>gateway run</c> with these arguments (after <c>run</c>) and an API on 127.0.0.1:<paramref name="apiPort"/>.</summary>
    public static GatewayProcess Start(BenchPaths paths, string name, string? netns, int apiPort, IEnumerable<string> runArguments, params string[] extra)
    {
        int n = Interlocked.Increment(ref counter);
        string log = Path.Combine(paths.RunDirectory, $"{name}-{n}.log");
        var api = new Uri($"http://127.0.0.1:{apiPort}/");
        var info = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (!string.IsNullOrEmpty(netns))
        {
            info.FileName = "ip";
            foreach (var a in new[] { "netns", "exec", netns, "dotnet" })
                info.ArgumentList.Add(a);
        }
        else
        {
            info.FileName = "dotnet";
        }
        info.ArgumentList.Add(paths.GatewayDll);
        foreach (var a in runArguments)
            info.ArgumentList.Add(a);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(api.ToString().TrimEnd('/'));
        info.ArgumentList.Add($"--Logging:LogLevel:Default={paths.LogLevel}");
        info.ArgumentList.Add("--Logging:LogLevel:Microsoft=Warning");
        foreach (var a in extra)
            info.ArgumentList.Add(a);
        info.Environment["GATEWAY_OPERATOR_PASSWORD"] = OperatorPassword;
        info.Environment["DOTNET_gcServer"] = "0";
        var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start dotnet");
        File.AppendAllText(paths.PidFile, $"{process.Id}\n");
        var writer = new StreamWriter(log) { AutoFlush = true };
        writer.WriteLine($"# {info.FileName} {string.Join(' ', info.ArgumentList)}");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (writer) writer.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (writer) writer.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new GatewayProcess(process, name, api, netns, log);
    }

    /// <summary>An HTTP client whose connections are opened inside <paramref name="netns"/>.</summary>
    public static HttpClient HttpIn(string? netns, Uri baseAddress)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = Namespaces.RunIn(netns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true });
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>GET /api/bundles as JSON elements, or empty while the API is not up yet.</summary>
    public async Task<List<JsonElement>> BundlesAsync()
    {
        try
        {
            using var doc = JsonDocument.Parse(await Http.GetStringAsync("api/bundles"));
            return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return [];
        }
    }

    /// <summary>Waits until a bundle is up with at least <paramref name="members"/> members; returns it.</summary>
    public async Task<JsonElement> WaitForBundleAsync(int members, TimeSpan timeout, string? name = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (HasExited)
                throw new InvalidOperationException($"{Name} exited ({process.ExitCode}); see {LogFile}:\n{Tail()}");
            foreach (var b in await BundlesAsync())
            {
                if ((name is null || b.GetProperty("name").GetString() == name) && b.GetProperty("up").GetBoolean()
                    && b.GetProperty("members").GetArrayLength() >= members)
                    return b;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{Name}: no bundle up with {members} members within {timeout.TotalSeconds} s; see {LogFile}:\n{Tail()}");
    }

    /// <summary><c>gateway ctl API VERB NAME</c> as the operator, run as its own process in this gateway's namespace.</summary>
    public (int ExitCode, string Output) Ctl(BenchPaths paths, string verb, string name) =>
        Commands.Run(Netns, ["dotnet", paths.GatewayDll, "ctl", Api.ToString().TrimEnd('/'), verb, name],
            new Dictionary<string, string> { ["GATEWAY_OPERATOR_PASSWORD"] = OperatorPassword });

    /// <summary>SIGKILL, as <c>kill -9</c>: the process gets no chance to close anything; waits until it has exited.</summary>
    public void KillHard()
    {
        if (process.HasExited)
            return;
        Commands.Run(null, ["kill", "-KILL", process.Id.ToString(CultureInfo.InvariantCulture)]);
        process.WaitForExit(10_000);
    }

    /// <summary>SIGSTOP (<paramref name="stop"/>) or SIGCONT: the process is frozen or thawed as a whole.</summary>
    public void Freeze(bool stop) =>
        Commands.Run(null, ["kill", stop ? "-STOP" : "-CONT", process.Id.ToString(CultureInfo.InvariantCulture)]);

    /// <summary>Threads (from /proc), open descriptors, RSS and the managed heap (<c>dotnet_total_memory_bytes</c> of /metrics).</summary>
    public async Task<ProcessSample?> SampleAsync()
    {
        if (process.HasExited || ProcStats.Rss(process.Id) is not { } rss)
            return null;
        double? heap = null;
        try
        {
            string metrics = await Http.GetStringAsync("metrics");
            foreach (var line in metrics.Split('\n'))
            {
                if (line.StartsWith("dotnet_total_memory_bytes ", StringComparison.Ordinal))
                    heap = double.Parse(line["dotnet_total_memory_bytes ".Length..], CultureInfo.InvariantCulture);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or FormatException)
        {
            // A frozen or busy process misses a sample of its heap; the /proc figures still count.
        }
        return new ProcessSample(rss, ProcStats.Threads(process.Id), ProcStats.Descriptors(process.Id), heap,
            ProcStats.StatusBytes(process.Id, "RssAnon:"), ProcStats.StatusBytes(process.Id, "RssFile:"));
    }

    public string Tail(int lines = 15)
    {
        try
        {
            var all = File.ReadAllLines(LogFile);
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException)
        {
            return "";
        }
    }

    public void Dispose()
    {
        Http.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        process.Dispose();
    }
}

/// <summary>Short external commands (ip, tc, nft, iperf3), optionally inside a namespace.</summary>
public static class Commands
{
    public static (int ExitCode, string Output) Run(string? netns, IReadOnlyList<string> command, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        var args = string.IsNullOrEmpty(netns) ? command : ["ip", "netns", "exec", netns, .. command];
        info.FileName = args[0];
        foreach (var a in args.Skip(1))
            info.ArgumentList.Add(a);
        if (environment is not null)
        {
            foreach (var (k, v) in environment)
                info.Environment[k] = v;
        }
        using var p = Process.Start(info)!;
        p.StandardInput.Close();
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }

    public static string Check(string? netns, params string[] command)
    {
        var (code, output) = Run(netns, command);
        if (code != 0)
            throw new InvalidOperationException($"`{string.Join(' ', command)}`{(netns is null ? "" : $" in {netns}")} failed ({code}): {output}");
        return output;
    }

    public static int FreeTcpPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The ppp.conf and ppp.secret the harness writes: a NIC-mode bundle <c>vpn-nic</c> and the receiver <c>vpn-in</c>.</summary>
public static class PppFiles
{
    public const string GatewayAddress = "10.0.0.2";
    public const string ReceiverAddress = "10.0.0.1";

    /// <param name="sublinks">Each sublink's receiver address and port (NIC mode: <c>link N set device HOST:PORT/udp</c>).</param>
    /// <param name="bundleLines">Extra lines for the <c>vpn</c> section (echo period, bandwidth...).</param>
    public static (string Conf, string Secret) Write(string directory, string tag, IReadOnlyList<IPEndPoint> sublinks, IEnumerable<string>? bundleLines = null,
        IEnumerable<string>? receiverLines = null, IReadOnlyList<string>? perLinkLines = null, string receiverPool = GatewayAddress)
    {
        Directory.CreateDirectory(directory);
        var sb = new StringBuilder();
        sb.AppendLine("vpn:");
        // Link options (echo, lqrperiod) before `set mrru`: after it, a link command names the bundle's own link.
        foreach (var line in bundleLines ?? [])
            sb.AppendLine(" " + line);
        sb.AppendLine(" set enddisc LABEL");
        sb.AppendLine(" set speed sync");
        sb.AppendLine(" set mrru 1500");
        sb.AppendLine(" set authname vpnname");
        sb.AppendLine(" set authkey vpnkey");
        sb.AppendLine(" disable deflate pred1 lqr");
        sb.AppendLine(" deny deflate pred1");
        sb.AppendLine("vpn-nic:");
        sb.AppendLine(" load vpn");
        sb.AppendLine(" clone " + string.Join(' ', Enumerable.Range(1, sublinks.Count)));
        sb.AppendLine(" link deflink rm");
        for (int i = 0; i < sublinks.Count; i++)
        {
            sb.AppendLine(Commands.Invariant($" link {i + 1} set device {sublinks[i].Address}:{sublinks[i].Port}/udp"));
            if (perLinkLines is not null && i < perLinkLines.Count && perLinkLines[i].Length > 0)
                sb.AppendLine(Commands.Invariant($" link {i + 1} {perLinkLines[i]}"));
        }
        sb.AppendLine("vpn-in:");
        foreach (var line in receiverLines ?? [])
            sb.AppendLine(" " + line);
        sb.AppendLine(" set enddisc label");
        sb.AppendLine(" set speed sync");
        sb.AppendLine(" set mrru 1500");
        sb.AppendLine(" enable chap");
        sb.AppendLine(" disable lqr");
        sb.AppendLine($" set ifaddr {ReceiverAddress} {receiverPool}");
        string conf = Path.Combine(directory, $"ppp.conf.{tag}");
        string secret = Path.Combine(directory, $"ppp.secret.{tag}");
        File.WriteAllText(conf, sb.ToString());
        File.WriteAllText(secret, "vpnname vpnkey\n");
        return (conf, secret);
    }

    /// <summary>
    /// A key pair for each end (private keys in owner-only files, as <c>gateway run</c> demands), ppp.keys listing the
    /// gateway's public key for <c>vpnname</c>, and the <c>set encrypt*</c> lines of both labels after the given ones.
    /// </summary>
    public static (IReadOnlyList<string> BundleLines, IReadOnlyList<string> ReceiverLines) WriteKeys(
        string directory, string tag, IEnumerable<string> bundleLines, IEnumerable<string> receiverLines)
    {
        Directory.CreateDirectory(directory);
        using var gateway = KeyPair.Generate();
        using var receiver = KeyPair.Generate();
        string gatewayKey = Path.Combine(directory, $"gateway.key.{tag}"), receiverKey = Path.Combine(directory, $"receiver.key.{tag}");
        string keys = Path.Combine(directory, $"ppp.keys.{tag}");
        foreach (var (path, pair) in new[] { (gatewayKey, gateway), (receiverKey, receiver) })
        {
            File.WriteAllText(path, pair.PrivateKeyToBase64() + "\n");
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.WriteAllText(keys, $"vpnname {gateway.PublicKey} bench\n");
        return ([.. bundleLines, "set encrypt on", $"set encryptkey {gatewayKey}", $"set encryptpeer {receiver.PublicKey}"],
            [.. receiverLines, "set encrypt require", $"set encryptkey {receiverKey}", $"set encryptkeys {keys}"]);
    }
}
