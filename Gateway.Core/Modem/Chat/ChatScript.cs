namespace Gateway.Core.Modem.Chat;

/// <summary>
/// A chat script split into words the way FreeBSD ppp splits <c>set dial</c> / <c>set login</c>
/// strings (defs.c MakeArgs with PARSE_NOHASH): words are separated by spaces and tabs; a double
/// quote toggles quoting and is removed (so <c>""</c> is an empty word and <c>"a b"</c> one word);
/// a backslash protects the next character from splitting but stays in the word (escapes are
/// expanded later, word by word, by <see cref="ChatExpander"/>); <c>#</c> is an ordinary character.
/// An unterminated quote makes the whole script invalid, as in ppp.
/// </summary>
/// <remarks>
/// The input is the string after ppp.conf's own quoting level has been removed by the config
/// reader, e.g. <c>ABORT BUSY TIMEOUT 4 "" ATZ OK-ATZ-OK ATDT\T TIMEOUT 60 CONNECT \c \n</c>.
/// Words are kept raw (unexpanded): <see cref="ToString"/> therefore never shows a secret, since
/// <c>\P</c> is rendered as written.
/// </remarks>
public sealed class ChatScript
{
    /// <summary>ppp keeps at most MAXARGS - 1 words (chat.h argv[MAXARGS], MAXARGS = 40); extra words are ignored.</summary>
    public const int MaxWords = 39;

    /// <summary>ppp copies the script into a LINE_LEN (512) buffer; longer scripts are cut.</summary>
    public const int MaxScriptLength = 511;

    private readonly string[] words;

    private ChatScript(string[] words, bool truncated)
    {
        this.words = words;
        Truncated = truncated;
    }

    /// <summary>An empty script: running it succeeds at once.</summary>
    public static ChatScript Empty { get; } = new([], false);

    /// <summary>The raw words, escapes not expanded.</summary>
    public IReadOnlyList<string> Words => words;

    /// <summary>True when the script was longer than ppp accepts (length or word count) and was cut.</summary>
    public bool Truncated { get; }

    /// <summary>Splits a script. Returns false (with a reason) only for an unterminated quote.</summary>
    public static bool TryParse(string? script, out ChatScript result, out string? error)
    {
        result = Empty;
        error = null;
        if (string.IsNullOrEmpty(script))
            return true;

        var truncated = false;
        if (script.Length > MaxScriptLength)
        {
            script = script[..MaxScriptLength];
            truncated = true;
        }

        // The same word splitting as ppp.conf's (defs.c MakeArgs), without '#' comments.
        var tokens = Gateway.Core.Config.PppTokenizer.Tokenize(script, Gateway.Core.Config.TokenizeFlags.NoHash);
        if (tokens.UnterminatedQuote)
        {
            error = "unterminated quote in chat script";
            return false;
        }
        truncated |= tokens.Truncated;
        var list = tokens.Args;
        result = new ChatScript([.. list], truncated);
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/>; for configuration code and tests.</summary>
    public static ChatScript Parse(string? script) =>
        TryParse(script, out var result, out var error) ? result : throw new FormatException(error);

    /// <summary>The words re-joined, empty words shown as <c>""</c>; secrets are never expanded here.</summary>
    public override string ToString() =>
        string.Join(' ', words.Select(w => w.Length == 0 ? "\"\"" : w.Contains(' ') || w.Contains('\t') ? $"\"{w}\"" : w));
}
