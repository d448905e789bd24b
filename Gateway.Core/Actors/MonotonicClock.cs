using System.Diagnostics;

namespace Gateway.Core.Actors;

/// <summary>Time since the process started, for the pure core's <c>now</c> parameters (never goes backwards).</summary>
public static class MonotonicClock
{
    private static readonly long Start = Stopwatch.GetTimestamp();

    public static TimeSpan Now => Stopwatch.GetElapsedTime(Start);
}
