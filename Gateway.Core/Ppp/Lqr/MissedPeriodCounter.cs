namespace Gateway.Core.Ppp.Lqr;

/// <summary>
/// The failure policy shared by LQR and echo keepalive: a link fails at the timer expiry that closes the
/// N-th consecutive period in which no valid answer arrived.
/// </summary>
internal struct MissedPeriodCounter
{
    private bool answeredThisPeriod;

    public int ConsecutiveMissed { get; private set; }

    public void Answered() => answeredThisPeriod = true;

    /// <summary>Closes a period; returns true when <paramref name="limit"/> consecutive periods went unanswered.</summary>
    public bool ClosePeriod(int limit)
    {
        ConsecutiveMissed = answeredThisPeriod ? 0 : ConsecutiveMissed + 1;
        answeredThisPeriod = false;
        return ConsecutiveMissed >= limit;
    }
}
