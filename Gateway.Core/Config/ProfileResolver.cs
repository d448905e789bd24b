namespace Gateway.Core.Config;

/// <summary>A resolved invocation and what was found on the way.</summary>
public sealed record ProfileResolution(PppProfile Profile, IReadOnlyList<ConfigDiagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
}

/// <summary>
/// Runs the commands of ppp.conf labels the way <c>ppp LABEL...</c> does: <c>default</c> first (if it exists), then
/// each label in order, the last label being the bundle's LABEL. Commands are matched case-insensitively by any
/// unique prefix (command.c). What ppp would refuse, or what the gateway does not use, becomes a diagnostic with
/// the file and line; the command is otherwise ignored, as ppp ignores it. Nothing throws.
/// </summary>
public sealed partial class ProfileResolver
{
    /// <summary>ppp's MIN_MRU / MAX_MRU (and the same bounds for the MTU).</summary>
    public const int MinMru = 296, MaxMru = 2048;

    /// <summary>How deep <c>load</c> and <c>link</c> may nest before the resolver stops (a loop is caught before that).</summary>
    private const int MaxDepth = 64;

    private static readonly int[] Speeds =
        [50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 7200, 9600, 14400, 19200, 28800, 38400, 57600, 76800, 115200, 230400, 460800, 921600];

    private readonly PppConfDocument document;
    private readonly ServiceTable services;
    private readonly DiagnosticBag diagnostics = new();
    private readonly List<string> running = [];
    private PppProfile profile = null!;

    private ProfileResolver(PppConfDocument document, ServiceTable services)
    {
        this.document = document;
        this.services = services;
    }

    /// <summary>Resolves <c>ppp LABEL...</c> against <paramref name="document"/>.</summary>
    public static ProfileResolution Resolve(PppConfDocument document, IReadOnlyList<string> labels, ServiceTable? services = null)
    {
        var resolver = new ProfileResolver(document, services ?? ServiceTable.BuiltInOnly);
        return resolver.Run(labels);
    }

    private ProfileResolution Run(IReadOnlyList<string> labels)
    {
        profile = new PppProfile(labels);
        var commandLine = new SourceLocation(document.Path, 0);
        var missing = labels.Where(l => document.Find(l) is null).ToList();
        foreach (var label in missing)
            diagnostics.Error(commandLine, $"label '{label}' not found");

        if (document.Find("default") is { } def)
            RunSection(def, null);
        foreach (var label in labels)
        {
            if (document.Find(label) is { } section)
            {
                if (label == "default")
                    diagnostics.Note(section.Location, "'default' is loaded first anyway; asking for it again runs it twice");
                RunSection(section, null);
            }
        }
        return new ProfileResolution(profile, diagnostics.Items);
    }

    private void RunSection(ConfSection section, LinkProfile? cx)
    {
        running.Add(section.Label);
        foreach (var command in section.Commands)
            Execute(command, 0, cx, depth: running.Count);
        running.RemoveAt(running.Count - 1);
    }

    private sealed record Call(ConfCommand Command, int ArgN, LinkProfile? Cx, int Depth)
    {
        public IReadOnlyList<string> Args => Command.Args;

        public SourceLocation At => Command.Location;

        /// <summary>The arguments after the command word.</summary>
        public IReadOnlyList<string> Rest => Args.Skip(ArgN + 1).ToList();

        /// <summary>The command words up to and including this one, for messages.</summary>
        public string Prefix => string.Join(' ', Args.Take(ArgN + 1));

        /// <summary>ppp's <c>argp</c>: the first argument, or empty.</summary>
        public string First => Args.Count > ArgN + 1 ? Args[ArgN + 1] : "";

        public string Text => CommandText.Format(Args);
    }

    private void Execute(ConfCommand command, int argn, LinkProfile? cx, int depth)
    {
        if (depth > MaxDepth)
        {
            diagnostics.Error(command.Location, "commands nest too deeply; stopped");
            return;
        }
        Dispatch(TopCommands, new Call(command, argn, cx, depth));
    }

    private void Dispatch(IReadOnlyList<CommandEntry<Action<ProfileResolver, Call>>> table, Call call)
    {
        var word = call.Args[call.ArgN];
        var entry = CommandTable.Find(table, word, out var matches);
        if (matches > 1)
        {
            diagnostics.Error(call.At, $"{call.Prefix}: ambiguous command (could be {string.Join(", ", CommandTable.Candidates(table, word))}); line ignored");
            return;
        }
        if (entry is null)
        {
            diagnostics.Warn(call.At, $"{call.Prefix}: invalid command; ppp ignores it");
            return;
        }

        var cx = call.Cx;
        if (entry.Scope == CommandScope.Bundle && cx is not null)
        {
            diagnostics.Warn(call.At, $"{call.Prefix}: redundant link context ({cx.Name}) ignored");
            cx = null;
        }
        else if (entry.Scope == CommandScope.Link && cx is null)
        {
            if (profile.links.Count != 1)
            {
                diagnostics.Error(call.At, $"{call.Prefix}: no link context with {profile.links.Count} links (use 'link NAME {call.Prefix}'); ignored");
                return;
            }
            cx = profile.links[0];
        }
        entry.Action(this, call with { Cx = cx });
    }

    /// <summary>ppp's <c>command_ChooseLink</c> for LOCAL_CX_OPT commands: the context, else the only link when there is no Multilink, else the bundle (null).</summary>
    private LinkProfile? ChooseLink(LinkProfile? cx) =>
        cx ?? (profile.Mrru == 0 && profile.links.Count == 1 ? profile.links[0] : null);

    private void Unused(Call call, string why, LinkProfile? link = null)
    {
        (link?.unused ?? profile.unused).Add(call.Text);
        diagnostics.Warn(call.At, $"{call.Text}: {why}");
    }

    private void ExtraArgumentsIgnored(Call call, int allowed)
    {
        if (call.Rest.Count > allowed)
            diagnostics.Warn(call.At, $"{call.Prefix}: only {allowed} argument(s) used, the rest ignored (quote a value that has blanks)");
    }

    /// <summary>Shortest LQR or echo period <c>set lqrperiod</c> takes, in seconds.</summary>
    public const double MinimumQualityPeriod = 0.1;

    /// <summary>A whole number of seconds (FreeBSD), or a decimal fraction such as <c>0.25</c>, at least <see cref="MinimumQualityPeriod"/>.</summary>
    private static bool TryPeriod(string text, out double seconds)
    {
        seconds = 0;
        int dot = text.IndexOf('.');
        bool digits = text.Length is > 0 and <= 9 && text.All(ch => char.IsAsciiDigit(ch) || ch == '.') && dot == text.LastIndexOf('.')
            && dot != 0 && dot != text.Length - 1;
        return digits && double.TryParse(text, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out seconds)
            && seconds >= MinimumQualityPeriod;
    }

    private static bool TryNumber(string text, out int value)
    {
        value = 0;
        return text.Length is > 0 and <= 9 && text.All(char.IsAsciiDigit) && int.TryParse(text, out value);
    }
}
