using Gateway.Core.Ppp.Framing;

namespace Gateway.Fuzz;

/// <summary>
/// The async HDLC-like decoder (RFC 1662) as a serial line feeds it: octets cut into reads of any size.
/// Input: options (bit 0 FCS-32, bit 1 receive ACCM 0 instead of all ones), the MRU in units of 16 octets, the
/// read size (0: one read), then the stream.
/// </summary>
internal sealed class HdlcAsyncTarget : IFuzzTarget
{
    public string Name => "hdlc-async";

    public string Description => "HdlcDecoder.TryReadFrame over a byte stream cut into reads";

    public long AllocationBase => 64 * 1024;

    public long AllocationPerByte => 0;

    public void Run(ReadOnlySpan<byte> data)
    {
        var input = new FuzzInput(data);
        byte options = input.Byte();
        int mru = 16 * input.Byte();
        int readSize = input.Byte();
        var decoder = HdlcDecoder.ForMru(mru);
        decoder.Fcs = (options & 1) != 0 ? FcsKind.Fcs32 : FcsKind.Fcs16;
        if ((options & 2) != 0)
            decoder.ReceiveAccm = 0;
        var stream = input.TakeRest();
        while (!stream.IsEmpty)
        {
            var read = readSize == 0 ? stream : stream[..Math.Min(readSize, stream.Length)];
            stream = stream[read.Length..];
            while (decoder.TryReadFrame(ref read, out var frame))
            {
                // RFC 1662 4.1 / our bound: a frame never exceeds the buffer sized for the MRU.
                if (frame.Information.Length > decoder.MaxFrameLength)
                    throw new InvariantException($"frame of {frame.Information.Length} octets from a {decoder.MaxFrameLength}-octet buffer");
            }
            if (decoder.BufferedLength > decoder.MaxFrameLength)
                throw new InvariantException($"{decoder.BufferedLength} octets buffered, more than {decoder.MaxFrameLength}");
        }
    }
}
