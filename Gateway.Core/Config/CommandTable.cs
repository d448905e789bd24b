namespace Gateway.Core.Config;

/// <summary>Which link a command acts on, as ppp's LOCAL_CX / LOCAL_CX_OPT flags say.</summary>
internal enum CommandScope
{
    /// <summary>The bundle; a <c>link</c> context is redundant.</summary>
    Bundle,

    /// <summary>One link (LOCAL_CX): the <c>link</c> context, or the only link.</summary>
    Link,

    /// <summary>Optional link (LOCAL_CX_OPT): the <c>link</c> context, or the only link without Multilink, else the bundle.</summary>
    LinkOptional,
}

internal sealed record CommandEntry<T>(string? Name, string? Alias, CommandScope Scope, T Action);

/// <summary>
/// ppp's <c>FindCommand</c>: a word matches an entry whose name or alias it is a case-insensitive prefix of; an exact
/// match wins at once; otherwise exactly one prefix match is needed, more is ambiguous.
/// </summary>
internal static class CommandTable
{
    public static CommandEntry<T>? Find<T>(IReadOnlyList<CommandEntry<T>> table, string word, out int matches)
    {
        CommandEntry<T>? found = null;
        matches = 0;
        foreach (var entry in table)
        {
            if (entry.Name is not null && entry.Name.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            {
                if (entry.Name.Length == word.Length)
                {
                    matches = 1;
                    return entry;
                }
                matches++;
                found = entry;
            }
            else if (entry.Alias is not null && entry.Alias.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            {
                if (entry.Alias.Length == word.Length)
                {
                    matches = 1;
                    return entry;
                }
                matches++;
                found = entry;
            }
        }
        return matches == 1 ? found : null;
    }

    /// <summary>The names the word could mean, for an "ambiguous" message.</summary>
    public static IEnumerable<string> Candidates<T>(IReadOnlyList<CommandEntry<T>> table, string word) =>
        table.Select(e => e.Name is not null && e.Name.StartsWith(word, StringComparison.OrdinalIgnoreCase) ? e.Name
                : e.Alias is not null && e.Alias.StartsWith(word, StringComparison.OrdinalIgnoreCase) ? e.Alias : null)
            .OfType<string>();
}
