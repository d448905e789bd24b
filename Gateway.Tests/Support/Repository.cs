namespace Gateway.Tests.Support;

/// <summary>The clone the tests were built from: its root holds Gateway.sln, README.md and examples/.</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Gateway.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("Gateway.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A path inside the clone, e.g. <c>Path("examples", "span-isp", "ppp.conf")</c>; fails when it is not there.</summary>
    public static string Path(params string[] parts)
    {
        string path = System.IO.Path.Combine([Root, .. parts]);
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"{string.Join('/', parts)} is not in the repository at {Root}", path);
        return path;
    }
}
