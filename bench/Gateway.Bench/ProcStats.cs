using System.Globalization;

namespace Gateway.Bench;

/// <summary>CPU time and resident memory of a process, from /proc (proc(5)).</summary>
public static class ProcStats
{
    /// <summary>Clock ticks per second for /proc/PID/stat (sysconf(_SC_CLK_TCK), 100 on Linux).</summary>
    private const double TicksPerSecond = 100;

    /// <summary>utime + stime of the process (all its threads), in seconds; null when it is gone.</summary>
    public static double? CpuSeconds(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state); utime is field 14, stime field 15.
        long utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        long stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (utime + stime) / TicksPerSecond;
    }

    /// <summary>VmRSS (or VmHWM, the peak) of the process in bytes; null when it is gone.</summary>
    public static long? Rss(int pid, bool peak = false) => StatusBytes(pid, peak ? "VmHWM:" : "VmRSS:");

    /// <summary>
    /// A size field of /proc/PID/status in bytes (<c>RssAnon:</c>: heaps, the GC's and malloc's, stacks, JIT code;
    /// <c>RssFile:</c>: mapped files such as the assemblies' code); null when the process or the field is missing.
    /// </summary>
    public static long? StatusBytes(int pid, string key)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{pid}/status");
        }
        catch (IOException)
        {
            return null;
        }
        foreach (var line in lines)
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
                return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        return null;
    }

    /// <summary>Threads of the process (<c>Threads:</c> of /proc/PID/status); null when it is gone.</summary>
    public static int? Threads(int pid)
    {
        try
        {
            foreach (var line in File.ReadAllLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("Threads:", StringComparison.Ordinal))
                    return int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    /// <summary>Open file descriptors (entries of /proc/PID/fd: sockets, tun, files, eventfds); null when it is gone.</summary>
    public static int? Descriptors(int pid)
    {
        try
        {
            return Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Sum of <see cref="CpuSeconds"/> over processes.</summary>
    public static double CpuSeconds(IEnumerable<int> pids) => pids.Sum(p => CpuSeconds(p) ?? 0);
}

/// <summary>
/// One sample of a process's resources: RSS in bytes, threads, descriptors, managed heap in bytes, and RSS split into
/// anonymous memory and mapped files (bytes).
/// </summary>
public sealed record ProcessSample(long Rss, int? Threads, int? Descriptors, double? ManagedHeap, long? RssAnon = null, long? RssFile = null);
