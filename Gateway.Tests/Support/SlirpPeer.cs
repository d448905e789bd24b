using System.Diagnostics;

namespace Gateway.Tests.Support;

/// <summary>
/// slirp-fullbolt, a PPP server descended from pppd 2.2, behind a socat pseudo-terminal:
/// an ISP nobody on this project wrote. Its address 10.0.2.2 stands for the host's 127.0.0.1.
/// </summary>
internal sealed class SlirpPeer : IDisposable
{
    private readonly Process socat;

    private SlirpPeer(string directory, Process socat)
    {
        Directory = directory;
        this.socat = socat;
    }

    public string Directory { get; }

    /// <summary>The pseudo-terminal our side opens (<c>/dev/pts/N</c>, as socat reports it).</summary>
    public string TerminalPath { get; private set; } = "";

    public static string? WhyUnavailable() =>
        !File.Exists("/usr/bin/socat") ? "socat is not installed (test.sh installs it)"
        : !File.Exists("/usr/bin/slirp-fullbolt") ? "slirp-fullbolt is not installed (test.sh installs the slirp package)"
        : null;

    /// <param name="options">Lines of slirp's option file after <c>ppp</c>, e.g. <c>+pap</c>.</param>
    /// <param name="papSecrets">Lines of <c>$HOME/.pap-secrets</c>.</param>
    /// <param name="chapSecrets">Lines of <c>$HOME/.chap-secrets</c>.</param>
    public static SlirpPeer Start(IEnumerable<string> options, IEnumerable<string>? papSecrets = null, IEnumerable<string>? chapSecrets = null)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("slirp-").FullName;
        File.WriteAllLines(Path.Combine(directory, "options"), new[] { "ppp", "dns 10.0.2.2" }.Concat(options));
        File.WriteAllLines(Path.Combine(directory, ".pap-secrets"), papSecrets ?? []);
        File.WriteAllLines(Path.Combine(directory, ".chap-secrets"), chapSecrets ?? []);
        var start = new ProcessStartInfo("socat")
        {
            ArgumentList =
            {
                "-d",
                "-d",
                $"PTY,link={Path.Combine(directory, "tty")},rawer,wait-slave",
                $"SYSTEM:exec slirp-fullbolt nozeros -f {Path.Combine(directory, "options")},pty,rawer",
            },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.Environment["HOME"] = directory;
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        // socat -d -d says "PTY is /dev/pts/N" once the link exists.
        process.ErrorDataReceived += (_, e) =>
        {
            int at = e.Data?.IndexOf("PTY is ", StringComparison.Ordinal) ?? -1;
            if (at >= 0)
                ready.TrySetResult(e.Data![(at + "PTY is ".Length)..].Trim());
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("socat exited before creating the pseudo-terminal"));
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var peer = new SlirpPeer(directory, process);
        if (!ready.Task.Wait(TimeSpan.FromSeconds(10)))
        {
            peer.Dispose();
            throw new InvalidOperationException("socat did not create the pseudo-terminal for slirp within 10 s");
        }
        // socat names the device before it makes the link=; open the device itself, never racing the link.
        peer.TerminalPath = ready.Task.Result;
        return peer;
    }

    /// <summary>Opens our end of the line.</summary>
    public FileStream Open() => new(TerminalPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);

    public void Dispose()
    {
        try
        {
            if (!socat.HasExited)
                socat.Kill(entireProcessTree: true);
            socat.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        socat.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
