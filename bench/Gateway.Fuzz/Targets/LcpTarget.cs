using Gateway.Core.Ppp;

namespace Gateway.Fuzz;

/// <summary>LCP packets and options (RFC 1661 5, 6; RFC 1990 5 for the Multilink options) into a session in any phase.</summary>
internal sealed class LcpTarget : SessionTarget
{
    public override string Name => "lcp";

    public override string Description => "LCP packets (0xC021) into a PppSession, any phase, async or sync";

    protected override ushort Protocol => (ushort)PppProtocol.Lcp;
}
