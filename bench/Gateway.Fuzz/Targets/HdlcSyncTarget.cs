using Gateway.Core.Ppp.Framing;

namespace Gateway.Fuzz;

/// <summary>The sync framing (one frame per datagram, FreeBSD's <c>host:port/udp</c>). Input: records, each a datagram.</summary>
internal sealed class HdlcSyncTarget : IFuzzTarget
{
    public string Name => "hdlc-sync";

    public string Description => "SyncFrameDecoder.TryDecode per datagram";

    public long AllocationBase => 16 * 1024;

    public long AllocationPerByte => 0;

    public void Run(ReadOnlySpan<byte> data)
    {
        var input = new FuzzInput(data);
        var decoder = new SyncFrameDecoder();
        while (!input.IsEmpty)
        {
            var datagram = input.Chunk();
            if (decoder.TryDecode(datagram, out var frame) && frame.Information.Length > datagram.Length)
                throw new InvariantException("information longer than the datagram");
        }
    }
}
