namespace Gateway.Core.Config;

/// <summary>
/// One line of ppp.secret: <c>name key [peer-address|range|* [label|* [callback]]]</c>. <see cref="PeerAddress"/>,
/// <see cref="Label"/> and <see cref="Callback"/> are null when absent or <c>*</c>.
/// </summary>
public sealed record PppSecretEntry(string Name, ConfigSecret Key, string? PeerAddress, string? Label, string? Callback, SourceLocation Location);

/// <summary>
/// ppp.secret, read as FreeBSD ppp reads it (auth.c): one entry per line, the line tokenized like a ppp.conf line
/// (quotes, backslash escapes, <c>#</c> comments), lines with fewer than two words skipped. Names compare
/// case-sensitively and the first matching line wins; a name <c>DOMAIN\user</c> that matches no line is looked up
/// again as <c>user</c> (Windows clients send their domain).
/// </summary>
public sealed class PppSecrets
{
    private PppSecrets(string path, IReadOnlyList<PppSecretEntry> entries, IReadOnlyList<ConfigDiagnostic> diagnostics)
    {
        Path = path;
        Entries = entries;
        Diagnostics = diagnostics;
    }

    public static PppSecrets Empty { get; } = new("", [], []);

    public string Path { get; }

    public IReadOnlyList<PppSecretEntry> Entries { get; }

    public IReadOnlyList<ConfigDiagnostic> Diagnostics { get; }

    public static PppSecrets Read(string path, IConfigSource source)
    {
        var file = source.Read(path);
        return SecretFileLines.Unreadable(path, file) is { } unreadable
            ? new PppSecrets(path, [], [unreadable])
            : Parse(path, file.Text);
    }

    public static PppSecrets Parse(string path, string text)
    {
        var diagnostics = new DiagnosticBag();
        var entries = new List<PppSecretEntry>();
        foreach (var (at, args) in SecretFileLines.Read(path, text, "ppp.secret", diagnostics))
        {
            if (args.Count == 1)
            {
                diagnostics.Warn(at, $"'{args[0]}' has no key; ppp skips the line");
                continue;
            }
            if (args.Count > 5)
                diagnostics.Warn(at, "more than five fields: the rest are ignored");

            var entry = new PppSecretEntry(args[0], new ConfigSecret(args[1]), SecretFileLines.Optional(args, 2),
                SecretFileLines.Optional(args, 3), SecretFileLines.Optional(args, 4), at);
            var earlier = entries.FirstOrDefault(e => e.Name == entry.Name);
            if (earlier is not null)
                diagnostics.Warn(at, $"'{entry.Name}' already has a key at line {earlier.Location.Line}; ppp uses the first");
            entries.Add(entry);
        }
        return new PppSecrets(path, entries, diagnostics.Items);
    }

    /// <summary>The first entry for <paramref name="name"/>; failing that, for the part after the last backslash of <c>DOMAIN\user</c>.</summary>
    public bool TryLookup(string name, out PppSecretEntry entry)
    {
        entry = Entries.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.Ordinal))!;
        if (entry is not null)
            return true;
        var slash = name.LastIndexOf('\\');
        if (slash >= 0 && slash < name.Length - 1)
        {
            var user = name[(slash + 1)..];
            entry = Entries.FirstOrDefault(e => string.Equals(e.Name, user, StringComparison.Ordinal))!;
            return entry is not null;
        }
        return false;
    }
}
