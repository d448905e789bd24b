using System.Collections.Concurrent;
using System.Text;

namespace Gateway.Core.Transport;

/// <summary>
/// The line under a modem link: a serial device (a real port or a socat pseudo-terminal, <see cref="SerialPortLine"/>)
/// or an in-process byte stream joined to an emulated modem (<see cref="SerialStreamLine"/>). One reader and one
/// writer at a time. A device that is closed under us or vanishes surfaces as an <see cref="IOException"/> (or a read
/// of 0) so the link's supervisor sees it.
/// </summary>
public interface IModemLine : IDisposable
{
    /// <summary>The device name, for logs and the dashboard.</summary>
    string Device { get; }

    /// <summary>True when DTR could be raised (a real serial port); false on pseudo-terminals and streams.</summary>
    bool HasModemControl { get; }

    /// <summary>Reads what the modem sent; 0 means the device ended. Throws <see cref="IOException"/> when the device fails.</summary>
    ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>Writes to the modem. Throws <see cref="IOException"/> when the device fails.</summary>
    void Write(ReadOnlySpan<byte> bytes);

    /// <summary>Hangs up: drops DTR where it works, else the <c>+++</c> escape with guard times and <c>ATH</c>.</summary>
    Task HangUpAsync(CancellationToken cancellationToken);
}

/// <summary>How a serial device is set up (ppp's <c>set speed</c>, <c>set ctsrts</c>); always 8 data bits, no parity, 1 stop bit.</summary>
/// <param name="Speed">Bits per second.</param>
/// <param name="HardwareFlowControl">RTS/CTS flow control (ppp's default <c>set ctsrts on</c>).</param>
public sealed record SerialLineSettings(int Speed = 115200, bool HardwareFlowControl = true)
{
    /// <summary>The Hayes escape guard time (S12 factory value 50 x 1/50 s).</summary>
    public TimeSpan EscapeGuardTime { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>Opens lines by device name.</summary>
public interface IModemLineFactory
{
    /// <summary>Opens <paramref name="device"/>; throws <see cref="IOException"/> (or <see cref="UnauthorizedAccessException"/>) when it cannot.</summary>
    IModemLine Open(string device, SerialLineSettings settings);
}

/// <summary>Opens real devices and pseudo-terminals through System.IO.Ports.</summary>
public sealed class SerialPortLineFactory : IModemLineFactory
{
    public static SerialPortLineFactory Instance { get; } = new();

    public IModemLine Open(string device, SerialLineSettings settings) => SerialPortLine.Open(device, settings);
}

/// <summary>Opens lines from a delegate (the demo's in-process modems, tests).</summary>
public sealed class DelegateModemLineFactory(Func<string, SerialLineSettings, IModemLine> open) : IModemLineFactory
{
    public IModemLine Open(string device, SerialLineSettings settings) => open(device, settings);
}

/// <summary>
/// <c>set device</c> with several devices: the first one that is free and opens is used (ppp's physical_Open walks
/// the list the same way). "Free" means no other link of this process holds it (ppp uses UUCP lock files; within one
/// process a registry does the same job) and opening succeeds.
/// </summary>
public static class SerialLines
{
    private static readonly ConcurrentDictionary<string, string> Held = new(StringComparer.Ordinal);

    /// <summary>Opens the first free device of <paramref name="devices"/> for link <paramref name="owner"/>.</summary>
    /// <exception cref="IOException">No device could be opened; the message lists why for each.</exception>
    public static IModemLine OpenFirstFree(string owner, IReadOnlyList<string> devices, SerialLineSettings settings, IModemLineFactory factory)
    {
        var why = new StringBuilder();
        foreach (var device in devices)
        {
            if (!Held.TryAdd(device, owner))
            {
                why.Append($"{device}: in use by {Held.GetValueOrDefault(device)}; ");
                continue;
            }
            try
            {
                return new HeldLine(factory.Open(device, settings), device);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
            {
                Held.TryRemove(device, out _);
                why.Append($"{device}: {e.Message}; ");
            }
        }
        throw new IOException($"{owner}: no device could be opened ({why.ToString().TrimEnd(' ', ';')})");
    }

    /// <summary>Writes <c>+++</c> after a guard time of silence, waits the guard time again, then <c>ATH</c> (Hayes escape).</summary>
    public static async Task EscapeAndHangUpAsync(IModemLine line, TimeSpan guardTime, CancellationToken cancellationToken)
    {
        await Task.Delay(guardTime, cancellationToken).ConfigureAwait(false);
        line.Write("+++"u8);
        await Task.Delay(guardTime + guardTime / 2, cancellationToken).ConfigureAwait(false);
        line.Write("ATH\r"u8);
    }

    /// <summary>Releases the device when the line is disposed.</summary>
    private sealed class HeldLine(IModemLine inner, string device) : IModemLine
    {
        private int disposed;

        public string Device => inner.Device;
        public bool HasModemControl => inner.HasModemControl;
        public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) => inner.ReadAsync(buffer, cancellationToken);
        public void Write(ReadOnlySpan<byte> bytes) => inner.Write(bytes);
        public Task HangUpAsync(CancellationToken cancellationToken) => inner.HangUpAsync(cancellationToken);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0)
                return;
            try
            {
                inner.Dispose();
            }
            finally
            {
                Held.TryRemove(device, out _);
            }
        }
    }
}
