using System.Diagnostics;
using System.Runtime.CompilerServices;
using Gateway.Web.History;
using Gateway.Tests.Support;

namespace Gateway.Tests.History;

/// <summary>Helpers of the history tests: temporary directories, waiting on a condition, small processes.</summary>
internal static class HistoryTestSupport
{
    /// <summary>
    /// Every host the test run builds keeps its history in one temporary directory, not in the machine's
    /// (<c>/var/lib/multilink-gateway</c> as root): the environment is read by each host's configuration, and a
    /// test's own <c>--data</c> still wins. The directory goes when the test process ends.
    /// </summary>
    [ModuleInitializer]
    internal static void KeepHostsHistoryInATemporaryDirectory()
    {
        const string variable = "Gateway__Data__Path";
        if (Environment.GetEnvironmentVariable(variable) is not null)
            return;
        var directory = NewDirectory("gateway-test-history");
        Environment.SetEnvironmentVariable(variable, directory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteDirectory(directory);
    }

    public static string NewDirectory(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    public static void DeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
                Directory.Delete(path, recursive: true);
            else if (File.Exists(path))
                File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a temporary directory left behind is not worth failing a test for.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Checks <paramref name="condition"/> every 20 ms until it holds; fails with <paramref name="what"/> after <paramref name="timeout"/> (generous: a bound on a stuck test, not a measurement).</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, Action? eachTry = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        while (true)
        {
            eachTry?.Invoke();
            if (await condition())
                return;
            try
            {
                await timer.WaitForNextTickAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"timed out waiting until {what}");
            }
        }
    }

    public static Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null, Action? eachTry = null) =>
        WaitUntilAsync(() => Task.FromResult(condition()), what, timeout, eachTry);

    /// <summary>Runs a program to its end; returns its exit code and what it wrote.</summary>
    /// <summary>Makes a file read-only even to root (chattr +i; without root, its mode), or writable again.</summary>
    public static void SetReadOnly(string file, bool readOnly)
    {
        if (!NetNs.IsRoot && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, readOnly ? UnixFileMode.UserRead : UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return;
        }
        var (code, output) = Run("chattr", readOnly ? "+i" : "-i", file);
        Assert.True(code == 0, $"chattr {(readOnly ? "+i" : "-i")} {file} failed (e2fsprogs installed? a file system with the immutable attribute?): {output}");
    }

    public static (int Code, string Output) Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    public static HistoryEvent Event(DateTimeOffset time, string name, HistoryEventKind kind = HistoryEventKind.Up, string? bundle = null,
        HistoryScope scope = HistoryScope.Link, string? detail = null, string node = "test") =>
        new(time, node, scope, name, kind, bundle, State: kind.ToString(), Detail: detail);

    public static StatsRollup Rollup(DateTimeOffset minute, string name, StatsScope scope = StatsScope.Link, string? bundle = null,
        int samples = 60, int upSamples = 60, long octetsIn = 1000, long octetsOut = 2000, double rttSum = 600, int rttSamples = 60, double? rttMax = 20,
        long probesSent = 0, long probesAnswered = 0, string node = "test") =>
        new(minute, node, scope, name, bundle, samples, upSamples, octetsIn, octetsOut, 10, 20, 1, 2, rttSamples, rttSum, rttMax,
            samples, 0, samples * 1.0, 0, 0, probesSent, probesAnswered);
}
