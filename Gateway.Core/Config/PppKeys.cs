using Gateway.Core.Crypto;

namespace Gateway.Core.Config;

/// <summary>One line of ppp.keys: <c>authname public-key [label|*]</c>.</summary>
public sealed record PppKeyEntry(string AuthName, X25519PublicKey PublicKey, string? Label, SourceLocation Location);

/// <summary>
/// ppp.keys: the static public keys a receiver accepts for encrypted sublinks, per authname, read like ppp.secret
/// (<see cref="SecretFileLines"/>: quotes, escapes, <c>#</c> comments, diagnostics with file:line). A line is
/// <c>authname base64-public-key [label]</c>; an authname may have several keys (one per device), a key belongs to one
/// authname only, since it identifies one peer to the handshake. Lines that say nothing usable are reported and skipped.
/// <code>
/// # authname   public key (gateway keygen)                     label
/// gw-paris     hHs5RmjSvb5DXE3cUd1I6BPSxQiv61/F/T19G1ne3j0=     "rack 2"
/// </code>
/// </summary>
public sealed class PppKeys
{
    public const string FileKind = "ppp.keys";

    private PppKeys(string path, IReadOnlyList<PppKeyEntry> entries, IReadOnlyList<ConfigDiagnostic> diagnostics)
    {
        Path = path;
        Entries = entries;
        Diagnostics = diagnostics;
    }

    public string Path { get; }

    public IReadOnlyList<PppKeyEntry> Entries { get; }

    public IReadOnlyList<ConfigDiagnostic> Diagnostics { get; }

    public static PppKeys Read(string path, IConfigSource source)
    {
        var file = source.Read(path);
        return SecretFileLines.Unreadable(path, file) is { } unreadable
            ? new PppKeys(path, [], [unreadable])
            : Parse(path, file.Text);
    }

    public static PppKeys Parse(string path, string text)
    {
        var diagnostics = new DiagnosticBag();
        var entries = new List<PppKeyEntry>();
        foreach (var (at, words) in SecretFileLines.Read(path, text, FileKind, diagnostics))
        {
            if (words.Count == 1)
            {
                diagnostics.Error(at, $"'{words[0]}' has no public key; line ignored");
                continue;
            }
            if (!X25519PublicKey.TryParse(words[1], out var key))
            {
                diagnostics.Error(at, $"'{words[1]}' is not a public key ({KeyEncoding.Base64Length} characters of base64, as gateway keygen prints); line ignored");
                continue;
            }
            if (words.Count > 3)
                diagnostics.Warn(at, "more than three fields: the rest are ignored");

            var entry = new PppKeyEntry(words[0], key, SecretFileLines.Optional(words, 2), at);
            var earlier = entries.FirstOrDefault(e => e.PublicKey.Equals(key));
            if (earlier is not null && earlier.AuthName == entry.AuthName)
            {
                diagnostics.Warn(at, $"the same key for '{entry.AuthName}' is at line {earlier.Location.Line}; line ignored");
                continue;
            }
            if (earlier is not null)
            {
                diagnostics.Error(at, $"this key is already '{earlier.AuthName}''s at line {earlier.Location.Line}: a key names one peer; line ignored");
                continue;
            }
            entries.Add(entry);
        }
        return new PppKeys(path, entries, diagnostics.Items);
    }

    /// <summary>Every key listed for <paramref name="authName"/> (case-sensitive, as ppp.secret names).</summary>
    public IEnumerable<PppKeyEntry> ForAuthName(string authName) =>
        Entries.Where(e => string.Equals(e.AuthName, authName, StringComparison.Ordinal));

    /// <summary>The responder's allow-list of these keys (no pre-shared keys: ppp.keys lists none).</summary>
    public PeerAllowList ToAllowList()
    {
        var list = new PeerAllowList();
        foreach (var entry in Entries)
            list.Add(entry.AuthName, entry.PublicKey, entry.Label);
        return list;
    }
}
