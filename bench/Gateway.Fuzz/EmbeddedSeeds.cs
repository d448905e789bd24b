using System.Reflection;

namespace Gateway.Fuzz;

/// <summary>The seed configuration some targets build on (a copy of the seed's ppp.conf, embedded in the program).</summary>
internal static class EmbeddedSeeds
{
    public static string PppConf { get; } = Read("ppp.conf");

    private static string Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Gateway.Fuzz.{name}")
            ?? throw new InvalidOperationException($"resource {name} missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
