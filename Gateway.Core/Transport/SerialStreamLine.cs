namespace Gateway.Core.Transport;

/// <summary>
/// A modem line over any duplex byte stream: an in-process emulated modem (the demo), or a pseudo-terminal opened as
/// a file. There are no modem-control lines: hang-up is the <c>+++</c> escape and <c>ATH</c>.
/// </summary>
public sealed class SerialStreamLine(string device, Stream stream, SerialLineSettings settings) : IModemLine
{
    public string Device { get; } = device;

    public bool HasModemControl => false;

    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        stream.ReadAsync(buffer, cancellationToken);

    public void Write(ReadOnlySpan<byte> bytes)
    {
        try
        {
            stream.Write(bytes);
            stream.Flush();
        }
        catch (ObjectDisposedException e)
        {
            throw new IOException($"{Device}: closed", e);
        }
    }

    public Task HangUpAsync(CancellationToken cancellationToken) =>
        SerialLines.EscapeAndHangUpAsync(this, settings.EscapeGuardTime, cancellationToken);

    public void Dispose() => stream.Dispose();
}
