using Gateway.Core.Transport;
using Gateway.Emulation.Modem;

namespace Gateway.Emulation.Isp;

/// <summary>
/// Devices that are Hayes modem emulators inside this process (the demo, and tests that need no pseudo-terminal):
/// each open of a device gets a fresh <see cref="HayesModem"/> on an in-memory cable, run by a
/// <see cref="HayesModemHost"/> and answered by <paramref name="answerer"/> (an <see cref="IspEndpoint"/>, slirp...).
/// Closing the line ends the host, as switching a modem off would.
/// </summary>
/// <param name="numbers">The telephone network the modems dial into.</param>
/// <param name="answerer">Who answers the calls that connect.</param>
public sealed class InProcessModemLines(ModemDirectory numbers, IModemAnswerer answerer, TimeProvider? time = null) : IModemLineFactory
{
    public IModemLine Open(string device, SerialLineSettings settings)
    {
        var cable = new InMemoryLine();
        var modem = new HayesModem(new ModemOptions { LineSpeed = settings.Speed }, numbers, new Random());
        var host = new HayesModemHost(modem, cable.ModemSide, answerer, time);
        // The host ends when the computer's side of the cable is disposed (its reads end).
        _ = Task.Run(() => host.RunAsync(CancellationToken.None));
        return new DtrLine(new SerialStreamLine(device, cable.RemoteSide, settings), host);
    }
}

/// <summary>An in-process line with modem control: hanging up drops DTR on the emulated modem, at once.</summary>
internal sealed class DtrLine(SerialStreamLine line, HayesModemHost host) : IModemLine
{
    public string Device => line.Device;

    public bool HasModemControl => true;

    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) => line.ReadAsync(buffer, cancellationToken);

    public void Write(ReadOnlySpan<byte> bytes) => line.Write(bytes);

    public Task HangUpAsync(CancellationToken cancellationToken)
    {
        host.DropDtr();
        return Task.CompletedTask;
    }

    public void Dispose() => line.Dispose();
}
