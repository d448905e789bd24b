namespace Gateway.Core.Config;

/// <summary>How variables and home directories are expanded while reading (ppp's <c>InterpretArg</c>).</summary>
public sealed class ConfReadOptions
{
    public static ConfReadOptions Default { get; } = new();

    /// <summary>Values of <c>$VAR</c>; unset variables expand to nothing, as in ppp.</summary>
    public Func<string, string?> Environment { get; init; } = _ => null;

    /// <summary>Home directory of a user (null: the current user) for <c>~</c>; null keeps the <c>~</c>.</summary>
    public Func<string?, string?>? HomeDirectory { get; init; }
}

/// <summary>
/// Reads ppp.conf-style files with FreeBSD ppp's rules (systems.c): a label is <c>name:</c> in column 0 and owns
/// the indented lines after it; whole-line and trailing <c>#</c> comments; a trailing backslash joins the next
/// line; <c>!include FILE</c> in column 0 splices another file in; a column-0 line that is not a label is a bad
/// label (warned about, and it ends the label above). A file with no indented line at all but column-0 lines that
/// are not labels is read in the flattened form: such lines belong to the label above them.
/// Nothing here throws on any input.
/// </summary>
public static class PppConfReader
{
    /// <summary>The longest line ppp's <c>fgets(buf, LINE_LEN - 1)</c> reads whole.</summary>
    public const int MaxLineLength = PppTokenizer.LineLength - 2;

    public static PppConfDocument Read(string path, IConfigSource source, ConfReadOptions? options = null)
    {
        options ??= ConfReadOptions.Default;
        var diagnostics = new DiagnosticBag();
        var sections = new List<ConfSection>();
        var top = source.Read(path);
        if (top.Status != ConfigFileStatus.Read)
        {
            diagnostics.Error(new(path, 0), top.Status == ConfigFileStatus.NotFound ? "cannot open: no such file" : $"cannot read: {top.Error}");
            return new PppConfDocument(path, top.Status, sections, diagnostics.Items);
        }

        var reader = new FileReader(source, options, diagnostics, sections, ConfigPath.DirectoryOf(path));
        reader.ReadFile(path, top.Text, [ConfigPath.Normalize(path)]);
        WarnDuplicates(sections, diagnostics);
        return new PppConfDocument(path, ConfigFileStatus.Read, sections, diagnostics.Items);
    }

    private static void WarnDuplicates(List<ConfSection> sections, DiagnosticBag diagnostics)
    {
        var first = new Dictionary<string, ConfSection>(StringComparer.Ordinal);
        foreach (var section in sections)
        {
            if (first.TryGetValue(section.Label, out var earlier))
                diagnostics.Warn(section.Location, $"label '{section.Label}' is already defined at {earlier.Location}; ppp uses the first one");
            else
                first[section.Label] = section;
        }
    }

    private sealed record LogicalLine(int Number, string Text);

    private sealed class FileReader(IConfigSource source, ConfReadOptions options, DiagnosticBag diagnostics, List<ConfSection> sections, string confDirectory)
    {
        public void ReadFile(string path, string text, IReadOnlyList<string> includeStack)
        {
            var nul = text.IndexOf('\0');
            if (nul >= 0)
            {
                var line = 1 + text.AsSpan(0, nul).Count('\n');
                diagnostics.Error(new(path, line), "binary file (a NUL byte): not a ppp configuration; file ignored");
                return;
            }
            if (text.Length == 0)
            {
                diagnostics.Warn(new(path, 1), "empty file: no labels");
                return;
            }

            var lines = JoinContinuations(path, text);
            var flattened = IsFlattened(lines);
            if (flattened)
                diagnostics.Note(new(path, 1), "no command line is indented: reading the flattened form (a column-0 line that is not a label belongs to the label above it)");

            string? label = null;
            SourceLocation labelAt = default;
            List<ConfCommand>? commands = null;
            var orphanWarned = false;

            void Close()
            {
                if (label is not null)
                    sections.Add(new ConfSection(label, labelAt, commands!));
                label = null;
                commands = null;
            }

            foreach (var line in lines)
            {
                var at = new SourceLocation(path, line.Number);
                if (line.Text.Length > MaxLineLength)
                {
                    diagnostics.Error(at, $"line of {line.Text.Length} characters: ppp reads at most {MaxLineLength} and would split it; line ignored");
                    continue;
                }

                var indented = line.Text.Length > 0 && line.Text[0] is ' ' or '\t';
                var stripped = line.Text.Trim(' ', '\t', '\r', '\n');
                if (stripped.Length == 0 || stripped[0] == '#')
                    continue;

                if (!indented)
                {
                    if (stripped[0] == '!' && (!flattened || IsInclude(stripped)))
                    {
                        Close();
                        orphanWarned = false;
                        Directive(at, stripped, includeStack);
                        continue;
                    }

                    var name = LabelOf(stripped);
                    if (name is not null)
                    {
                        Close();
                        orphanWarned = false;
                        label = name;
                        labelAt = at;
                        commands = [];
                        continue;
                    }

                    if (!flattened)
                    {
                        diagnostics.Warn(at, $"bad label '{Shorten(stripped)}' (missing colon); ppp ignores it and the indented lines after it");
                        Close();
                        orphanWarned = true;
                        continue;
                    }

                    if (commands is null)
                    {
                        diagnostics.Warn(at, $"'{Shorten(stripped)}' comes before the first label; ignored");
                        continue;
                    }
                }
                else if (commands is null)
                {
                    if (!orphanWarned)
                        diagnostics.Warn(at, "indented line outside any label; ppp ignores it");
                    orphanWarned = true;
                    continue;
                }

                var command = Command(at, stripped);
                if (command is not null)
                    commands!.Add(command);
            }
            Close();
        }

        private List<LogicalLine> JoinContinuations(string path, string text)
        {
            var physical = text.Split('\n');
            var count = physical.Length;
            if (text.EndsWith('\n'))
                count--;
            var result = new List<LogicalLine>(count);
            for (var i = 0; i < count; i++)
            {
                var number = i + 1;
                var current = physical[i].TrimEnd('\r');
                while (current.EndsWith('\\'))
                {
                    current = current[..^1];
                    if (i + 1 >= count)
                    {
                        diagnostics.Warn(new(path, i + 1), "backslash continuation at end of file: there is no next line to join");
                        break;
                    }
                    i++;
                    current += physical[i].TrimEnd('\r');
                    if (current.Length > MaxLineLength * 4)
                        break;
                }
                result.Add(new LogicalLine(number, current));
            }
            return result;
        }

        private static bool IsFlattened(List<LogicalLine> lines)
        {
            var anyIndented = false;
            var anyLabel = false;
            var anyBadLabel = false;
            foreach (var line in lines)
            {
                if (line.Text.Length > MaxLineLength)
                    continue;
                var stripped = line.Text.Trim(' ', '\t', '\r');
                if (stripped.Length == 0 || stripped[0] == '#')
                    continue;
                if (line.Text[0] is ' ' or '\t')
                    anyIndented = true;
                else if (LabelOf(stripped) is not null)
                    anyLabel = true;
                else if (stripped[0] != '!')
                    anyBadLabel = true;
            }
            return !anyIndented && anyLabel && anyBadLabel;
        }

        /// <summary>ppp's <c>GetLabel</c>: one word ending in ':' (at least one character before it), or a word and a lone ':'.</summary>
        internal static string? LabelOf(string stripped)
        {
            var tokens = PppTokenizer.Tokenize(stripped, TokenizeFlags.Reduce);
            if (tokens.UnterminatedQuote)
                return null;
            var args = tokens.Args;
            if (args.Count == 2 && args[1] == ":")
                return args[0];
            if (args.Count == 1 && args[0].Length >= 2 && args[0].EndsWith(':'))
                return args[0][..^1];
            return null;
        }

        private static bool IsInclude(string stripped) =>
            stripped.Length > 9 && stripped.AsSpan(1, 7).Equals("include", StringComparison.OrdinalIgnoreCase) && stripped[8] is ' ' or '\t';

        private void Directive(SourceLocation at, string stripped, IReadOnlyList<string> includeStack)
        {
            if (!IsInclude(stripped))
            {
                diagnostics.Warn(at, $"{Shorten(stripped)}: invalid command (only !include is understood in column 0)");
                return;
            }

            var expanded = PppTokenizer.Expand(stripped[9..], options.Environment, options.HomeDirectory);
            var tokens = PppTokenizer.Tokenize(expanded, TokenizeFlags.Reduce);
            if (tokens.UnterminatedQuote || tokens.Args.Count != 1 || tokens.Args[0].Length == 0)
            {
                diagnostics.Error(at, "usage: !include filename");
                return;
            }

            // ppp resolves a relative name in its configuration directory (/etc/ppp); here that is the directory of the file given to the gateway.
            var target = ConfigPath.Resolve(confDirectory, tokens.Args[0]);
            if (includeStack.Contains(target, StringComparer.Ordinal))
            {
                diagnostics.Error(at, $"!include loop: {string.Join(" -> ", includeStack)} -> {target}; not included again");
                return;
            }

            var file = source.Read(target);
            if (file.Status != ConfigFileStatus.Read)
            {
                diagnostics.Error(at, file.Status == ConfigFileStatus.NotFound
                    ? $"!include {tokens.Args[0]}: cannot open {target}: no such file"
                    : $"!include {tokens.Args[0]}: cannot read {target}: {file.Error}");
                return;
            }

            ReadFile(target, file.Text, [.. includeStack, target]);
        }

        private ConfCommand? Command(SourceLocation at, string stripped)
        {
            var expanded = PppTokenizer.Expand(stripped, options.Environment, options.HomeDirectory);
            var tokens = PppTokenizer.Tokenize(expanded, TokenizeFlags.Reduce);
            if (tokens.UnterminatedQuote)
            {
                diagnostics.Error(at, "unterminated double quote (ppp: syntax error); line ignored");
                return null;
            }
            if (tokens.Truncated)
                diagnostics.Warn(at, $"more than {PppTokenizer.MaxArgs - 1} arguments: ppp ignores the rest");
            return tokens.Args.Count == 0 ? null : new ConfCommand(at, tokens.Args);
        }

        private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
    }
}
