using System.Diagnostics;

namespace Gateway.Core.Transport;

/// <summary>The outcome of one external command.</summary>
internal readonly record struct CommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// Runs the kernel's own configuration tools (iproute2's <c>ip</c>, <c>nft</c>) with an argument list (never a
/// shell line), optionally feeding standard input, and waits for them with a timeout.
/// </summary>
internal static class SystemCommand
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static CommandResult Run(string program, IEnumerable<string> arguments, string? standardInput = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
            process.StandardInput.Close();
        }
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new CommandResult(-1, output.Result, $"{program} timed out after {Timeout.TotalSeconds} s");
        }
        return new CommandResult(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Runs the command; a non-zero exit becomes <see cref="TunDeviceException"/> naming the command and its error output.</summary>
    public static string RunChecked(string program, IReadOnlyList<string> arguments, string? standardInput = null)
    {
        var result = Run(program, arguments, standardInput);
        if (!result.Succeeded)
            throw new TunDeviceException($"`{program} {string.Join(' ', arguments)}` failed ({result.ExitCode}): {result.StandardError.Trim()}");
        return result.StandardOutput;
    }

    public static bool IsOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, program)));
}
