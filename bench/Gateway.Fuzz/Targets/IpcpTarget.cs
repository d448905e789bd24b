using Gateway.Core.Ppp;

namespace Gateway.Fuzz;

/// <summary>IPCP packets and options (RFC 1332, RFC 1877 DNS) into a session; seeds start in the Network phase.</summary>
internal sealed class IpcpTarget : SessionTarget
{
    public override string Name => "ipcp";

    public override string Description => "IPCP packets (0x8021) into a PppSession running IPCP";

    protected override ushort Protocol => (ushort)PppProtocol.Ipcp;

    protected override RigOptions Adjust(RigOptions options) => options & ~RigOptions.Member;
}
