using System.Text;

namespace Gateway.Core.Modem.Chat;

/// <summary>
/// What <c>\T</c>, <c>\U</c> and <c>\P</c> stand for in a chat script: the phone number chosen for
/// this dial (<c>set phone</c>), the authname and the authkey. The authkey never appears in
/// <see cref="ToString"/>.
/// </summary>
public sealed class ChatContext(string? phoneNumber, string? authName, string? authKey)
{
    /// <summary>No phone number and no credentials.</summary>
    public static ChatContext None { get; } = new(null, null, null);

    /// <summary>Expanded by <c>\T</c>; <see langword="null"/> expands to nothing (ppp with no phone).</summary>
    public string? PhoneNumber { get; } = phoneNumber;

    /// <summary>Expanded by <c>\U</c>.</summary>
    public string AuthName { get; } = authName ?? "";

    /// <summary>Expanded by <c>\P</c>. Secret: masked in every rendering this assembly produces.</summary>
    public string AuthKey { get; } = authKey ?? "";

    public override string ToString() => $"phone={PhoneNumber ?? "(none)"} authname={AuthName} authkey={ChatExpander.Mask}";
}

/// <summary>One chat word after escape expansion.</summary>
/// <param name="Bytes">What goes on the wire (send) or is matched (expect). Contains the authkey when the word has <c>\P</c>.</param>
/// <param name="Display">A printable rendering for logs: <c>\P</c> shown as <c>********</c>, control characters escaped.</param>
/// <param name="Pause">Total of the word's <c>\d</c> (2 s) and <c>\p</c> (0.25 s) pauses.</param>
public readonly record struct ExpandedWord(byte[] Bytes, string Display, TimeSpan Pause)
{
    /// <summary>Never prints <see cref="Bytes"/>, which may hold the authkey.</summary>
    public override string ToString() => Display;
}

/// <summary>
/// FreeBSD ppp's chat escape expansion (chat.c ExpandString): <c>\c</c> no trailing CR, <c>\d</c> 2 s
/// pause, <c>\p</c> 1/4 s pause, <c>\n \r \s \t</c> LF CR space tab, <c>\T</c> phone number,
/// <c>\P</c> authkey, <c>\U</c> authname, any other <c>\X</c> the character X itself (so <c>\\</c> is
/// a backslash and <c>\-</c> a minus), <c>^X</c> the control character X &amp; 0x1F. A send word gets
/// a CR appended unless it contains <c>\c</c>. A trailing lone backslash or caret is dropped; a
/// <c>^@</c> (NUL) ends the word, as it ends a C string in ppp.
/// </summary>
public static class ChatExpander
{
    /// <summary>How secrets are shown.</summary>
    public const string Mask = "********";

    /// <summary>\d: "Delay for two seconds" (ppp.8, chat.c chat_Pause(2 * SECTICKS)).</summary>
    public static readonly TimeSpan DelayPause = TimeSpan.FromSeconds(2);

    /// <summary>\p: "Pause for one quarter of a second" (chat.c chat_Pause(SECTICKS / 4)).</summary>
    public static readonly TimeSpan ShortPause = TimeSpan.FromMilliseconds(250);

    /// <summary>ppp expands into exp[LINE_LEN] less 2 bytes of HDLC header room and the NUL: 509 bytes, CR included.</summary>
    public const int MaxExpandedLength = 509;

    /// <summary>Expands one word. <paramref name="appendCr"/> is true for send words (ppp's <c>needcr</c>).</summary>
    public static ExpandedWord Expand(string word, bool appendCr, ChatContext context)
    {
        var bytes = new List<byte>(word.Length + 16);
        var display = new StringBuilder(word.Length + 16);
        var cr = appendCr;
        var pause = TimeSpan.Zero;
        var ended = false;

        // Once a character no longer fits, nothing more is copied (\c, \d and \p still count, as in ppp).
        var full = false;

        void Literal(char c)
        {
            if (ended || full)
                return;
            if (c == '\0')
            {
                ended = true;
                return;
            }
            full = !TryAppendChar(bytes, c);
            if (!full)
                AppendDisplay(display, c);
        }

        void Text(string? s, bool secret)
        {
            if (string.IsNullOrEmpty(s) || ended || full)
                return;
            var before = bytes.Count;
            foreach (var c in s)
            {
                if (c == '\0')
                    break;
                full = !TryAppendChar(bytes, c);
                if (full)
                    break;
                if (!secret)
                    AppendDisplay(display, c);
            }
            if (secret && bytes.Count > before)
                display.Append(Mask);
        }

        for (var i = 0; i < word.Length && !ended; i++)
        {
            var c = word[i];
            if (c == '\\')
            {
                if (++i >= word.Length)
                    break;
                switch (word[i])
                {
                    case 'c': cr = false; break;
                    case 'd': pause += DelayPause; break;
                    case 'p': pause += ShortPause; break;
                    case 'n': Literal('\n'); break;
                    case 'r': Literal('\r'); break;
                    case 's': Literal(' '); break;
                    case 't': Literal('\t'); break;
                    case 'P': Text(context.AuthKey, secret: true); break;
                    case 'T': Text(context.PhoneNumber, secret: false); break;
                    case 'U': Text(context.AuthName, secret: false); break;
                    default: Literal(word[i]); break;
                }
            }
            else if (c == '^')
            {
                if (++i >= word.Length)
                    break;
                Literal((char)(word[i] & 0x1F));
            }
            else
            {
                Literal(c);
            }
        }

        if (cr)
            bytes.Add((byte)'\r');
        return new ExpandedWord([.. bytes], display.ToString(), pause);
    }

    /// <summary>Renders received or expected bytes for a log line: printable ASCII as is, the rest escaped.</summary>
    public static string Printable(ReadOnlySpan<byte> bytes, string? secret = null)
    {
        var sb = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
            AppendDisplay(sb, (char)b);
        var text = sb.ToString();
        if (string.IsNullOrEmpty(secret))
            return text;
        var escapedSecret = new StringBuilder(secret.Length);
        foreach (var c in secret)
            AppendDisplay(escapedSecret, c);
        return text.Replace(escapedSecret.ToString(), Mask, StringComparison.Ordinal);
    }

    // Appends c in UTF-8 if all of its octets fit before the room kept for the CR (a character of two or three octets
    // that would cross MaxExpandedLength is not cut, it is left out with the rest of the word).
    private static bool TryAppendChar(List<byte> bytes, char c)
    {
        Span<byte> tmp = stackalloc byte[4];
        int n;
        if (c < 0x80)
        {
            tmp[0] = (byte)c;
            n = 1;
        }
        else
        {
            n = Encoding.UTF8.GetBytes([c], tmp);
        }
        if (bytes.Count + n > MaxExpandedLength - 1)
            return false;
        for (var k = 0; k < n; k++)
            bytes.Add(tmp[k]);
        return true;
    }

    private static void AppendDisplay(StringBuilder sb, char c)
    {
        switch (c)
        {
            case '\r': sb.Append("\\r"); break;
            case '\n': sb.Append("\\n"); break;
            case '\t': sb.Append("\\t"); break;
            case '\\': sb.Append("\\\\"); break;
            default:
                if (c < 0x20 || c == 0x7F)
                    sb.Append('^').Append((char)(c ^ 0x40));
                else if (c > 0x7E && c < 0x100)
                    sb.Append("\\x").Append(((int)c).ToString("X2"));
                else
                    sb.Append(c);
                break;
        }
    }
}
