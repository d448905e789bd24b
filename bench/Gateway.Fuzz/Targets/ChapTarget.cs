using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Auth;

namespace Gateway.Fuzz;

/// <summary>CHAP packets (RFC 1994) to a session that authenticates the peer, is authenticated, or both.</summary>
internal sealed class ChapTarget : SessionTarget
{
    // The rig's authentication modes that run CHAP: A checks B, B checks A, both, A by CHAP while B uses PAP.
    private static readonly byte[] ChapModes = [2, 4, 6, 7];

    public override string Name => "chap";

    public override string Description => "CHAP packets (0xC223) into a PppSession in either role";

    protected override ushort Protocol => (ushort)PppProtocol.Chap;

    protected override RigOptions Adjust(RigOptions options) =>
        (options & ~RigOptions.AuthMask) | (RigOptions)(ChapModes[((int)options >> 2) & 3] << 2);

    protected override void Decode(ReadOnlySpan<byte> packet)
    {
        if (!AuthPacket.TryParse(packet, out var parsed))
            return;
        if (ChapValueAndName.TryParse(parsed.Data, out var value) && value.Value.Length + value.Name.Length + 1 > parsed.Data.Length)
            throw new InvariantException("CHAP fields longer than the packet");
    }
}
