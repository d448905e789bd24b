using System.IO.Ports;
using System.Runtime.InteropServices;

namespace Gateway.Core.Transport;

/// <summary>
/// A serial device through System.IO.Ports: speed, 8N1, RTS/CTS when asked. DTR is raised where the device supports
/// it; pseudo-terminals refuse the modem-control ioctls (TIOCMBIS), and opening carries on without it: hang-up then
/// uses the <c>+++</c> escape and <c>ATH</c>.
/// </summary>
/// <remarks>
/// The bytes themselves go through read(2) and write(2) on a second descriptor of the same device (opened with
/// O_NOCTTY, so it never becomes the process's controlling terminal, and O_NONBLOCK): System.IO.Ports on Unix makes a
/// request object and a task for every read and write of its stream, a few hundred bytes per PPP frame, where the
/// data path allocates nothing per packet (issue 18). The settings System.IO.Ports made (termios: raw, speed, flow
/// control) belong to the device, and so hold for both descriptors; its stream is never read, so it takes no bytes.
/// </remarks>
public sealed class SerialPortLine : IModemLine
{
    /// <summary>How long a read waits before it looks at its cancellation token again.</summary>
    private const int ReadPollMilliseconds = 250;

    private readonly SerialPort port;
    private readonly WakeableDescriptor data;
    private readonly SerialLineSettings settings;

    private SerialPortLine(SerialPort port, WakeableDescriptor data, SerialLineSettings settings, bool hasModemControl)
    {
        this.port = port;
        this.data = data;
        this.settings = settings;
        HasModemControl = hasModemControl;
    }

    public string Device => port.PortName;

    public bool HasModemControl { get; }

    /// <summary>Opens and configures <paramref name="device"/>.</summary>
    /// <exception cref="IOException">The device does not exist or cannot be configured.</exception>
    public static SerialPortLine Open(string device, SerialLineSettings settings)
    {
        if (!File.Exists(device))
            throw new IOException($"{device}: no such device");
        var port = new SerialPort(device, settings.Speed, Parity.None, 8, StopBits.One)
        {
            Handshake = settings.HardwareFlowControl ? Handshake.RequestToSend : Handshake.None,
            ReadTimeout = SerialPort.InfiniteTimeout,
            WriteTimeout = SerialPort.InfiniteTimeout,
        };
        try
        {
            port.Open();
        }
        catch (Exception e) when (e is UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            port.Dispose();
            throw new IOException($"{device}: {e.Message}", e);
        }
        bool modemControl;
        try
        {
            port.DtrEnable = true;
            modemControl = true;
        }
        catch (IOException)
        {
            // A pseudo-terminal: no modem-control lines. Not an error (the emulator and slirp live on ptys).
            modemControl = false;
        }
        int fd = LibC.Open(device, LibC.ORdWr | LibC.ONoCtty | LibC.ONonBlock | LibC.OCloExec);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            port.Dispose();
            throw new IOException($"{device}: {LibC.Describe(errno)}");
        }
        return new SerialPortLine(port, new WakeableDescriptor(fd, device, (what, errno) => new IOException($"{what}: {LibC.Describe(errno)}")),
            settings, modemControl);
    }

    /// <summary>
    /// Reads what the device has, blocking the calling thread until something comes (the line's reader runs on a
    /// thread of its own); it returns synchronously, so nothing is allocated. Ends with <see cref="IOException"/>
    /// when the device fails or vanishes (EIO from a pty whose other end closed) or the line is closed.
    /// </summary>
    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int n = data.Read(buffer.Span, ReadPollMilliseconds);
                if (n >= 0)
                    return ValueTask.FromResult(n);
            }
        }
        catch (ObjectDisposedException e)
        {
            throw new IOException($"{Device}: closed", e);
        }
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        try
        {
            data.Write(bytes);
        }
        catch (ObjectDisposedException e)
        {
            throw new IOException($"{Device}: closed", e);
        }
    }

    public async Task HangUpAsync(CancellationToken cancellationToken)
    {
        if (HasModemControl)
        {
            // Dropping DTR makes a modem (AT&D2) hang up; hold it down for a moment, as ppp's physical close does.
            port.DtrEnable = false;
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            port.DtrEnable = true;
            return;
        }
        await SerialLines.EscapeAndHangUpAsync(this, settings.EscapeGuardTime, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        data.Dispose();
        try
        {
            port.Dispose();
        }
        catch (IOException)
        {
            // the device already vanished
        }
    }
}
