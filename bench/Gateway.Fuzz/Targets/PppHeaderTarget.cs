using Gateway.Core.Ppp.Framing;
using Gateway.Core.Ppp.Multilink;

namespace Gateway.Fuzz;

/// <summary>
/// The PPP header (RFC 1661 2, address and control fields and protocol, compressed or not) and the protocol
/// field inside a reassembled Multilink packet (RFC 1990 3). Input: one frame.
/// </summary>
internal sealed class PppHeaderTarget : IFuzzTarget
{
    public string Name => "ppp-header";

    public string Description => "PppHeader.TryRead and MpHeaderCodec.TryReadProtocol on one frame";

    public long AllocationBase => 4 * 1024;

    public long AllocationPerByte => 0;

    public void Run(ReadOnlySpan<byte> data)
    {
        if (PppHeader.TryRead(data, out var frame) == PppHeaderStatus.Ok)
        {
            int header = data.Length - frame.Information.Length;
            if (header is < 1 or > PppHeader.MaxLength)
                throw new InvariantException($"a header of {header} octets");
        }
        if (MpHeaderCodec.TryReadProtocol(data, out _, out int fieldLength) && fieldLength is < 1 or > 2)
            throw new InvariantException($"a protocol field of {fieldLength} octets");
    }
}
