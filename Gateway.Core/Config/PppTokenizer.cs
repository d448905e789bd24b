using System.Text;

namespace Gateway.Core.Config;

/// <summary>Flags of FreeBSD ppp's <c>MakeArgs</c> (defs.h).</summary>
[Flags]
public enum TokenizeFlags
{
    /// <summary>Backslash escapes are kept as they are (the chat engine's way).</summary>
    Normal = 0,

    /// <summary>A backslash is removed and the character after it taken literally (how ppp.conf lines are read).</summary>
    Reduce = 1,

    /// <summary>An unquoted <c>#</c> is an ordinary character, not the start of a comment.</summary>
    NoHash = 2,
}

/// <summary>The outcome of tokenizing one line.</summary>
/// <param name="Args">The arguments, quotes removed.</param>
/// <param name="UnterminatedQuote">A double quote was opened and never closed: ppp calls the line a syntax error.</param>
/// <param name="Truncated">More than <see cref="PppTokenizer.MaxArgs"/> - 1 arguments: ppp drops the rest.</param>
public sealed record TokenizeResult(IReadOnlyList<string> Args, bool UnterminatedQuote, bool Truncated);

/// <summary>
/// FreeBSD ppp's tokenizer, written from its documented behaviour (defs.c <c>MakeArgs</c>/<c>findblank</c>,
/// systems.c <c>InterpretArg</c>): first <see cref="Expand"/> replaces <c>$VAR</c>, <c>${VAR}</c>, <c>$$</c> and
/// <c>~</c>; then <see cref="Tokenize"/> splits on blanks, honouring double quotes, backslash escapes and
/// <c>#</c> comments.
/// </summary>
public static class PppTokenizer
{
    /// <summary>ppp's MAXARGS (defs.h): a line yields at most MAXARGS - 1 arguments.</summary>
    public const int MaxArgs = 40;

    /// <summary>ppp's LINE_LEN (defs.h): the size of its line buffer, terminator included.</summary>
    public const int LineLength = 512;

    private static bool IsSeparator(char c) => c is ' ' or '\t';

    /// <summary>
    /// <c>InterpretArg</c>: leading and trailing blanks go; <c>$$</c> is <c>$</c>; <c>$NAME</c> and <c>${NAME}</c>
    /// are the variable's value (empty when unset); <c>\$</c> and <c>\~</c> are a literal <c>$</c>/<c>~</c>; other
    /// escapes and all quotes pass through for <see cref="Tokenize"/>. <c>~</c> and <c>~user</c> (up to the next
    /// <c>/</c>) become a home directory when <paramref name="homeDirectory"/> knows it, else stay as they are.
    /// </summary>
    public static string Expand(string text, Func<string, string?> environment, Func<string?, string?>? homeDirectory = null)
    {
        var sb = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length && IsSeparator(text[i]))
            i++;

        while (i < text.Length)
        {
            var c = text[i];
            switch (c)
            {
                case '\\':
                    i++;
                    if (i >= text.Length)
                    {
                        sb.Append('\\');
                        break;
                    }
                    if (text[i] is not ('$' or '~'))
                        sb.Append('\\');
                    sb.Append(text[i]);
                    i++;
                    break;

                case '$':
                    i = ExpandVariable(text, i, environment, sb);
                    break;

                case '~':
                {
                    var start = i + 1;
                    var slash = text.IndexOf('/', start);
                    var length = (slash < 0 ? text.Length : slash) - start;
                    var home = homeDirectory?.Invoke(length == 0 ? null : text.Substring(start, length));
                    if (home is null)
                    {
                        sb.Append('~');
                        i = start;
                    }
                    else
                    {
                        sb.Append(home);
                        i = start + length;
                    }
                    break;
                }

                default:
                    sb.Append(c);
                    i++;
                    break;
            }
        }

        var end = sb.Length;
        while (end > 0 && IsSeparator(sb[end - 1]))
            end--;
        sb.Length = end;
        return sb.ToString();
    }

    private static int ExpandVariable(string text, int dollar, Func<string, string?> environment, StringBuilder sb)
    {
        var next = dollar + 1;
        if (next < text.Length && text[next] == '$')
        {
            sb.Append('$');
            return next + 1;
        }

        string name;
        int after;
        if (next < text.Length && text[next] == '{')
        {
            var close = text.IndexOf('}', next + 1);
            if (close < 0 || close == next + 1)
            {
                sb.Append('$');
                return next;
            }
            name = text.Substring(next + 1, close - next - 1);
            after = close + 1;
        }
        else
        {
            var end = next;
            while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_'))
                end++;
            if (end == next)
            {
                sb.Append('$');
                return next;
            }
            name = text[next..end];
            after = end;
        }

        sb.Append(environment(name) ?? "");
        return after;
    }

    /// <summary><c>MakeArgs</c>: split <paramref name="text"/> into arguments.</summary>
    public static TokenizeResult Tokenize(string text, TokenizeFlags flags)
    {
        var args = new List<string>();
        var hashComments = (flags & TokenizeFlags.NoHash) == 0;
        var reduce = (flags & TokenizeFlags.Reduce) != 0;
        var i = 0;
        var truncated = false;
        var sb = new StringBuilder();

        while (i < text.Length)
        {
            while (i < text.Length && IsSeparator(text[i]))
                i++;
            if (i >= text.Length || (hashComments && text[i] == '#'))
                break;
            if (args.Count >= MaxArgs - 1)
            {
                truncated = true;
                break;
            }

            sb.Clear();
            var inString = false;
            while (i < text.Length)
            {
                var c = text[i];
                if (c == '\\')
                {
                    i++;
                    if (!reduce)
                        sb.Append('\\');
                    if (i < text.Length)
                        sb.Append(text[i++]);
                    continue;
                }
                if (c == '"')
                {
                    inString = !inString;
                    i++;
                    continue;
                }
                if (!inString && (IsSeparator(c) || (hashComments && c == '#')))
                    break;
                sb.Append(c);
                i++;
            }

            if (inString)
                return new TokenizeResult(args, UnterminatedQuote: true, truncated);

            args.Add(sb.ToString());
            if (i < text.Length)
            {
                if (hashComments && text[i] == '#')
                    break;
                i++;
            }
        }

        return new TokenizeResult(args, UnterminatedQuote: false, truncated);
    }

    /// <summary>
    /// Quotes one argument so that <see cref="Tokenize"/> with <see cref="TokenizeFlags.NoHash"/> gives it back:
    /// empty arguments and arguments with blanks are wrapped in double quotes. Escapes are left as they are.
    /// </summary>
    public static string QuoteForChat(string arg) =>
        arg.Length == 0 || arg.Any(IsSeparator) ? $"\"{arg}\"" : arg;
}
