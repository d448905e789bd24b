namespace Gateway.Core.Transport;

/// <summary>
/// A rate bound of so many a second in fixed one-second windows, for one thread (a socket's receive loop): the first
/// <c>perSecond</c> calls of each window are admitted, the rest refused. Allocates nothing.
/// </summary>
internal struct OneSecondWindow
{
    private long start;
    private int inWindow;

    public bool Admit(TimeProvider clock, int perSecond)
    {
        if (inWindow == 0 || clock.GetElapsedTime(start) >= TimeSpan.FromSeconds(1))
        {
            start = clock.GetTimestamp();
            inWindow = 0;
        }
        return ++inWindow <= perSecond;
    }
}
