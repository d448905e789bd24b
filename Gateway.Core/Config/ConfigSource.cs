namespace Gateway.Core.Config;

/// <summary>What reading one configuration file gave.</summary>
public enum ConfigFileStatus
{
    Read,
    NotFound,
    Unreadable,
}

/// <summary>The text of a configuration file, or why there is none.</summary>
public sealed record ConfigFileText(string Path, ConfigFileStatus Status, string Text, string? Error)
{
    public static ConfigFileText Found(string path, string text) => new(path, ConfigFileStatus.Read, text, null);

    public static ConfigFileText Missing(string path) => new(path, ConfigFileStatus.NotFound, "", "no such file");

    public static ConfigFileText Failed(string path, string error) => new(path, ConfigFileStatus.Unreadable, "", error);
}

/// <summary>
/// Where configuration text comes from. The readers in this folder are pure: they never touch the disk
/// themselves; the program passes a source that does (and tests pass an <see cref="InMemoryConfigSource"/>).
/// </summary>
public interface IConfigSource
{
    ConfigFileText Read(string path);
}

/// <summary>Files held in memory, keyed by path (ordinal).</summary>
public sealed class InMemoryConfigSource : IConfigSource
{
    private readonly Dictionary<string, string> files = new(StringComparer.Ordinal);

    public InMemoryConfigSource Add(string path, string text)
    {
        files[path] = text;
        return this;
    }

    public ConfigFileText Read(string path) =>
        files.TryGetValue(path, out var text) ? ConfigFileText.Found(path, text) : ConfigFileText.Missing(path);
}

/// <summary>Path arithmetic on '/'-separated paths, the way ppp resolves an <c>!include</c> (no disk access).</summary>
public static class ConfigPath
{
    /// <summary>The directory part of <paramref name="path"/> ("" when there is none).</summary>
    public static string DirectoryOf(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash switch
        {
            < 0 => "",
            0 => "/",
            _ => path[..slash],
        };
    }

    /// <summary><paramref name="path"/> if absolute, else relative to <paramref name="directory"/>.</summary>
    public static string Resolve(string directory, string path)
    {
        if (path.StartsWith('/') || directory.Length == 0)
            return Normalize(path);
        return Normalize(directory.EndsWith('/') ? directory + path : directory + "/" + path);
    }

    /// <summary>Removes <c>.</c> and <c>name/..</c> segments, so that one file has one name in loop detection.</summary>
    public static string Normalize(string path)
    {
        var absolute = path.StartsWith('/');
        var parts = new List<string>();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
                continue;
            if (part == ".." && parts.Count > 0 && parts[^1] != "..")
                parts.RemoveAt(parts.Count - 1);
            else
                parts.Add(part);
        }
        var joined = string.Join('/', parts);
        return absolute ? "/" + joined : joined.Length == 0 ? "." : joined;
    }
}
