namespace Gateway.Core.Actors;

/// <summary>
/// How many lines of one kind a link may log per period (pure: the caller passes the time). A peer that has
/// authenticated can still renegotiate LCP as fast as it sends, and each renegotiation is several lines (state
/// changes, phases, the keepalive): past the budget the lines are counted instead, and the first line of a later
/// period carries the count of those left out, so a hostile or broken peer cannot fill a disk through one link.
/// </summary>
public sealed class LogBudget(int linesPerPeriod, TimeSpan period)
{
    private TimeSpan periodStart = TimeSpan.MinValue;
    private int used;

    /// <summary>Lines counted and not logged since the last line that was.</summary>
    public long Suppressed { get; private set; }

    /// <summary>Lines counted and not logged, in all.</summary>
    public long SuppressedTotal { get; private set; }

    /// <summary>
    /// Whether a line may be logged at <paramref name="now"/>; when it may and lines were left out before it,
    /// <paramref name="leftOut"/> is how many (the caller says so in or beside the line).
    /// </summary>
    public bool TryTake(TimeSpan now, out long leftOut)
    {
        leftOut = 0;
        if (periodStart == TimeSpan.MinValue || now - periodStart >= period)
        {
            periodStart = now;
            used = 0;
        }
        if (used >= linesPerPeriod)
        {
            Suppressed++;
            SuppressedTotal++;
            return false;
        }
        used++;
        leftOut = Suppressed;
        Suppressed = 0;
        return true;
    }

    /// <summary>
    /// <paramref name="line"/> as it should be logged at <paramref name="now"/>, with the count of the lines left out
    /// before it added; null when it is over the budget (and counted).
    /// </summary>
    public string? Line(TimeSpan now, string line)
    {
        if (!TryTake(now, out long leftOut))
            return null;
        return leftOut == 0 ? line : $"{line} ({leftOut} {(leftOut == 1 ? "line" : "lines")} like it not logged: over {linesPerPeriod} in {period.TotalSeconds:0.#} s)";
    }

    /// <summary>The count of lines left out and not yet reported (for a last line as the link stops); resets it.</summary>
    public long TakeSuppressed()
    {
        long n = Suppressed;
        Suppressed = 0;
        return n;
    }
}
