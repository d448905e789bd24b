using Gateway.Core.Ppp;

namespace Gateway.Fuzz;

/// <summary>CCP packets (RFC 1962: every compression option refused) into a session; seeds start in the Network phase.</summary>
internal sealed class CcpTarget : SessionTarget
{
    public override string Name => "ccp";

    public override string Description => "CCP packets (0x80FD) into a PppSession running CCP";

    protected override ushort Protocol => (ushort)PppProtocol.Ccp;

    protected override RigOptions Adjust(RigOptions options) => options & ~RigOptions.Member;
}
