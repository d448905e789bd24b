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
    int Attempts)
{
    /// <summary>ppp's DIAL_TIMEOUT (defs.h): the default pause, and the upper bound of a random one.</summary>
    public const int DefaultPauseSeconds = 30;

    /// <summary>ppp's DIAL_NEXT_TIMEOUT (defs.h).</summary>
    public const int DefaultNextPauseSeconds = 3;

    /// <summary>ppp's default number of increments when <c>+inc</c> has no <c>-max</c>.</summary>
    public const int DefaultMaxIncrements = 10;

    /// <summary>What a link has before any <c>set redial</c>: 30 s, no increment, 3 s to the next number, one attempt (datalink.c).</summary>
    public static RedialSpec Default { get; } = new(
        TimeSpan.FromSeconds(DefaultPauseSeconds), TimeSpan.Zero, DefaultMaxIncrements, TimeSpan.FromSeconds(DefaultNextPauseSeconds), 1);

    /// <summary>
    /// Parses the arguments of <c>set redial</c> (one or two) over <paramref name="current"/>: as in ppp, an
    /// omitted attempts count keeps the current one. Where ppp's <c>atoi</c> would silently read garbage as 0,
    /// this refuses it with a reason.
    /// </summary>
    public static bool TryParse(IReadOnlyList<string> args, RedialSpec current, out RedialSpec spec, out string? error)
    {
        spec = current;
        error = null;
        if (args.Count is < 1 or > 2)
        {
            error = "usage: set redial secs[+inc[-max]][.next] [attempts]";
            return false;
        }

        var text = args[0];
        var rest = text.AsSpan();
        TimeSpan? pause;
        if (rest.StartsWith("random", StringComparison.OrdinalIgnoreCase) && (rest.Length == 6 || rest[6] is '.' or '+'))
        {
            pause = null;
            rest = rest[6..];
        }
        else
        {
            if (!TakeNumber(ref rest, out var seconds))
            {
                error = $"'{text}': the pause must be a number of seconds or 'random'";
                return false;
            }
            pause = TimeSpan.FromSeconds(seconds);
        }

        var increment = TimeSpan.Zero;
        var maxIncrements = DefaultMaxIncrements;
        if (!rest.IsEmpty && rest[0] == '+')
        {
            rest = rest[1..];
            if (!TakeNumber(ref rest, out var inc))
            {
                error = $"'{text}': the increment after '+' must be a number of seconds";
                return false;
            }
            increment = TimeSpan.FromSeconds(inc);
            if (!rest.IsEmpty && rest[0] == '-')
            {
                rest = rest[1..];
                if (!TakeNumber(ref rest, out maxIncrements))
                {
                    error = $"'{text}': the maximum after '-' must be a number of increments";
                    return false;
                }
            }
        }

        TimeSpan? next = TimeSpan.FromSeconds(DefaultNextPauseSeconds);
        if (!rest.IsEmpty && rest[0] == '.')
        {
            rest = rest[1..];
            if (rest.Equals("random", StringComparison.OrdinalIgnoreCase))
            {
                next = null;
                rest = [];
            }
            else if (TakeNumber(ref rest, out var nextSeconds))
                next = TimeSpan.FromSeconds(nextSeconds);
            else
            {
                error = $"'{text}': the pause after '.' must be a number of seconds or 'random'";
                return false;
            }
        }

        if (!rest.IsEmpty)
        {
            error = $"'{text}': unexpected '{rest}' (syntax: secs[+inc[-max]][.next])";
            return false;
        }

        var attempts = current.Attempts;
        if (args.Count == 2 && !(args[1].Length is > 0 and <= 9 && args[1].All(char.IsAsciiDigit) && int.TryParse(args[1], out attempts)))
        {
            error = $"'{args[1]}': attempts must be a number (0: forever)";
            return false;
        }

        spec = new RedialSpec(pause, increment, maxIncrements, next, attempts);
        return true;
    }

    private static bool TakeNumber(ref ReadOnlySpan<char> text, out int value)
    {
        var length = 0;
        while (length < text.Length && char.IsAsciiDigit(text[length]))
            length++;
        value = 0;
        if (length is 0 or > 9 || !int.TryParse(text[..length], out value))
            return false;
        text = text[length..];
        return true;
    }
}
