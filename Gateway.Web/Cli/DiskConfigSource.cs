using System.Text;
using Gateway.Core.Config;

namespace Gateway.Web.Cli;

/// <summary>Reads configuration files from the disk for the pure readers of Gateway.Core.Config.</summary>
public sealed class DiskConfigSource : IConfigSource
{
    /// <summary>Configuration files are small; anything larger is refused rather than read into memory.</summary>
    public const long MaxBytes = 16 * 1024 * 1024;

    public ConfigFileText Read(string path)
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
