namespace Gateway.Core.Config;

/// <summary>One command line of a label, already expanded and tokenized as ppp reads it.</summary>
public sealed record ConfCommand(SourceLocation Location, IReadOnlyList<string> Args)
{
    /// <summary>The command as a person would retype it, with the secret arguments masked.</summary>
    public override string ToString() => CommandText.Format(Args);
}

/// <summary>A label (<c>name:</c> in column 0) and the commands that follow it.</summary>
public sealed record ConfSection(string Label, SourceLocation Location, IReadOnlyList<ConfCommand> Commands);

/// <summary>
/// A ppp.conf-style file (ppp.conf, ppp.linkup, ppp.linkdown) read with its <c>!include</c>s spliced in place:
/// the sections in the order ppp searches them, and what was wrong while reading.
/// </summary>
public sealed class PppConfDocument
{
    public PppConfDocument(string path, ConfigFileStatus status, IReadOnlyList<ConfSection> sections, IReadOnlyList<ConfigDiagnostic> diagnostics)
    {
        Path = path;
        Status = status;
        Sections = sections;
        Diagnostics = diagnostics;
    }

    /// <summary>The top file's path, as given.</summary>
    public string Path { get; }

    /// <summary>Whether the top file itself could be read.</summary>
    public ConfigFileStatus Status { get; }

    public IReadOnlyList<ConfSection> Sections { get; }

    public IReadOnlyList<ConfigDiagnostic> Diagnostics { get; }

    /// <summary>The labels in search order, each once.</summary>
    public IEnumerable<string> Labels => Sections.Select(s => s.Label).Distinct(StringComparer.Ordinal);

    /// <summary>The first section with this label: ppp stops at the first match, labels compare case-sensitively.</summary>
    public ConfSection? Find(string label) => Sections.FirstOrDefault(s => string.Equals(s.Label, label, StringComparison.Ordinal));
}

/// <summary>Shows commands without their secrets.</summary>
public static class CommandText
{
    /// <summary>
    /// Joins the arguments, quoting those that need it, and masks what ppp hides in its own log
    /// (<c>set authkey|key X</c>, <c>set server port X</c>, <c>passwd X</c>), also after a <c>link N</c> prefix.
    /// </summary>
    public static string Format(IReadOnlyList<string> args)
    {
        var start = 0;
        while (args.Count >= start + 2 && IsPrefix(args[start], "link", 1) || args.Count >= start + 2 && IsPrefix(args[start], "datalink", 2))
            start += 2;
        var parts = new string[args.Count];
        for (var i = 0; i < args.Count; i++)
        {
            var hide = IsHidden(args, start, i - start);
            parts[i] = hide ? ConfigSecret.Mask : PppTokenizer.QuoteForChat(args[i]);
        }
        return string.Join(' ', parts);
    }

    private static bool IsPrefix(string word, string command, int minimum) =>
        word.Length >= minimum && command.StartsWith(word, StringComparison.OrdinalIgnoreCase);

    private static bool IsHidden(IReadOnlyList<string> args, int start, int n)
    {
        if (n < 0)
            return false;
        var first = args[start];
        if (n == 2 && first.StartsWith("se", StringComparison.OrdinalIgnoreCase) &&
            (args[start + 1].StartsWith("authk", StringComparison.OrdinalIgnoreCase) || args[start + 1].StartsWith("ke", StringComparison.OrdinalIgnoreCase)))
            return true;
        if (n == 1 && first.StartsWith('p') || n == 1 && first.StartsWith('P'))
            return true;
        return n == 3 && first.StartsWith("se", StringComparison.OrdinalIgnoreCase) && args[start + 1].StartsWith("se", StringComparison.OrdinalIgnoreCase);
    }
}
