namespace Gateway.Tests.Support;

/// <summary>
/// The test fixtures (<c>Gateway.Tests/Fixtures</c>, copied beside the test assembly; see its README for where each
/// file comes from). A missing fixture is a broken checkout, so it fails the test: it never skips.
/// </summary>
public static class Fixtures
{
    /// <summary>The fixtures folder beside the test assembly.</summary>
    public static string Root { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures");

    /// <summary>The full path of a fixture, e.g. <c>Path("seed", "ppp.conf.span-isp")</c>.</summary>
    /// <exception cref="FileNotFoundException">The fixture is not there.</exception>
    public static string Path(params string[] parts)
    {
        string path = System.IO.Path.Combine([Root, .. parts]);
        if (!File.Exists(path))
            throw new FileNotFoundException($"test fixture {string.Join('/', parts)} is missing (expected at {path}; see Gateway.Tests/Fixtures/README.md)", path);
        return path;
    }

    /// <summary>The seed's folder (FreeBSD's span-isp example files).</summary>
    public static string SeedDirectory => System.IO.Path.GetDirectoryName(Path("seed", "ppp.conf.span-isp"))!;

    /// <summary>The fixture files of one folder matching <paramref name="pattern"/>, by name; fails when there are none.</summary>
    public static IReadOnlyList<string> Files(string folder, string pattern)
    {
        string directory = System.IO.Path.Combine(Root, folder);
        string[] files = Directory.Exists(directory) ? Directory.GetFiles(directory, pattern) : [];
        if (files.Length == 0)
            throw new FileNotFoundException($"no test fixtures {folder}/{pattern} (expected in {directory}; see Gateway.Tests/Fixtures/README.md)");
        return files.Order(StringComparer.Ordinal).ToArray();
    }
}
