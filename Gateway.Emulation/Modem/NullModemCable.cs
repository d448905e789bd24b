using System.Diagnostics;

namespace Gateway.Emulation.Modem;

/// <summary>
/// The project's null-modem cable: a socat pseudo-terminal pair
/// (<c>socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B</c>). What is written to one end is read
/// from the other. <see cref="Dispose"/> kills this socat process (by its own pid) and waits for it.
/// </summary>
public sealed class NullModemCable : IDisposable
{
    private readonly Process process;
    private readonly List<string> diagnostics = [];

    private NullModemCable(Process process, string portA, string portB)
    {
        this.process = process;
        PortA = portA;
        PortB = portB;
    }

    /// <summary>Path of one end (a symbolic link to a /dev/pts device).</summary>
    public string PortA { get; }

    /// <summary>Path of the other end.</summary>
    public string PortB { get; }

    /// <summary>The socat process id.</summary>
    public int ProcessId => process.Id;

    /// <summary>Finds socat on PATH (or /usr/bin/socat); null with a reason when missing.</summary>
    public static string? FindSocat(out string? reason)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin"))
        {
            var candidate = Path.Combine(dir, "socat");
            if (File.Exists(candidate))
            {
                reason = null;
                return candidate;
            }
        }
        reason = "socat is not installed (apt-get install socat; test.sh installs it)";
        return null;
    }

    /// <summary>Starts socat with both links in <paramref name="directory"/> (<c>ttyA</c>, <c>ttyB</c>) and waits (up to <paramref name="timeout"/>, default 10 s) until both exist.</summary>
    /// <exception cref="InvalidOperationException">socat is missing, exited, or the links did not appear in time.</exception>
    public static Task<NullModemCable> StartAsync(string directory, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        return StartAsync(Path.Combine(directory, "ttyA"), Path.Combine(directory, "ttyB"), timeout, cancellationToken);
    }

    /// <summary>Starts socat with its links at <paramref name="a"/> and <paramref name="b"/> and waits (up to <paramref name="timeout"/>, default 10 s) until both exist.</summary>
    /// <exception cref="InvalidOperationException">socat is missing, exited, or the links did not appear in time.</exception>
    public static async Task<NullModemCable> StartAsync(string a, string b, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var socat = FindSocat(out var reason) ?? throw new InvalidOperationException(reason);
        var info = new ProcessStartInfo(socat)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-d", "-d", $"pty,raw,echo=0,link={a}", $"pty,raw,echo=0,link={b}" })
            info.ArgumentList.Add(arg);

        var process = Process.Start(info) ?? throw new InvalidOperationException("socat did not start");
        var cable = new NullModemCable(process, a, b);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
                lock (cable.diagnostics)
                    if (cable.diagnostics.Count < 50)
                        cable.diagnostics.Add(line);
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();

        var limit = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!(File.Exists(a) && File.Exists(b)))
        {
            if (process.HasExited || DateTime.UtcNow > limit)
            {
                var why = process.HasExited ? $"socat exited with {process.ExitCode}" : "socat links did not appear in time";
                string log;
                lock (cable.diagnostics)
                    log = string.Join(" | ", cable.diagnostics);
                cable.Dispose();
                throw new InvalidOperationException($"{why}: {log}");
            }
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
        return cable;
    }

    /// <summary>
    /// Opens one end as a duplex stream (separate read and write handles, unbuffered). Reads end with 0 or
    /// an <see cref="IOException"/> when the cable is disposed.
    /// </summary>
    public static Stream OpenPort(string path)
    {
        var read = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, FileOptions.Asynchronous);
        try
        {
            var write = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0, FileOptions.Asynchronous);
            return new DuplexStream(read, write);
        }
        catch
        {
            read.Dispose();
            throw;
        }
    }

    private int disposed;

    /// <summary>Kills socat and removes the links; safe to call more than once, from any thread.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
            return;
        try
        {
            if (!process.HasExited)
            {
                // SIGTERM first so socat removes its links; SIGKILL if it does not go
                if (!OperatingSystem.IsWindows())
                    _ = Kill(process.Id, SigTerm);
                if (!process.WaitForExit(2000))
                {
                    process.Kill();
                    process.WaitForExit(5000);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        process.Dispose();
        foreach (var link in new[] { PortA, PortB })
        {
            try
            {
                if (new FileInfo(link).LinkTarget is not null)
                    File.Delete(link);
            }
            catch (IOException)
            {
            }
        }
    }

    private const int SigTerm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private sealed class DuplexStream(Stream read, Stream write) : Stream
    {
        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => read.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => read.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => read.ReadAsync(buffer, offset, count, cancellationToken);
        public override void Write(byte[] buffer, int offset, int count) => write.Write(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => write.WriteAsync(buffer, cancellationToken);
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => write.WriteAsync(buffer, offset, count, cancellationToken);
        public override void Flush() => write.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => write.FlushAsync(cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                read.Dispose();
                write.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
