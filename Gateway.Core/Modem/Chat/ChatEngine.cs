namespace Gateway.Core.Modem.Chat;

/// <summary>
/// Runs one chat script (a <c>set dial</c> or <c>set login</c> script) with FreeBSD ppp's semantics
/// (usr.sbin/ppp/chat.c). Pure: time comes in as <c>now</c> (a monotonic offset, any epoch), the
/// engine returns what to write, when to call back, and the result.
/// </summary>
/// <remarks>
/// <para>Words alternate expect / send, starting with an expect. <c>ABORT s</c> and <c>TIMEOUT n</c>
/// are taken where an expect is due and do not consume the turn (in a send position ppp sends them
/// literally, since a send word gets its CR before the keyword test). <c>TIMEOUT</c> defaults to 30 s;
/// 0, negative or non-numeric means 30 s. An empty expect (<c>""</c>) is met at once; an empty send
/// still sends a CR (<c>\c</c> alone sends nothing).</para>
/// <para>An expect word with an even, non-zero number of unescaped <c>-</c> is <c>expect-send-expect...</c>:
/// when the first part times out, the next part is sent and the part after it expected, with a fresh
/// timeout; when a part is met, the rest is skipped. An odd number of <c>-</c> makes the whole word a
/// literal expect (ppp logs a warning).</para>
/// <para>Received bytes are matched byte-exact (case-sensitive, NUL never matches) against the expect
/// string and every abort string; the earliest position in the stream wins, the expect before an abort
/// at the same position. When an expect is armed, data already read since the previous match is
/// searched for it first (not for aborts, as in ppp). The receive buffer is ppp's 1024 bytes and input
/// is taken 512 bytes at a time, so a modem that never sends CR/LF cannot grow memory.</para>
/// <para>Pauses (<c>\d</c>, <c>\p</c>) behave as in ppp: the word is sent (or the expect armed) at once and
/// the pause then holds the script: nothing further is sent and no received byte is examined until it
/// ends; an expect timeout that falls inside a pause is acted on when the pause ends.</para>
/// </remarks>
public sealed class ChatEngine
{
    /// <summary>chat.h: char buf[LINE_LEN * 2], LINE_LEN = 512.</summary>
    public const int ReceiveBufferSize = 1024;

    /// <summary>chat_Read never reads more than half the buffer at a time.</summary>
    public const int ReadChunk = ReceiveBufferSize / 2;

    /// <summary>chat_Setup: TimeoutSec = 30; a TIMEOUT of 0 or less also means 30.</summary>
    public const int DefaultTimeoutSeconds = 30;

    /// <summary>chat.h MAXABORTS; further ABORT strings are ignored with an error log.</summary>
    public const int MaxAborts = 50;

    /// <summary>Longest partial line kept for "Received:" log lines.</summary>
    private const int MaxLogLine = 256;

    private readonly IReadOnlyList<string> words;
    private readonly ChatContext context;
    private readonly byte[] buffer = new byte[ReceiveBufferSize];
    private readonly List<(byte[] Pattern, string Display)> aborts = [];
    private readonly List<byte> logLine = [];

    private List<ReadOnlyMemory<byte>> writes = [];
    private List<string> log = [];

    private int wordIndex = -1;
    private bool nextIsExpect = true;
    private bool needAdvance;
    private Queue<string>? subParts;
    private int timeoutSeconds = DefaultTimeoutSeconds;

    private bool expecting;
    private byte[] expectPattern = [];
    private string expectDisplay = "";
    private TimeSpan? expectDeadline;
    private TimeSpan? pauseUntil;

    private int start;    // bufstart: first byte after the last match
    private int scanned;  // end of the bytes already examined (ppp: read by chat_Read)
    private int end;      // end of the bytes held

    private bool started;
    private TimeSpan startedAt;
    private ChatResult? result;

    /// <param name="script">The parsed script.</param>
    /// <param name="context">Phone number, authname and authkey for \T, \U and \P.</param>
    public ChatEngine(ChatScript script, ChatContext context)
    {
        words = script.Words;
        this.context = context;
    }

    /// <summary>The result once the script has ended, else null.</summary>
    public ChatResult? Result => result;

    /// <summary>Bytes discarded because they arrived faster than the script examined them (only possible during a pause).</summary>
    public long OverflowDiscarded { get; private set; }

    /// <summary>Starts the script at <paramref name="now"/>. <paramref name="carriedOver"/>: bytes already received on the
    /// line (a previous script's <see cref="ChatSucceeded.Leftover"/>); ppp keeps its chat buffer between the dial and
    /// login scripts, so they take part in the first expect.</summary>
    public ChatStep Start(TimeSpan now, ReadOnlySpan<byte> carriedOver = default)
    {
        if (started)
            return Step();
        started = true;
        startedAt = now;
        needAdvance = true;
        Feed(carriedOver, now, out _);
        Pump(now);
        return Step();
    }

    /// <summary>Bytes read from the line at <paramref name="now"/>. Any length, any content.</summary>
    public ChatStep Received(ReadOnlySpan<byte> bytes, TimeSpan now)
    {
        if (!started || result is not null)
            return Step();
        Pump(now); // a deadline that has passed is honoured before the late bytes
        if (result is null)
            Feed(bytes, now, out _);
        return Step();
    }

    /// <summary>The timer asked for by <see cref="ChatStep.TimerDeadline"/> fired. Early or stale calls are harmless.</summary>
    public ChatStep TimerExpired(TimeSpan now)
    {
        if (started && result is null)
            Pump(now);
        return Step();
    }

    /// <summary>The words as written (secrets unexpanded) and the engine's position.</summary>
    public override string ToString() =>
        $"chat word {Math.Max(wordIndex, 0) + 1}/{words.Count}{(expecting ? $" expecting {expectDisplay}" : "")}{(result is null ? "" : $" ({result.Describe()})")}";

    private void Feed(ReadOnlySpan<byte> bytes, TimeSpan now, out bool finished)
    {
        finished = false;
        while (!bytes.IsEmpty)
        {
            var n = Math.Min(bytes.Length, ReadChunk);
            var chunk = bytes[..n];
            bytes = bytes[n..];
            Append(chunk);
            LogReceived(chunk);
            Pump(now);
            if (result is not null)
            {
                if (result is ChatSucceeded s && !bytes.IsEmpty)
                {
                    var leftover = new byte[s.Leftover.Length + bytes.Length];
                    s.Leftover.Span.CopyTo(leftover);
                    bytes.CopyTo(leftover.AsSpan(s.Leftover.Length));
                    result = s with { Leftover = leftover };
                }
                finished = true;
                return;
            }
        }
    }

    private void Append(ReadOnlySpan<byte> chunk)
    {
        if (end + chunk.Length > buffer.Length)
        {
            // Keep what is still needed: the bytes after the last match that a pattern could still
            // span (the longest expandable word), and every byte not yet examined.
            var keepFrom = Math.Max(start, scanned - (ChatExpander.MaxExpandedLength - 1));
            if (end - keepFrom + chunk.Length > buffer.Length)
            {
                var newKeep = end + chunk.Length - buffer.Length;
                if (newKeep > scanned)
                    OverflowDiscarded += newKeep - Math.Max(scanned, keepFrom);
                keepFrom = newKeep;
            }
            Array.Copy(buffer, keepFrom, buffer, 0, end - keepFrom);
            start = Math.Max(start - keepFrom, 0);
            scanned = Math.Max(scanned - keepFrom, 0);
            end -= keepFrom;
        }
        chunk.CopyTo(buffer.AsSpan(end));
        end += chunk.Length;
    }

    private void Pump(TimeSpan now)
    {
        while (result is null)
        {
            if (pauseUntil is { } p)
            {
                if (now < p)
                    return;
                pauseUntil = null;
            }

            if (expecting)
            {
                if (expectDeadline is { } d && now >= d)
                {
                    expectDeadline = null;
                    expecting = false;
                    log.Add("Expect timeout");
                    if (subParts is not { Count: > 0 })
                    {
                        Finish(new ChatTimedOut(expectDisplay, now - startedAt));
                        return;
                    }
                    Advance(now, afterTimeout: true);
                    continue;
                }
                if (scanned < end)
                {
                    Scan(now);
                    continue;
                }
                return;
            }

            if (!needAdvance)
                return;
            Advance(now, afterTimeout: false);
        }
    }

    /// <summary>Fetches the next item (ppp chat_UpdateSet when the current argument is used up).</summary>
    private void Advance(TimeSpan now, bool afterTimeout)
    {
        needAdvance = false;
        var isExpect = nextIsExpect;
        nextIsExpect = !isExpect;

        // The rest of an expect-send-expect word survives only into the send that follows a
        // timeout, and into the expect after that send.
        if (!isExpect && !afterTimeout)
            subParts = null;

        var gotAbort = false;
        var gotTimeout = false;
        while (true)
        {
            string raw;
            var fromSubParts = false;
            if (subParts is { Count: > 0 })
            {
                raw = subParts.Dequeue();
                fromSubParts = true;
            }
            else
            {
                subParts = null;
                if (++wordIndex >= words.Count)
                {
                    if (gotAbort)
                        log.Add("ABORT: Argument expected");
                    else if (gotTimeout)
                        log.Add("TIMEOUT: Argument expected");
                    Finish(new ChatSucceeded(now - startedAt, ReadOnlyMemory<byte>.Empty));
                    return;
                }
                raw = words[wordIndex];
                if (isExpect && !gotAbort && !gotTimeout)
                    raw = SplitSubParts(raw);
            }

            if (raw.StartsWith('!') && !gotAbort && !gotTimeout)
            {
                Finish(new ChatFailed($"\"{raw}\": running a command from a chat script is not supported", now - startedAt));
                return;
            }

            var word = ChatExpander.Expand(raw, appendCr: !isExpect, context);
            if (word.Pause > TimeSpan.Zero)
                pauseUntil = (pauseUntil is { } p && p > now ? p : now) + word.Pause;

            if (gotAbort)
            {
                AddAbort(word);
                gotAbort = false;
                continue;
            }
            if (gotTimeout)
            {
                timeoutSeconds = ParseLeadingInt(word.Bytes);
                if (timeoutSeconds <= 0)
                    timeoutSeconds = DefaultTimeoutSeconds;
                gotTimeout = false;
                continue;
            }
            if (!fromSubParts && Is(word.Bytes, "ABORT"))
            {
                gotAbort = true;
                continue;
            }
            if (!fromSubParts && Is(word.Bytes, "TIMEOUT"))
            {
                gotTimeout = true;
                continue;
            }

            if (word.Bytes.Length == 0)
            {
                // An empty expect is met at once; an empty send (\c alone) sends nothing.
                needAdvance = true;
                return;
            }

            if (!isExpect)
            {
                writes.Add(word.Bytes);
                log.Add("Send: " + word.Display);
                needAdvance = true;
                return;
            }

            expectPattern = word.Bytes;
            expectDisplay = word.Display;
            log.Add($"Expect({timeoutSeconds}): {expectDisplay}");
            var already = buffer.AsSpan(start, scanned - start).IndexOf(expectPattern);
            if (already >= 0)
            {
                start += already + expectPattern.Length;
                needAdvance = true;
                return;
            }
            expecting = true;
            expectDeadline = now + TimeSpan.FromSeconds(timeoutSeconds);
            return;
        }
    }

    /// <summary>Examines the next read's worth of held bytes for the expect string and the abort strings.</summary>
    private void Scan(TimeSpan now)
    {
        var oldEnd = scanned;
        var newEnd = Math.Min(end, scanned + ReadChunk);
        scanned = newEnd;
        var longest = expectPattern.Length;
        foreach (var a in aborts)
            longest = Math.Max(longest, a.Pattern.Length);

        for (var pos = Math.Max(start, oldEnd - longest + 1); pos < newEnd; pos++)
        {
            if (EndsInNewData(pos, expectPattern.Length, oldEnd, newEnd) &&
                buffer.AsSpan(pos, expectPattern.Length).SequenceEqual(expectPattern))
            {
                start = pos + expectPattern.Length;
                expecting = false;
                expectDeadline = null;
                needAdvance = true;
                FlushPartialLogLine();
                return;
            }
            foreach (var (pattern, display) in aborts) // shortest first, as ppp tries them
            {
                if (pos + pattern.Length > newEnd)
                    break;
                if (EndsInNewData(pos, pattern.Length, oldEnd, newEnd) &&
                    buffer.AsSpan(pos, pattern.Length).SequenceEqual(pattern))
                {
                    start = pos + pattern.Length;
                    expecting = false;
                    expectDeadline = null;
                    FlushPartialLogLine();
                    Finish(new ChatAborted(display, now - startedAt));
                    return;
                }
            }
        }
    }

    private static bool EndsInNewData(int pos, int length, int oldEnd, int newEnd) =>
        length > 0 && pos + length <= newEnd && pos + length > oldEnd;

    private void AddAbort(ExpandedWord word)
    {
        if (aborts.Count >= MaxAborts)
        {
            log.Add("too many abort strings");
            return;
        }
        if (word.Bytes.Length == 0)
            return; // an empty string can never be "received"; ppp would abort at once, which helps nobody
        var i = 0;
        while (i < aborts.Count && aborts[i].Pattern.Length <= word.Bytes.Length)
            i++;
        aborts.Insert(i, (word.Bytes, word.Display));
    }

    private string SplitSubParts(string raw)
    {
        var parts = new List<string>();
        var from = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '\\')
            {
                i++;
                continue;
            }
            if (raw[i] == '-')
            {
                parts.Add(raw[from..i]);
                from = i + 1;
            }
        }
        parts.Add(raw[from..]);
        var minus = parts.Count - 1;
        if (minus == 0)
            return raw;
        if (minus % 2 == 1)
        {
            log.Add($"\"{raw}\": Uneven number of '-' chars, all ignored");
            return raw;
        }
        subParts = new Queue<string>(parts.Skip(1));
        return parts[0];
    }

    private static bool Is(byte[] bytes, string keyword)
    {
        if (bytes.Length != keyword.Length)
            return false;
        for (var i = 0; i < bytes.Length; i++)
            if (bytes[i] != keyword[i])
                return false;
        return true;
    }

    /// <summary>C atoi: optional spaces and sign, then digits; anything else ends the number.</summary>
    private static int ParseLeadingInt(byte[] bytes)
    {
        var i = 0;
        while (i < bytes.Length && (bytes[i] == ' ' || bytes[i] == '\t'))
            i++;
        var negative = false;
        if (i < bytes.Length && (bytes[i] == '-' || bytes[i] == '+'))
            negative = bytes[i++] == '-';
        long value = 0;
        while (i < bytes.Length && bytes[i] is >= (byte)'0' and <= (byte)'9' && value < int.MaxValue)
            value = value * 10 + (bytes[i++] - '0');
        value = Math.Min(value, int.MaxValue);
        return (int)(negative ? -value : value);
    }

    private void LogReceived(ReadOnlySpan<byte> chunk)
    {
        foreach (var b in chunk)
        {
            if (b == (byte)'\n')
            {
                FlushPartialLogLine();
                continue;
            }
            if (b == (byte)'\r')
                continue;
            if (logLine.Count < MaxLogLine)
                logLine.Add(b);
        }
    }

    private void FlushPartialLogLine()
    {
        if (logLine.Count == 0)
            return;
        log.Add("Received: " + ChatExpander.Printable(logLine.ToArray(), context.AuthKey));
        logLine.Clear();
    }

    private void Finish(ChatResult r)
    {
        if (r is ChatSucceeded s)
            r = s with { Leftover = buffer.AsSpan(start, end - start).ToArray() };
        result = r;
        expecting = false;
        expectDeadline = null;
        pauseUntil = null;
    }

    private ChatStep Step()
    {
        var step = new ChatStep(writes, log, result is null ? pauseUntil ?? expectDeadline : null, result);
        writes = [];
        log = [];
        return step;
    }
}
