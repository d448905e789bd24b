using System.Runtime.CompilerServices;
using Gateway.Core.Config;
using Gateway.Tests.Support;
using Gateway.Web.Cli;

namespace Gateway.Tests.Config;

/// <summary>The seed (FreeBSD's span-isp example, <c>Fixtures/seed</c>) and the golden files (beside this source file).</summary>
internal static class SeedFiles
{
    /// <summary>The seed's folder; a missing seed fails the test.</summary>
    public static string Directory => Fixtures.SeedDirectory;

    public static string Path_(string name) => Fixtures.Path("seed", name);

    public static string GoldenDirectory([CallerFilePath] string source = "") => Path.Combine(Path.GetDirectoryName(source)!, "Golden");

    public static GatewayModelResult Build(string conf, string linkup, string linkdown, string secret)
    {
        var disk = new DiskConfigSource();
        return GatewayModelBuilder.Build(new GatewayConfigFiles(
            PppConfReader.Read(Path_(conf), disk),
            LinkScripts.Read(Path_(linkup), disk),
            LinkScripts.Read(Path_(linkdown), disk),
            PppSecrets.Read(Path_(secret), disk),
            ServiceTable.BuiltInOnly));
    }
}
