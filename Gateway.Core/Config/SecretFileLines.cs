namespace Gateway.Core.Config;

/// <summary>One non-empty, non-comment line of a ppp.secret-like file: its words and where it stands.</summary>
public readonly record struct SecretFileLine(SourceLocation Location, IReadOnlyList<string> Words);

/// <summary>
/// The line reading that ppp.secret and the files modelled on it (ppp.keys) share, as FreeBSD ppp's auth.c reads
/// ppp.secret: one entry per line, each line tokenized like a ppp.conf line (quotes, backslash escapes, <c>#</c>
/// comments). A file with a NUL byte is refused whole; a line too long for ppp or with an open quote is refused alone.
/// </summary>
public static class SecretFileLines
{
    /// <summary>
    /// The lines of <paramref name="text"/> that carry words, read lazily so that the caller's diagnostics about a
    /// line and these come out in line order. Problems go to <paramref name="diagnostics"/>, naming the file as a
    /// <paramref name="fileKind"/> (e.g. "ppp.secret").
    /// </summary>
    public static IEnumerable<SecretFileLine> Read(string path, string text, string fileKind, DiagnosticBag diagnostics)
    {
        var nul = text.IndexOf('\0');
        if (nul >= 0)
        {
            diagnostics.Error(new(path, 1 + text.AsSpan(0, nul).Count('\n')), $"binary file (a NUL byte): not a {fileKind}; file ignored");
            yield break;
        }

        var lines = text.Split('\n');
        var count = text.EndsWith('\n') ? lines.Length - 1 : lines.Length;
        for (var i = 0; i < count; i++)
        {
            var at = new SourceLocation(path, i + 1);
            var line = lines[i].TrimEnd('\r');
            if (line.Length > PppConfReader.MaxLineLength)
            {
                diagnostics.Error(at, $"line of {line.Length} characters: ppp reads at most {PppConfReader.MaxLineLength} and would split it; line ignored");
                continue;
            }
            if (line.StartsWith('#'))
                continue;
            var tokens = PppTokenizer.Tokenize(line, TokenizeFlags.Reduce);
            if (tokens.UnterminatedQuote)
            {
                diagnostics.Error(at, "unterminated double quote (ppp: invalid line); line ignored");
                continue;
            }
            if (tokens.Args.Count > 0)
                yield return new SecretFileLine(at, tokens.Args);
        }
    }

    /// <summary>Field <paramref name="n"/> of a line, null when absent or <c>*</c> (ppp.secret's "none").</summary>
    public static string? Optional(IReadOnlyList<string> words, int n) => words.Count > n && words[n] != "*" ? words[n] : null;

    /// <summary>The diagnostic for a file that could not be read, or null when it was.</summary>
    public static ConfigDiagnostic? Unreadable(string path, ConfigFileText file) =>
        file.Status == ConfigFileStatus.Read
            ? null
            : new ConfigDiagnostic(path, 0, DiagnosticSeverity.Error,
                file.Status == ConfigFileStatus.NotFound ? "cannot open: no such file" : $"cannot read: {file.Error}");
}
