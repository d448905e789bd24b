using System.Text;
using Gateway.Core.Config;

namespace Gateway.Web.Cli;

/// <summary>
/// Reads configuration files from the disk for the pure readers of Gateway.Core.Config. A relative path that does
/// not exist from the current directory is tried from <paramref name="alternateBase"/>: the program passes the
/// shell's <c>$PWD</c>, because <c>dotnet run</c> starts a web project in its own directory, so that
/// <c>dotnet run --project Gateway.Web -- check examples/span-isp/ppp.conf</c> means what it says from the repository root.
/// </summary>
public sealed class DiskConfigSource(string? alternateBase = null) : IConfigSource
{
    /// <summary>Configuration files are small; anything larger is refused rather than read into memory.</summary>
    public const long MaxBytes = 16 * 1024 * 1024;

    public ConfigFileText Read(string path)
    {
        var text = ReadExactly(path);
        if (text.Status == ConfigFileStatus.NotFound && alternateBase is { Length: > 0 } && !Path.IsPathRooted(path)
            && !string.Equals(Path.GetFullPath(alternateBase), Environment.CurrentDirectory, StringComparison.Ordinal))
        {
            var alternate = ReadExactly(Path.Combine(alternateBase, path));
            if (alternate.Status != ConfigFileStatus.NotFound)
                return alternate with { Path = path };
        }
        return text;
    }

    private static ConfigFileText ReadExactly(string path)
    {
        try
        {
            if (Directory.Exists(path))
                return ConfigFileText.Failed(path, "is a directory");
            var info = new FileInfo(path);
            if (!info.Exists)
                return ConfigFileText.Missing(path);
            if (info.Length > MaxBytes)
                return ConfigFileText.Failed(path, $"larger than {MaxBytes} bytes");
            var bytes = File.ReadAllBytes(path);
            return ConfigFileText.Found(path, new UTF8Encoding(false, false).GetString(bytes));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            return ConfigFileText.Failed(path, e.Message);
        }
    }
}
