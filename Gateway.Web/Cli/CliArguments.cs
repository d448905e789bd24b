namespace Gateway.Web.Cli;

/// <summary>
/// The command lines of the tools: <c>--name VALUE</c> or <c>--name=VALUE</c> for the options a tool knows, the
/// other words positional, <c>--</c> ending the options.
/// </summary>
internal static class CliArguments
{
    public static bool TryParse(IReadOnlyList<string> args, IReadOnlySet<string> known, out Dictionary<string, string> options,
        out List<string> positional, out string? error)
    {
        options = new Dictionary<string, string>(StringComparer.Ordinal);
        positional = [];
        error = null;
        var onlyPositional = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (onlyPositional || !arg.StartsWith("--", StringComparison.Ordinal))
            {
                positional.Add(arg);
                continue;
            }
            if (arg == "--")
            {
                onlyPositional = true;
                continue;
            }

            var eq = arg.IndexOf('=');
            var name = eq > 0 ? arg[..eq] : arg;
            string? value = eq > 0 ? arg[(eq + 1)..] : null;
            if (!known.Contains(name))
            {
                error = $"unknown option {name}";
                return false;
            }
            if (value is null)
            {
                if (i + 1 >= args.Count)
                {
                    error = $"{name} needs a value";
                    return false;
                }
                value = args[++i];
            }
            options[name] = value;
        }
        return true;
    }
}
