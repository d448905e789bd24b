namespace Gateway.Core.Status;

/// <summary>Bits per second in and out from cumulative octet counters, over windows of at least half a second.</summary>
public sealed class RateMeter
{
    private static readonly TimeSpan MinimumWindow = TimeSpan.FromMilliseconds(500);
    private (long In, long Out, TimeSpan At)? mark;

    public double BitsPerSecondIn { get; private set; }

    public double BitsPerSecondOut { get; private set; }

    /// <summary>Takes the counters at <paramref name="now"/>; the rates move once a window has passed.</summary>
    public void Sample(long octetsIn, long octetsOut, TimeSpan now)
    {
        if (mark is not { } m)
        {
            mark = (octetsIn, octetsOut, now);
            return;
        }
        var window = now - m.At;
        if (window < MinimumWindow)
            return;
        BitsPerSecondIn = Math.Max(0, octetsIn - m.In) * 8 / window.TotalSeconds;
        BitsPerSecondOut = Math.Max(0, octetsOut - m.Out) * 8 / window.TotalSeconds;
        mark = (octetsIn, octetsOut, now);
    }
}
