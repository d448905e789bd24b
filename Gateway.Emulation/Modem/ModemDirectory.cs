namespace Gateway.Emulation.Modem;

/// <summary>What the far end of a dialed number does.</summary>
public enum CallOutcome : byte
{
    /// <summary>The remote modem answers: CONNECT, then data flows.</summary>
    Answer,

    /// <summary>BUSY.</summary>
    Busy,

    /// <summary>Rings until S7 expires: NO CARRIER.</summary>
    NoAnswer,

    /// <summary>Answers but the handshake fails: NO CARRIER after <see cref="NumberBehaviour.Delay"/>.</summary>
    NoCarrier,
}

/// <summary>How one call to a number goes.</summary>
/// <param name="Outcome">Answer, busy, no answer or failed handshake.</param>
public sealed record NumberBehaviour(CallOutcome Outcome)
{
    /// <summary>Answers after the default 2 s of ringing and handshake.</summary>
    public static NumberBehaviour Answer { get; } = new(CallOutcome.Answer);

    /// <summary>BUSY after the default 2 s.</summary>
    public static NumberBehaviour Busy { get; } = new(CallOutcome.Busy);

    /// <summary>NO CARRIER when S7 (wait for carrier, default 50 s) runs out.</summary>
    public static NumberBehaviour NoAnswer { get; } = new(CallOutcome.NoAnswer);

    /// <summary>Time from the end of the dial command to the result code (ignored for <see cref="CallOutcome.NoAnswer"/>, which waits S7).</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>When set, the carrier drops this long after CONNECT (NO CARRIER to the computer).</summary>
    public TimeSpan? DropCarrierAfter { get; init; }

    /// <summary>Probability that any one bit on the line is flipped, in both directions (0 = a clean line).</summary>
    public double BitErrorRate { get; init; }

    /// <summary>The speed reported in CONNECT and used for pacing; null = the modem's line speed.</summary>
    public int? ConnectSpeed { get; init; }
}

/// <summary>
/// The telephone network seen by emulated modems: per number, a sequence of behaviours used one call
/// after another (the last one repeats), e.g. busy three times and then answer. Thread-safe, so a
/// dashboard or test can change it while modems run.
/// </summary>
public sealed class ModemDirectory
{
    private readonly Dictionary<string, (NumberBehaviour[] Sequence, int Calls)> numbers = [];
    private readonly Lock gate = new();

    /// <summary>What numbers not in the directory do (default: no answer).</summary>
    public NumberBehaviour Unknown { get; set; } = NumberBehaviour.NoAnswer;

    /// <summary>Sets the behaviour of successive calls to <paramref name="number"/> (digits only are compared).</summary>
    public ModemDirectory Set(string number, params NumberBehaviour[] sequence)
    {
        ArgumentOutOfRangeException.ThrowIfZero(sequence.Length);
        lock (gate)
            numbers[Normalize(number)] = ([.. sequence], 0);
        return this;
    }

    /// <summary>How many calls <paramref name="number"/> has received.</summary>
    public int CallsTo(string number)
    {
        lock (gate)
            return numbers.TryGetValue(Normalize(number), out var entry) ? entry.Calls : 0;
    }

    /// <summary>The behaviour of the next call to <paramref name="number"/>.</summary>
    public NumberBehaviour Call(string number)
    {
        var key = Normalize(number);
        lock (gate)
        {
            if (!numbers.TryGetValue(key, out var entry))
                return Unknown;
            numbers[key] = (entry.Sequence, entry.Calls + 1);
            return entry.Sequence[Math.Min(entry.Calls, entry.Sequence.Length - 1)];
        }
    }

    /// <summary>Keeps what a telephone exchange would: digits, *, # and A-D.</summary>
    public static string Normalize(string number) =>
        string.Concat(number.Where(c => char.IsAsciiDigit(c) || c is '*' or '#' or 'A' or 'B' or 'C' or 'D'));
}
