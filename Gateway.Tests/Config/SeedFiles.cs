using System.Runtime.CompilerServices;
using Gateway.Core.Config;
using Gateway.Web.Cli;

namespace Gateway.Tests.Config;

/// <summary>Finds the seed (shared/seed, beside the clone) and the golden files (beside this source file).</summary>
internal static class SeedFiles
{
    private static readonly Lazy<string?> Directory_ = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "seed");
            if (File.Exists(Path.Combine(candidate, "ppp.conf.span-isp")))
                return candidate;
        }
        return null;
    });

    public static string? Directory => Directory_.Value;

    /// <summary>Skips the test, saying why, when the seed is not beside the clone.</summary>
    public static string Require()
    {
        Skip.If(Directory is null, "the seed (shared/seed with ppp.conf.span-isp) was not found above the test assembly directory");
        return Directory!;
    }

    public static string Path_(string name) => Path.Combine(Require(), name);

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
