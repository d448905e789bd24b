namespace Gateway.Core.Config;

/// <summary>
/// FreeBSD ppp's <c>set redial secs[+inc[-max]][.next] [attempts]</c>, parsed. A value of
/// <see langword="null"/> for <see cref="Pause"/> or <see cref="NextPause"/> means the literal
/// <c>random</c>: a random delay of 1 to 30 seconds, as ppp(8) describes.
/// </summary>
/// <param name="Pause">Pause before starting again at the first phone number (secs).</param>
/// <param name="Increment">Added to <see cref="Pause"/> on each new round (inc).</param>
/// <param name="MaxIncrements">How many times <see cref="Increment"/> may be added (max, default 10).</param>
/// <param name="NextPause">Pause before dialing the next number of the list (next).</param>
/// <param name="Attempts">How many times to dial in all; 0 means forever.</param>
public sealed record RedialSpec(
    TimeSpan? Pause,
    TimeSpan Increment,
    int MaxIncrements,
    TimeSpan? NextPause,
    int Attempts);
