using Gateway.Core.Config;

namespace Gateway.Fuzz;

/// <summary>
/// ppp.linkup and ppp.linkdown (<see cref="LinkScripts"/>): read, every section's actions interpreted, and the pair
/// given to <see cref="GatewayModelBuilder"/> with the seed's ppp.conf (the linkup decides which labels are ISP
/// links). Input: ppp.linkup, NUL, ppp.linkdown.
/// </summary>
internal sealed class LinkScriptsTarget : IFuzzTarget
{
    private static readonly PppConfDocument SeedConf = PppConfReader.Read(
        "/etc/ppp/ppp.conf", new InMemoryConfigSource().Add("/etc/ppp/ppp.conf", EmbeddedSeeds.PppConf));

    public string Name => "linkscripts";

    public string Description => "LinkScripts.Read, ActionsFor and GatewayModelBuilder on ppp.linkup / ppp.linkdown text";

    public long AllocationBase => 2 * 1024 * 1024;

    public long AllocationPerByte => 4 * 1024;

    public void Run(ReadOnlySpan<byte> data)
    {
        string up = TextInput.Split(data, out var rest);
        string down = TextInput.Decode(rest);
        var source = new InMemoryConfigSource().Add("/etc/ppp/ppp.linkup", up).Add("/etc/ppp/ppp.linkdown", down);
        var linkUp = LinkScripts.Read("/etc/ppp/ppp.linkup", source);
        var linkDown = LinkScripts.Read("/etc/ppp/ppp.linkdown", source);
        foreach (var section in linkUp.Document.Sections)
            linkUp.ActionsFor(section.Label, section.Label);
        linkDown.ActionsFor("10.0.0.1", "isp1");
        GatewayModelBuilder.Build(new GatewayConfigFiles(SeedConf, linkUp, linkDown));
    }
}
