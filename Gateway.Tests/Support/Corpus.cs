namespace Gateway.Tests.Support;

/// <summary>Finds the shared capture corpus (<c>../shared/corpus</c> beside the repository, or <c>$GATEWAY_CORPUS</c>).</summary>
public static class Corpus
{
    public static string? Directory { get; } = Find();

    public const string MissingReason = "the capture corpus (../shared/corpus beside the repository, or $GATEWAY_CORPUS) is not on this machine";

    public static IReadOnlyList<string> Files(string subdirectory, string pattern)
    {
        if (Directory is null)
            return [];
        string path = Path.Combine(Directory, subdirectory);
        return System.IO.Directory.Exists(path) ? System.IO.Directory.GetFiles(path, pattern).Order(StringComparer.Ordinal).ToArray() : [];
    }

    private static string? Find()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("GATEWAY_CORPUS");
        if (!string.IsNullOrEmpty(fromEnvironment) && System.IO.Directory.Exists(fromEnvironment))
            return fromEnvironment;
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (!File.Exists(Path.Combine(directory.FullName, "Gateway.sln")))
                continue;
            string candidate = Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "corpus"));
            return System.IO.Directory.Exists(candidate) ? candidate : null;
        }

        return null;
    }
}
