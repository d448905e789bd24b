namespace Gateway.Core.Config;

/// <summary>How serious a configuration diagnostic is. Only <see cref="Error"/> fails a check.</summary>
public enum DiagnosticSeverity
{
    /// <summary>Information: how a file was read (for example, the flattened form).</summary>
    Note,

    /// <summary>What ppp(8) itself would warn about and ignore, or what the gateway does not use.</summary>
    Warning,

    /// <summary>The configuration does not mean what it says: a syntax error, a missing file or label, a bad value.</summary>
    Error,
}

/// <summary>One finding about a configuration file, with the file and line it concerns (line 0: the file as a whole or the command line).</summary>
public sealed record ConfigDiagnostic(string File, int Line, DiagnosticSeverity Severity, string Message)
{
    /// <summary>The compiler-style form: <c>file:line: severity: message</c>.</summary>
    public override string ToString() =>
        Line > 0
            ? $"{File}:{Line}: {SeverityName(Severity)}: {Message}"
            : $"{File}: {SeverityName(Severity)}: {Message}";

    public static string SeverityName(DiagnosticSeverity severity) => severity switch
    {
        DiagnosticSeverity.Note => "note",
        DiagnosticSeverity.Warning => "warning",
        _ => "error",
    };
}

/// <summary>Collects diagnostics in the order they are found.</summary>
public sealed class DiagnosticBag
{
    private readonly List<ConfigDiagnostic> items = [];

    public IReadOnlyList<ConfigDiagnostic> Items => items;

    public bool HasErrors => items.Any(d => d.Severity == DiagnosticSeverity.Error);

    public void Add(ConfigDiagnostic diagnostic) => items.Add(diagnostic);

    public void Note(SourceLocation at, string message) => Add(new(at.File, at.Line, DiagnosticSeverity.Note, message));

    public void Warn(SourceLocation at, string message) => Add(new(at.File, at.Line, DiagnosticSeverity.Warning, message));

    public void Error(SourceLocation at, string message) => Add(new(at.File, at.Line, DiagnosticSeverity.Error, message));

    public void AddRange(IEnumerable<ConfigDiagnostic> diagnostics) => items.AddRange(diagnostics);
}

/// <summary>A file and a 1-based line (0 when no line applies).</summary>
public readonly record struct SourceLocation(string File, int Line)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}" : File;
}
