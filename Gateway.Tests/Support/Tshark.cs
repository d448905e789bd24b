using System.Diagnostics;

namespace Gateway.Tests.Support;

/// <summary>Runs tshark, when this machine has it, so tests can ask an independent dissector for its opinion.</summary>
public static class Tshark
{
    private static readonly string? Executable = Find();

    public static bool IsAvailable => Executable is not null;

    public const string MissingReason = "tshark is not installed (apt-get install tshark); this test asks it to judge our frames";

    /// <summary>Runs tshark with <paramref name="arguments"/>; returns standard output. Throws when tshark fails.</summary>
    public static string Run(params string[] arguments)
    {
        if (Executable is null)
            throw new InvalidOperationException(MissingReason);
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("tshark did not start");
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill();
            throw new TimeoutException("tshark ran for more than two minutes");
        }

        if (process.ExitCode != 0)
            throw new InvalidOperationException($"tshark exited with {process.ExitCode}: {error.Result}");
        return output;
    }

    /// <summary>Writes <paramref name="pcap"/> to a temporary file, runs tshark on it, deletes the file.</summary>
    public static string RunOnCapture(byte[] pcap, params string[] arguments)
    {
        string path = Path.Combine(Path.GetTempPath(), $"gateway-tshark-{Guid.NewGuid():N}.pcap");
        File.WriteAllBytes(path, pcap);
        try
        {
            return Run(["-r", path, .. arguments]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string? Find()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Append("/usr/bin"))
        {
            if (directory.Length == 0)
                continue;
            string candidate = Path.Combine(directory, "tshark");
            if (File.Exists(candidate))
                return candidate;
        }

        return null;
    }
}
