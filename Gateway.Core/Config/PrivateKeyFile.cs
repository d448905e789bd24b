using Gateway.Core.Crypto;

namespace Gateway.Core.Config;

/// <summary>
/// A private-key file, as WireGuard keeps one: the key in base64 on one line (what the first line of
/// <c>gateway keygen</c> prints). Blank lines and <c>#</c> comment lines around it are allowed, nothing else. Reading
/// it is pure; checking that only its owner may read it is the program's business, as it touches the disk.
/// </summary>
public sealed class PrivateKeyFile
{
    public const string FileKind = "private-key file";

    private PrivateKeyFile(KeyPair? keyPair, IReadOnlyList<ConfigDiagnostic> diagnostics)
    {
        KeyPair = keyPair;
        Diagnostics = diagnostics;
    }

    /// <summary>The key pair, or null when the file gave none (see <see cref="Diagnostics"/>). The caller disposes it.</summary>
    public KeyPair? KeyPair { get; }

    public IReadOnlyList<ConfigDiagnostic> Diagnostics { get; }

    public static PrivateKeyFile Read(string path, IConfigSource source)
    {
        var file = source.Read(path);
        return SecretFileLines.Unreadable(path, file) is { } unreadable
            ? new PrivateKeyFile(null, [unreadable])
            : Parse(path, file.Text);
    }

    public static PrivateKeyFile Parse(string path, string text)
    {
        var diagnostics = new DiagnosticBag();
        string? keyText = null;
        var keyLine = 0;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var at = new SourceLocation(path, i + 1);
            if (keyText is not null)
            {
                diagnostics.Error(at, $"a second key (the first is at line {keyLine}): a {FileKind} holds one; file ignored");
                return new PrivateKeyFile(null, diagnostics.Items);
            }
            keyText = line;
            keyLine = i + 1;
        }
        if (keyText is null)
        {
            diagnostics.Error(new(path, 0), $"no key: a {FileKind} is one line of base64 (gateway keygen)");
            return new PrivateKeyFile(null, diagnostics.Items);
        }
        if (!KeyPair.TryParse(keyText, out var pair))
        {
            // never echo the line: it may be a real key with a typo in it
            diagnostics.Error(new(path, keyLine), $"not a private key ({KeyEncoding.Base64Length} characters of base64); file ignored");
            return new PrivateKeyFile(null, diagnostics.Items);
        }
        return new PrivateKeyFile(pair, diagnostics.Items);
    }

    /// <summary>The file's text for <paramref name="keyPair"/>.</summary>
    public static string Format(KeyPair keyPair) => keyPair.PrivateKeyToBase64() + "\n";
}
