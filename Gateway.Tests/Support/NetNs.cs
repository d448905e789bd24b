using Gateway.Core.Transport;

namespace Gateway.Tests.Support;

/// <summary>
/// A network namespace made for one test, named after this test run (<c>gwt-&lt;pid&gt;-&lt;n&gt;</c>), with veth pairs
/// whose ends live only in namespaces this helper made. Dispose deletes, by their own names, every interface
/// and namespace it created. Needs root (or CAP_SYS_ADMIN and CAP_NET_ADMIN).
/// </summary>
internal sealed class NetNs : IDisposable
{
    /// <summary>The reason root-only tests give when skipped.</summary>
    public const string SkipReason = "needs root for network namespaces (CI runs as root)";

    private static int _counter;
    private readonly List<string> _interfaces = [];
    private bool _disposed;

    private NetNs(string name) => Name = name;

    private static readonly Lazy<string?> Unavailability = new(ProbeUnavailability);

    /// <summary>True when this process runs as root on Linux.</summary>
    public static bool IsRoot => OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess;

    /// <summary>
    /// Null when namespaces can be made here; otherwise why not (not root, or root without CAP_SYS_ADMIN as
    /// in an unprivileged container), for the tests' skip message.
    /// </summary>
    public static string? WhyUnavailable => Unavailability.Value;

    private static string? ProbeUnavailability()
    {
        if (!IsRoot)
            return SkipReason;
        DeleteLeftoversOfDeadRuns();
        string probe = $"gwt-{Environment.ProcessId}-probe";
        var (exitCode, output) = TryRun("ip", "netns", "add", probe);
        if (exitCode != 0)
            return $"cannot create network namespaces here although root: {output.Trim()}";
        TryRun("ip", "netns", "del", probe);
        return null;
    }

    /// <summary>The namespace's name, as <c>ip netns</c> knows it.</summary>
    public string Name { get; }

    /// <summary>An interface name unique to this run and at most 15 characters long (IFNAMSIZ - 1).</summary>
    public static string UniqueInterfaceName(string tag)
    {
        string name = $"gw{Environment.ProcessId % 100_000}x{Interlocked.Increment(ref _counter)}{tag}";
        return name.Length <= 15 ? name : name[..15];
    }

    /// <summary>
    /// Deletes namespaces that this helper named in an earlier run whose process is gone (killed before its
    /// Dispose ran): only names of the form gwt-&lt;pid&gt;-&lt;n&gt; with no process &lt;pid&gt;. Their veth ends go with them.
    /// </summary>
    private static void DeleteLeftoversOfDeadRuns()
    {
        var (exitCode, output) = TryRun("ip", "netns", "list");
        if (exitCode != 0)
            return;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var match = System.Text.RegularExpressions.Regex.Match(line, @"^(gwt-(\d+)-(\d+|probe))(\s|$)");
            if (match.Success && int.TryParse(match.Groups[2].Value, out int pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
                TryRun("ip", "netns", "del", match.Groups[1].Value);
        }
    }

    /// <summary>Creates a namespace with its loopback up.</summary>
    public static NetNs Create()
    {
        if (WhyUnavailable is { } why)
            throw new InvalidOperationException(why);
        var ns = new NetNs($"gwt-{Environment.ProcessId}-{Interlocked.Increment(ref _counter)}");
        Run("ip", "netns", "add", ns.Name);
        try
        {
            ns.Ip("link", "set", "lo", "up");
        }
        catch
        {
            ns.Dispose();
            throw;
        }
        return ns;
    }

    /// <summary>Runs a command inside the namespace (<c>ip netns exec</c>); throws when it fails.</summary>
    public string Exec(params string[] command) => Run("ip", ["netns", "exec", Name, .. command]);

    /// <summary>Runs a command inside the namespace and returns its exit code and output, failing or not.</summary>
    public (int ExitCode, string Output) TryExec(params string[] command) => TryRun("ip", ["netns", "exec", Name, .. command]);

    /// <summary>Runs <c>ip -n NAME ...</c>.</summary>
    public string Ip(params string[] arguments) => Run("ip", ["-n", Name, .. arguments]);

    /// <summary>
    /// Creates a veth pair with one end here and the other in <paramref name="other"/>, each with its address
    /// (CIDR, e.g. 10.77.0.1/24) and up. Returns the two interface names.
    /// </summary>
    public (string Here, string There) AddVethPair(NetNs other, string addressHere, string addressThere)
    {
        string here = UniqueInterfaceName("a"), there = UniqueInterfaceName("b");
        Run("ip", "link", "add", here, "netns", Name, "type", "veth", "peer", "name", there, "netns", other.Name);
        _interfaces.Add(here);
        Ip("address", "add", addressHere, "dev", here);
        other.Ip("address", "add", addressThere, "dev", there);
        Ip("link", "set", here, "up");
        other.Ip("link", "set", there, "up");
        return (here, there);
    }

    /// <summary>
    /// Runs <paramref name="create"/> on a fresh thread switched into the namespace, so sockets it creates belong to
    /// the namespace; they keep working from any thread.
    /// </summary>
    public T RunInside<T>(Func<T> create) => NetworkNamespace.RunInside(Name, create);

    /// <summary>Deletes the veth pairs and the namespace this helper created, by name; never throws.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (var name in _interfaces)
            TryRun("ip", "-n", Name, "link", "del", name);
        TryRun("ip", "netns", "del", Name);
    }

    private static string Run(string program, params string[] arguments)
    {
        var (exitCode, output) = TryRun(program, arguments);
        if (exitCode != 0)
            throw new InvalidOperationException($"`{program} {string.Join(' ', arguments)}` failed ({exitCode}): {output}");
        return output;
    }

    private static (int ExitCode, string Output) TryRun(string program, params string[] arguments)
    {
        var result = SystemCommand.Run(program, arguments);
        return (result.ExitCode, result.StandardOutput + result.StandardError);
    }
}
