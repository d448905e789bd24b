using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Gateway.Tests.Support;

/// <summary>
/// One real <c>gateway</c> process (<c>dotnet gateway.dll ARGS</c>, the build beside the test assembly) with its output
/// kept, as a user starts it from a shell. Dispose kills it (and only it, by its own pid) and writes its output to
/// the test's log.
/// </summary>
public sealed partial class GatewayProgram : IAsyncDisposable
{
    /// <summary>The operator password every test program is given (<c>GATEWAY_OPERATOR_PASSWORD</c>).</summary>
    public const string Password = "test-operator-secret";

    private readonly Process process;
    private readonly ITestOutputHelper? log;
    private readonly List<string> lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> waiters = [];
    private Task exited = Task.CompletedTask;

    private GatewayProgram(string name, Process process, ITestOutputHelper? log)
    {
        Name = name;
        this.process = process;
        this.log = log;
    }

    public string Name { get; }

    public int Pid => process.Id;

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => process.HasExited;

    /// <summary>Starts <c>dotnet gateway.dll</c> with <paramref name="arguments"/> in <paramref name="workingDirectory"/> (default: the repository's root).</summary>
    public static GatewayProgram Start(string name, IEnumerable<string> arguments, ITestOutputHelper? log = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repository.Root,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "gateway.dll"));
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        info.Environment["GATEWAY_OPERATOR_PASSWORD"] = Password;
        info.Environment["PWD"] = info.WorkingDirectory;
        var process = new Process { StartInfo = info };
        var program = new GatewayProgram(name, process, log);
        process.OutputDataReceived += (_, e) => program.Received(e.Data);
        process.ErrorDataReceived += (_, e) => program.Received(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // Completes once the process has exited and its output has been read to the end.
        program.exited = process.WaitForExitAsync();
        return program;
    }

    /// <summary>Everything the program has written so far (standard output and error, by line).</summary>
    public string Output
    {
        get
        {
            lock (lines)
                return string.Join('\n', lines);
        }
    }

    private void Received(string? line)
    {
        if (line is null)
            return;
        lock (lines)
        {
            lines.Add(line);
            foreach (var waiter in waiters.Where(w => w.Match(line)).ToList())
            {
                waiters.Remove(waiter);
                waiter.Seen.TrySetResult(line);
            }
        }
    }

    /// <summary>Waits for a line of output that <paramref name="match"/> accepts (one already written counts); fails if the program exits first.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (lines)
        {
            if (lines.FirstOrDefault(match) is { } already)
                return already;
            waiters.Add((match, seen));
        }
        var first = await Task.WhenAny(seen.Task, exited, Task.Delay(timeout));
        if (seen.Task.IsCompleted)
            return await seen.Task;
        Assert.Fail($"{Name} {(first == exited ? $"exited with {process.ExitCode}" : $"wrote no such line within {timeout}")}; its output:\n{Output}");
        return "";
    }

    /// <summary>When an Akka log line (<c>[LEVEL][MM/dd/yyyy HH:mm:ss.fffZ]...</c>) was written, in UTC; <see cref="DateTime.MinValue"/> for any other line.</summary>
    public static DateTime LoggedAt(string line)
    {
        var match = AkkaTimestamp().Match(line);
        return match.Success && DateTime.TryParseExact(match.Groups["at"].Value, "MM/dd/yyyy HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : DateTime.MinValue;
    }

    [GeneratedRegex(@"\]\[(?<at>\d\d/\d\d/\d{4} \d\d:\d\d:\d\d\.\d{3})Z\]")]
    private static partial Regex AkkaTimestamp();

    /// <summary>The dashboard's address, from the line the program prints once it listens (<c>Dashboard (role): URL</c>).</summary>
    public async Task<GatewayApi> ApiAsync(TimeSpan timeout)
    {
        string line = await WaitForLineAsync(l => DashboardLine().IsMatch(l), timeout);
        return new GatewayApi(new Uri(DashboardLine().Match(line).Groups["url"].Value), Password);
    }

    [GeneratedRegex(@"^\s*Dashboard \(\w+\): (?<url>http\S+)")]
    private static partial Regex DashboardLine();

    /// <summary>Waits for the program to exit by itself; its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await exited.WaitAsync(timeout);
        return process.ExitCode;
    }

    /// <summary>Stops the program as <c>systemctl stop</c> or <c>docker stop</c> would: SIGTERM, then waits for it to exit.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        await exited.WaitAsync(timeout);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
        }
        log?.WriteLine($"--- {Name} (pid {process.Id}) ---\n{Output}");
        process.Dispose();
    }
}
