using System.Globalization;

namespace Gateway.Core.Modem.Chat;

/// <summary>How a chat script ended. <see cref="Describe"/> is the log line, e.g. "aborted on NO CARRIER after 12 s".</summary>
public abstract record ChatResult(TimeSpan Elapsed)
{
    /// <summary>A one-line description for logs and the dashboard; never contains the authkey.</summary>
    public abstract string Describe();

    public sealed override string ToString() => Describe();

    /// <summary>"12 s", "0.25 s".</summary>
    public static string FormatSeconds(TimeSpan t) =>
        Math.Round(t.TotalSeconds, 3).ToString("0.###", CultureInfo.InvariantCulture) + " s";
}

/// <summary>Every expect was met. <paramref name="Leftover"/> holds the bytes received after the last matched
/// expect string (for a dial script ending in <c>CONNECT \c \n</c>: the peer's first PPP frames); feed them to
/// the next stage (the login script's <see cref="ChatEngine.Start"/>, or the HDLC decoder).</summary>
public sealed record ChatSucceeded(TimeSpan Elapsed, ReadOnlyMemory<byte> Leftover) : ChatResult(Elapsed)
{
    public override string Describe() => $"succeeded after {FormatSeconds(Elapsed)}";
}

/// <summary>An <c>ABORT</c> string arrived (rendered printable, e.g. "NO CARRIER").</summary>
public sealed record ChatAborted(string AbortString, TimeSpan Elapsed) : ChatResult(Elapsed)
{
    public override string Describe() => $"aborted on {AbortString} after {FormatSeconds(Elapsed)}";
}

/// <summary>The expect string (the last sub-expect of an <c>expect-send-expect</c> word) did not arrive within its <c>TIMEOUT</c>.</summary>
public sealed record ChatTimedOut(string WaitingFor, TimeSpan Elapsed) : ChatResult(Elapsed)
{
    public override string Describe() => $"timed out waiting for {WaitingFor} after {FormatSeconds(Elapsed)}";
}

/// <summary>The script could not run (unterminated quote, or a <c>!command</c> word, which this engine does not execute).</summary>
public sealed record ChatFailed(string Reason, TimeSpan Elapsed) : ChatResult(Elapsed)
{
    public override string Describe() => $"failed: {Reason}";
}

/// <summary>What one call into <see cref="ChatEngine"/> asks the caller to do.</summary>
public sealed class ChatStep
{
    internal ChatStep(IReadOnlyList<ReadOnlyMemory<byte>> writes, IReadOnlyList<string> log, TimeSpan? timerDeadline, ChatResult? result)
    {
        Writes = writes;
        Log = log;
        TimerDeadline = timerDeadline;
        Result = result;
    }

    /// <summary>Bytes to write to the line, in order, now. They may contain the authkey: never log them (use <see cref="Log"/>).</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Writes { get; }

    /// <summary>Log lines in ppp's "Chat" style ("Expect(4): OK", "Send: ATZ", "Received: BUSY", "Expect timeout"), secrets masked.</summary>
    public IReadOnlyList<string> Log { get; }

    /// <summary>When the engine wants <see cref="ChatEngine.TimerExpired"/> called (a pause ends or an expect times out); null: no timer.</summary>
    public TimeSpan? TimerDeadline { get; }

    /// <summary>Set once the script has ended; later calls return the same result and do nothing.</summary>
    public ChatResult? Result { get; }
}
