namespace Gateway.Emulation.Modem;

/// <summary>
/// The telephone network of several emulated modems: each number is answered by its own <see cref="IModemAnswerer"/>
/// (an emulated ISP); a call to any other number is refused, so the modem reports NO CARRIER.
/// </summary>
public sealed class TelephoneExchange : IModemAnswerer
{
    private readonly Dictionary<string, IModemAnswerer> lines = new(StringComparer.Ordinal);

    /// <summary>The numbers that answer, as dialled digits (<see cref="ModemDirectory.Normalize"/>).</summary>
    public IReadOnlyCollection<string> Numbers => lines.Keys;

    /// <summary>Connects <paramref name="number"/> to <paramref name="answerer"/>; false when the number is taken or has no digits.</summary>
    public bool TryConnect(string number, IModemAnswerer answerer)
    {
        string digits = ModemDirectory.Normalize(number);
        return digits.Length > 0 && lines.TryAdd(digits, answerer);
    }

    /// <summary>The modems' directory: the connected numbers answer, every other number rings out.</summary>
    public ModemDirectory Directory()
    {
        var directory = new ModemDirectory();
        foreach (string number in lines.Keys)
            directory.Set(number, NumberBehaviour.Answer);
        return directory;
    }

    public ValueTask<Stream?> AnswerAsync(string number, int speed, CancellationToken cancellationToken) =>
        lines.TryGetValue(ModemDirectory.Normalize(number), out var answerer)
            ? answerer.AnswerAsync(number, speed, cancellationToken)
            : ValueTask.FromResult<Stream?>(null);
}
