using System.IO.Ports;

namespace Gateway.Core.Transport;

/// <summary>
/// A serial device through System.IO.Ports: speed, 8N1, RTS/CTS when asked. DTR is raised where the device supports
/// it; pseudo-terminals refuse the modem-control ioctls (TIOCMBIS), and opening carries on without it: hang-up then
/// uses the <c>+++</c> escape and <c>ATH</c>.
/// </summary>
public sealed class SerialPortLine : IModemLine
{
    private readonly SerialPort port;
    private readonly Stream stream;
    private readonly SerialLineSettings settings;

    private SerialPortLine(SerialPort port, SerialLineSettings settings, bool hasModemControl)
    {
        this.port = port;
        this.settings = settings;
        stream = port.BaseStream;
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
        return new SerialPortLine(port, settings, modemControl);
    }

    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            // SerialStream closes itself when the device goes away (a pty whose master vanished): "The port is closed".
            throw new IOException($"{Device}: {e.Message}", e);
        }
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        try
        {
            stream.Write(bytes);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException or TimeoutException)
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
