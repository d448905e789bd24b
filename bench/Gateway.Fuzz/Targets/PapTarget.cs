using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Auth;

namespace Gateway.Fuzz;

/// <summary>PAP packets (RFC 1334 2) to a session that authenticates the peer, is authenticated, or both.</summary>
internal sealed class PapTarget : SessionTarget
{
    // The rig's authentication modes that run PAP: A checks B, B checks A, both.
    private static readonly byte[] PapModes = [1, 3, 5, 7];

    public override string Name => "pap";

    public override string Description => "PAP packets (0xC023) into a PppSession in either role";

    protected override ushort Protocol => (ushort)PppProtocol.Pap;

    protected override RigOptions Adjust(RigOptions options) =>
        (options & ~RigOptions.AuthMask) | (RigOptions)(PapModes[((int)options >> 2) & 3] << 2);

    protected override void Decode(ReadOnlySpan<byte> packet)
    {
        if (!AuthPacket.TryParse(packet, out var parsed))
            return;
        if (PapRequest.TryParse(parsed.Data, out var request) && request.PeerId.Length + request.Password.Length + 2 > parsed.Data.Length)
            throw new InvariantException("PAP fields longer than the packet");
        PapReply.ReadMessage(parsed.Data, out _);
    }
}
