using System.Text.Json.Serialization;

namespace Gateway.Core.Config;

/// <summary>What a ppp.linkup or ppp.linkdown command means to the gateway.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LinkActionKind>))]
public enum LinkActionKind
{
    /// <summary><c>!bg ppp -background SUBLINK... BUNDLE</c>: start a member link of bundle BUNDLE (here: in this process).</summary>
    StartSublink,

    /// <summary><c>!bg pppctl SOCKET link N close</c>: close member link N of the bundle that owns SOCKET.</summary>
    CloseSublink,

    /// <summary><c>set server SOCKET ...</c>: the bundle's diagnostic socket, which pppctl finds it by.</summary>
    SetServer,

    /// <summary>Anything else: not used by the gateway.</summary>
    Other,
}

/// <summary>
/// One understood command of a link script. For <see cref="LinkActionKind.StartSublink"/>, <see cref="Labels"/> are the
/// ppp.conf labels of the new invocation and <see cref="Bundle"/> the last of them (ppp's LABEL); for
/// <see cref="LinkActionKind.CloseSublink"/>, <see cref="Sublink"/> is the link name and <see cref="Socket"/> the
/// diagnostic socket given to pppctl.
/// </summary>
public sealed record LinkAction(
    LinkActionKind Kind,
    IReadOnlyList<string> Labels,
    string? Bundle,
    string? Sublink,
    string? Socket,
    string Text,
    [property: JsonIgnore] SourceLocation Location);

/// <summary>
/// ppp.linkup or ppp.linkdown: the same reader as ppp.conf. When a link's IPCP comes up (or goes down) ppp runs the
/// first section found of: its address as a dotted string, its label, then <c>MYADDR</c> (ipcp.c). In the seed,
/// an ISP link's section starts or closes the matching Multilink member link with <c>!bg ppp</c> and
/// <c>!bg pppctl</c>; here both live in one process, so those become <see cref="LinkAction"/>s.
/// </summary>
public sealed class LinkScripts
{
    private LinkScripts(PppConfDocument document, IReadOnlyList<ConfigDiagnostic> diagnostics)
    {
        Document = document;
        Diagnostics = diagnostics;
    }

    public static LinkScripts None { get; } = new(new PppConfDocument("", ConfigFileStatus.NotFound, [], []), []);

    public PppConfDocument Document { get; }

    /// <summary>The reader's diagnostics and those about commands the gateway does not understand.</summary>
    public IReadOnlyList<ConfigDiagnostic> Diagnostics { get; }

    public static LinkScripts Read(string path, IConfigSource source, ConfReadOptions? options = null)
    {
        var document = PppConfReader.Read(path, source, options);
        var diagnostics = new DiagnosticBag();
        diagnostics.AddRange(document.Diagnostics);
        foreach (var section in document.Sections)
        {
            foreach (var command in section.Commands)
            {
                var action = Interpret(command);
                if (action.Kind == LinkActionKind.Other)
                    diagnostics.Warn(command.Location, $"{action.Text}: not used by the gateway (only '!bg ppp ... LABELS', '!bg pppctl SOCKET link N close' and 'set server' are understood here)");
            }
        }
        return new LinkScripts(document, diagnostics.Items);
    }

    /// <summary>The section ppp would run for a link with this address (dotted, may be null before IPCP) and label.</summary>
    public ConfSection? Select(string? address, string? label) =>
        (address is null ? null : Document.Find(address))
        ?? (label is null ? null : Document.Find(label))
        ?? Document.Find("MYADDR");

    /// <summary>The actions of the section ppp would run, in order.</summary>
    public IReadOnlyList<LinkAction> ActionsFor(string? address, string? label) =>
        Select(address, label)?.Commands.Select(Interpret).ToList() ?? [];

    /// <summary>Understands one command of a link script.</summary>
    public static LinkAction Interpret(ConfCommand command)
    {
        var args = command.Args;
        var text = command.ToString();
        LinkAction Other() => new(LinkActionKind.Other, [], null, null, null, text, command.Location);

        if (args.Count == 0)
            return Other();
        var verb = args[0];
        var isShell = verb is "!bg" or "!" || (verb.Length >= 2 && "bg".StartsWith(verb, StringComparison.OrdinalIgnoreCase))
            || (verb.Length >= 2 && "shell".StartsWith(verb, StringComparison.OrdinalIgnoreCase));
        if (isShell && args.Count >= 2)
        {
            var program = args[1][(args[1].LastIndexOf('/') + 1)..];
            if (program == "ppp")
                return StartSublink(args.Skip(2).ToList(), text, command.Location) ?? Other();
            if (program == "pppctl")
                return CloseSublink(args.Skip(2).ToList(), text, command.Location) ?? Other();
            return Other();
        }

        if (args.Count >= 3 && verb.Length >= 2 && "set".StartsWith(verb, StringComparison.OrdinalIgnoreCase)
            && args[1].Length >= 2 && ("server".StartsWith(args[1], StringComparison.OrdinalIgnoreCase) || "socket".StartsWith(args[1], StringComparison.OrdinalIgnoreCase)))
            return new LinkAction(LinkActionKind.SetServer, [], null, null, args[2], text, command.Location);
        return Other();
    }

    /// <summary>ppp's own options that take a value (main.c): only <c>-unit N</c>.</summary>
    private static readonly string[] PppOptionsWithValue = ["-unit"];

    private static LinkAction? StartSublink(List<string> args, string text, SourceLocation at)
    {
        var labels = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg.StartsWith('-') && labels.Count == 0)
            {
                if (PppOptionsWithValue.Contains(arg, StringComparer.OrdinalIgnoreCase) || (arg.StartsWith("-unit", StringComparison.OrdinalIgnoreCase) && arg.Length == 5))
                    i++;
                continue;
            }
            labels.Add(arg);
        }
        return labels.Count == 0 ? null : new LinkAction(LinkActionKind.StartSublink, labels, labels[^1], null, null, text, at);
    }

    private static LinkAction? CloseSublink(List<string> args, string text, SourceLocation at)
    {
        var i = 0;
        while (i < args.Count && args[i].StartsWith('-'))
        {
            // pppctl's -t timeout and -p password take a value; -v does not.
            if (args[i] is "-t" or "-p")
                i++;
            i++;
        }
        if (i >= args.Count)
            return null;
        var socket = args[i];
        var words = string.Join(' ', args.Skip(i + 1)).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var command in words)
        {
            var parts = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 3 && IsPrefix(parts[0], "link", "datalink") && IsPrefix(parts[2], "close", null))
                return new LinkAction(LinkActionKind.CloseSublink, [], null, parts[1], socket, text, at);
        }
        return null;
    }

    private static bool IsPrefix(string word, string name, string? alias) =>
        word.Length > 0 && (name.StartsWith(word, StringComparison.OrdinalIgnoreCase) || (alias?.StartsWith(word, StringComparison.OrdinalIgnoreCase) ?? false));
}
