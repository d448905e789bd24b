using System.Globalization;
using System.Text;

namespace Gateway.Emulation.Modem;

/// <summary>Hayes result codes; the value is the numeric form sent with ATV0 (ITU-T V.250 6.2.6 table 1).</summary>
public enum ResultCode : byte
{
    Ok = 0,
    Connect = 1,
    Ring = 2,
    NoCarrier = 3,
    Error = 4,
    NoDialtone = 6,
    Busy = 7,
    NoAnswer = 8,
}

/// <summary>The emulated modem's mode.</summary>
public enum ModemMode : byte
{
    /// <summary>On hook, taking AT commands.</summary>
    Command,

    /// <summary>ATD issued, waiting for the result.</summary>
    Dialing,

    /// <summary>Carrier up, bytes pass through.</summary>
    Online,

    /// <summary>Carrier up, escaped with +++, taking AT commands (ATO returns online, ATH hangs up).</summary>
    OnlineCommand,
}

/// <summary>Something the adapter must act on.</summary>
public enum ModemEventKind : byte
{
    /// <summary>ATD: <see cref="ModemEvent.Number"/> is being dialed.</summary>
    Dialing,

    /// <summary>CONNECT: join the line to the answering endpoint for <see cref="ModemEvent.Number"/>.</summary>
    Connected,

    /// <summary>The carrier dropped (behaviour timer or the remote hung up): detach the endpoint.</summary>
    CarrierLost,

    /// <summary>ATH (or ATZ) while connected: detach the endpoint.</summary>
    HungUp,
}

/// <param name="Kind">What happened.</param>
/// <param name="Number">The dialed number (normalized), when relevant.</param>
/// <param name="Speed">The CONNECT speed, for <see cref="ModemEventKind.Connected"/>.</param>
public readonly record struct ModemEvent(ModemEventKind Kind, string? Number = null, int Speed = 0);

/// <summary>What a call into <see cref="HayesModem"/> produced.</summary>
public sealed class ModemStep
{
    internal ModemStep(byte[] toDte, byte[] toLine, IReadOnlyList<ModemEvent> events, TimeSpan? nextDeadline)
    {
        ToDte = toDte;
        ToLine = toLine;
        Events = events;
        NextDeadline = nextDeadline;
    }

    /// <summary>Bytes for the computer side (serial port): echo, result codes, data from the line.</summary>
    public ReadOnlyMemory<byte> ToDte { get; }

    /// <summary>Bytes for the remote endpoint (online data from the computer).</summary>
    public ReadOnlyMemory<byte> ToLine { get; }

    /// <summary>Connection events, in order.</summary>
    public IReadOnlyList<ModemEvent> Events { get; }

    /// <summary>When to call <see cref="HayesModem.Tick"/> next; null: nothing pending.</summary>
    public TimeSpan? NextDeadline { get; }
}

/// <summary>Settings of one emulated modem.</summary>
public sealed record ModemOptions
{
    /// <summary>DTE and default line speed in bits per second (ppp's <c>set speed</c>); 10 bits per byte.</summary>
    public int LineSpeed { get; init; } = 115200;

    /// <summary>False: the phone line is unplugged, every dial gives NO DIALTONE after S6.</summary>
    public bool DialTone { get; init; } = true;

    /// <summary>Bound of each direction's queue; excess bytes are dropped and counted.</summary>
    public int QueueCapacity { get; init; } = 64 * 1024;

    /// <summary>Longest command line kept; longer lines answer ERROR.</summary>
    public int MaxCommandLength { get; init; } = 256;

    /// <summary>The ATI answer.</summary>
    public string Identification { get; init; } = "Gateway Hayes-compatible emulator";
}

/// <summary>
/// The pure core of a Hayes-compatible modem: AT command parser, S-registers, command / online
/// modes, the <c>+++</c> escape with guard times, dialing against a <see cref="ModemDirectory"/>, and
/// pacing at the line speed. Time comes in as <c>now</c>; nothing here blocks, sleeps or reads a clock.
/// </summary>
/// <remarks>
/// Commands: <c>AT</c>, <c>ATZ</c>, <c>AT&amp;F</c>, <c>ATE0/1</c>, <c>ATV0/1</c>, <c>ATQ0/1</c>, <c>ATX0-4</c>, <c>ATL</c>,
/// <c>ATM</c>, <c>ATI</c>, <c>ATSn=v</c>, <c>ATSn?</c>, <c>ATD[T|P]number</c>, <c>ATH[0]</c>, <c>ATO[0]</c>, <c>A/</c>, and the common
/// <c>&amp;C &amp;D &amp;K &amp;Q &amp;S &amp;W &amp;Y</c> settings (accepted, no effect), several per line. Bytes that do not begin
/// with <c>AT</c> are ignored in command mode, as on a real modem; an <c>AT</c> line with an unknown command gives
/// ERROR. Result codes are verbose (<c>\r\nOK\r\n</c>) or numeric (<c>0\r</c>) per ATV; ATQ1 silences them;
/// CONNECT is numeric code 1 whatever the speed. Any byte from the computer while dialing aborts the call
/// (NO CARRIER). The escape is: S12 guard time (1/50 s units, default 50 = 1 s) without data, three S2
/// characters (default '+', each within the guard time of the previous), then the guard time without data: OK,
/// online-command mode. The three characters are also passed on as data, as a real modem does. S2 &gt; 127 disables
/// the escape.
/// </remarks>
public sealed class HayesModem
{
    // S-register numbers and factory values (ITU-T V.250 6.2, Hayes).
    public const int SRings = 0, SEscapeChar = 2, SCarriageReturn = 3, SLineFeed = 4, SBackspace = 5,
        SWaitForDialTone = 6, SWaitForCarrier = 7, SCommaPause = 8, SCarrierLossDelay = 10, SGuardTime = 12;

    private static readonly byte[] FactoryRegisters = CreateFactoryRegisters();

    private readonly ModemOptions options;
    private readonly ModemDirectory directory;
    private readonly Random random;
    private readonly byte[] registers = (byte[])FactoryRegisters.Clone();
    private readonly PacedQueue toDte;
    private readonly PacedQueue toLine;
    private readonly StringBuilder commandLine = new();

    private readonly List<byte> dteOut = [];
    private readonly List<byte> lineOut = [];
    private List<ModemEvent> events = [];

    private bool echo = true, verbose = true, quiet;
    private bool sawA, inCommand, commandOverflow;
    private string lastCommand = "";

    private string? number;
    private NumberBehaviour? call;
    private TimeSpan? dialResultAt;
    private TimeSpan? carrierDropAt;
    private int connectSpeed;

    private TimeSpan lastDataAt;
    private int plusCount;
    private TimeSpan lastPlusAt;
    private TimeSpan? escapeAt;
    private bool noDialTone;

    public HayesModem(ModemOptions options, ModemDirectory directory, Random random)
    {
        this.options = options;
        this.directory = directory;
        this.random = random;
        toDte = new PacedQueue(options.QueueCapacity, options.LineSpeed);
        toLine = new PacedQueue(options.QueueCapacity, options.LineSpeed);
    }

    public ModemMode Mode { get; private set; } = ModemMode.Command;

    /// <summary>True while a call is up (online or online-command).</summary>
    public bool CarrierDetect => Mode is ModemMode.Online or ModemMode.OnlineCommand;

    public bool Echo => echo;
    public bool Verbose => verbose;

    /// <summary>Reads an S-register.</summary>
    public byte Register(int n) => registers[n];

    /// <summary>Bytes dropped because a queue was full (computer-bound, line-bound).</summary>
    public (long ToDte, long ToLine) Overruns => (toDte.Overruns, toLine.Overruns);

    /// <summary>Bits flipped by line noise so far.</summary>
    public long NoiseBitsFlipped { get; private set; }

    /// <summary>Line bytes that arrived while not online (discarded).</summary>
    public long LineBytesDiscarded { get; private set; }

    /// <summary>Room left for bytes from the computer; an adapter may stop reading when it is 0 (flow control).</summary>
    public int DteInputRoom => Mode == ModemMode.Online ? toLine.Free : int.MaxValue;

    /// <summary>Bytes written by the computer at <paramref name="now"/>.</summary>
    public ModemStep FromDte(ReadOnlySpan<byte> bytes, TimeSpan now)
    {
        RunTimers(now);
        foreach (var b in bytes)
        {
            switch (Mode)
            {
                case ModemMode.Command:
                case ModemMode.OnlineCommand:
                    if (echo)
                        Say([b], now);
                    CommandByte(b, now);
                    break;
                case ModemMode.Dialing:
                    EndCall(now, ResultCode.NoCarrier, null); // a keypress aborts dialing
                    break;
                case ModemMode.Online:
                    OnlineByte(b, now);
                    break;
            }
        }
        return Step(now);
    }

    /// <summary>Bytes from the remote endpoint at <paramref name="now"/>; discarded unless online.</summary>
    public ModemStep FromLine(ReadOnlySpan<byte> bytes, TimeSpan now)
    {
        RunTimers(now);
        if (Mode == ModemMode.Online)
        {
            var noisy = ApplyNoise(bytes);
            toDte.Enqueue(noisy, now);
        }
        else
        {
            LineBytesDiscarded += bytes.Length;
        }
        return Step(now);
    }

    /// <summary>The remote endpoint hung up or failed to attach: NO CARRIER if a call was up.</summary>
    public ModemStep RemoteHungUp(TimeSpan now)
    {
        RunTimers(now);
        if (CarrierDetect)
            EndCall(now, ResultCode.NoCarrier, ModemEventKind.CarrierLost);
        return Step(now);
    }

    /// <summary>
    /// The computer dropped DTR (Hayes <c>&amp;D2</c>, the usual setting): a call in progress or up is hung up and the
    /// modem returns to command mode, as <c>ATH</c> would, without the <c>+++</c> guard times.
    /// </summary>
    public ModemStep DtrDropped(TimeSpan now)
    {
        RunTimers(now);
        if (CarrierDetect || Mode == ModemMode.Dialing)
            EndCall(now, ResultCode.NoCarrier, ModemEventKind.HungUp);
        return Step(now);
    }

    /// <summary>Timer callback for <see cref="ModemStep.NextDeadline"/>; early calls are harmless.</summary>
    public ModemStep Tick(TimeSpan now)
    {
        RunTimers(now);
        return Step(now);
    }

    private void RunTimers(TimeSpan now)
    {
        if (dialResultAt is { } due && now >= due)
        {
            dialResultAt = null;
            CompleteDial(now);
        }
        if (carrierDropAt is { } drop && now >= drop && CarrierDetect)
            EndCall(now, ResultCode.NoCarrier, ModemEventKind.CarrierLost);
        if (escapeAt is { } esc && now >= esc && Mode == ModemMode.Online)
        {
            escapeAt = null;
            plusCount = 0;
            Mode = ModemMode.OnlineCommand;
            Result(ResultCode.Ok, now);
        }
    }

    private void CompleteDial(TimeSpan now)
    {
        if (Mode != ModemMode.Dialing || call is null)
            return;
        switch (call.Outcome)
        {
            case CallOutcome.Answer:
                connectSpeed = call.ConnectSpeed ?? options.LineSpeed;
                Mode = ModemMode.Online;
                Result(ResultCode.Connect, now);
                toDte.SetRate(connectSpeed, now, dteOut);
                toLine.SetRate(connectSpeed, now, lineOut);
                carrierDropAt = call.DropCarrierAfter is { } after ? now + after : null;
                lastDataAt = now;
                plusCount = 0;
                escapeAt = null;
                events.Add(new ModemEvent(ModemEventKind.Connected, number, connectSpeed));
                break;
            case CallOutcome.Busy:
                EndCall(now, ResultCode.Busy, null);
                break;
            default:
                EndCall(now, noDialTone ? ResultCode.NoDialtone : ResultCode.NoCarrier, null);
                break;
        }
    }

    private void EndCall(TimeSpan now, ResultCode code, ModemEventKind? evt)
    {
        var wasUp = CarrierDetect;
        Mode = ModemMode.Command;
        dialResultAt = null;
        carrierDropAt = null;
        escapeAt = null;
        plusCount = 0;
        toLine.Clear();
        if (wasUp)
        {
            toDte.SetRate(options.LineSpeed, now, dteOut);
            toLine.SetRate(options.LineSpeed, now, lineOut);
        }
        if (evt is { } e && wasUp)
            events.Add(new ModemEvent(e, number));
        Result(code, now);
        call = null;
        noDialTone = false;
    }

    private void OnlineByte(byte b, TimeSpan now)
    {
        var escapeChar = registers[SEscapeChar];
        var guard = GuardTime;
        if (escapeChar <= 127 && b == escapeChar)
        {
            if (plusCount == 0 && now - lastDataAt >= guard)
            {
                plusCount = 1;
                lastPlusAt = now;
            }
            else if (plusCount is 1 or 2 && now - lastPlusAt <= guard)
            {
                plusCount++;
                lastPlusAt = now;
                if (plusCount == 3)
                    escapeAt = now + guard;
            }
            else
            {
                plusCount = 0;
                escapeAt = null;
                lastDataAt = now;
            }
        }
        else
        {
            plusCount = 0;
            escapeAt = null;
            lastDataAt = now;
        }
        toLine.Enqueue(ApplyNoise([b]), now);
    }

    private TimeSpan GuardTime => TimeSpan.FromMilliseconds(registers[SGuardTime] * 20);

    private void CommandByte(byte b, TimeSpan now)
    {
        if (!inCommand)
        {
            if (sawA && (b == 'T' || b == 't'))
            {
                inCommand = true;
                commandOverflow = false;
                commandLine.Clear();
            }
            else if (sawA && b == '/')
            {
                sawA = false;
                Execute(lastCommand, now);
                return;
            }
            sawA = b is (byte)'A' or (byte)'a';
            return;
        }

        if (b == registers[SCarriageReturn])
        {
            inCommand = false;
            sawA = false;
            if (commandOverflow)
            {
                Result(ResultCode.Error, now);
                return;
            }
            lastCommand = commandLine.ToString();
            Execute(lastCommand, now);
        }
        else if (b == registers[SBackspace])
        {
            if (commandLine.Length > 0)
                commandLine.Length--;
        }
        else if (b is >= 0x20 and < 0x7F)
        {
            if (commandLine.Length < options.MaxCommandLength)
                commandLine.Append((char)b);
            else
                commandOverflow = true;
        }
    }

    /// <summary>Runs the commands after "AT"; one final result code unless a command supplies its own.</summary>
    private void Execute(string line, TimeSpan now)
    {
        var i = 0;
        while (i < line.Length)
        {
            var c = char.ToUpperInvariant(line[i++]);
            switch (c)
            {
                case ' ':
                    continue;
                case 'Z':
                    ReadNumber(line, ref i);
                    Reset(now);
                    Result(ResultCode.Ok, now);
                    return;
                case '&':
                {
                    if (i >= line.Length)
                    {
                        Result(ResultCode.Error, now);
                        return;
                    }
                    var letter = char.ToUpperInvariant(line[i++]);
                    ReadNumber(line, ref i);
                    if (letter == 'F')
                        FactoryDefaults();
                    else if ("CDKQSWYV".IndexOf(letter) < 0)
                    {
                        Result(ResultCode.Error, now);
                        return;
                    }
                    continue;
                }
                case 'E' or 'V' or 'Q' or 'X' or 'L' or 'M' or 'H' or 'O' or 'I':
                {
                    var value = ReadNumber(line, ref i) ?? 0;
                    if (!Simple(c, value, now, out var stop))
                    {
                        Result(ResultCode.Error, now);
                        return;
                    }
                    if (stop)
                        return;
                    continue;
                }
                case 'S':
                {
                    var register = ReadNumber(line, ref i);
                    if (register is null or > 255 || i >= line.Length)
                    {
                        Result(ResultCode.Error, now);
                        return;
                    }
                    if (line[i] == '?')
                    {
                        i++;
                        Info(registers[register.Value].ToString("D3", CultureInfo.InvariantCulture), now);
                        continue;
                    }
                    if (line[i] == '=')
                    {
                        i++;
                        var value = ReadNumber(line, ref i) ?? 0;
                        if (value > 255)
                        {
                            Result(ResultCode.Error, now);
                            return;
                        }
                        registers[register.Value] = (byte)value;
                        continue;
                    }
                    Result(ResultCode.Error, now);
                    return;
                }
                case 'D':
                    Dial(line[i..], now);
                    return;
                default:
                    Result(ResultCode.Error, now);
                    return;
            }
        }
        Result(ResultCode.Ok, now);
    }

    /// <summary>One-letter commands with a numeric argument. <paramref name="stop"/>: the command produced its own result.</summary>
    private bool Simple(char c, int value, TimeSpan now, out bool stop)
    {
        stop = false;
        switch (c)
        {
            case 'E' when value <= 1: echo = value == 1; return true;
            case 'V' when value <= 1: verbose = value == 1; return true;
            case 'Q' when value <= 1: quiet = value == 1; return true;
            case 'X' when value <= 4: return true;
            case 'L' or 'M' when value <= 3: return true;
            case 'I': Info(options.Identification, now); return true;
            case 'H' when value == 0:
                if (CarrierDetect)
                {
                    EndCall(now, ResultCode.Ok, ModemEventKind.HungUp);
                    stop = true;
                }
                return true;
            case 'O' when value == 0:
                if (Mode != ModemMode.OnlineCommand)
                {
                    Result(ResultCode.NoCarrier, now);
                    stop = true;
                    return true;
                }
                Mode = ModemMode.Online;
                lastDataAt = now;
                plusCount = 0;
                Result(ResultCode.Connect, now);
                stop = true;
                return true;
            default:
                return false;
        }
    }

    private void Dial(string dialString, TimeSpan now)
    {
        if (CarrierDetect)
        {
            Result(ResultCode.Error, now);
            return;
        }
        var digits = ModemDirectory.Normalize(dialString.ToUpperInvariant().Replace("T", "").Replace("P", ""));
        number = digits;
        events.Add(new ModemEvent(ModemEventKind.Dialing, digits));
        Mode = ModemMode.Dialing;
        if (!options.DialTone)
        {
            call = new NumberBehaviour(CallOutcome.NoCarrier);
            dialResultAt = now + TimeSpan.FromSeconds(registers[SWaitForDialTone]);
            noDialTone = true;
            return;
        }
        if (digits.Length == 0)
        {
            EndCall(now, ResultCode.NoCarrier, null);
            return;
        }
        call = directory.Call(digits);
        var wait = call.Outcome == CallOutcome.NoAnswer ? TimeSpan.FromSeconds(registers[SWaitForCarrier]) : call.Delay;
        dialResultAt = now + wait;
    }

    private void Reset(TimeSpan now)
    {
        if (CarrierDetect)
            EndCallSilently(now);
        FactoryDefaults();
    }

    private void EndCallSilently(TimeSpan now)
    {
        var wasQuiet = quiet;
        quiet = true;
        EndCall(now, ResultCode.Ok, ModemEventKind.HungUp);
        quiet = wasQuiet;
    }

    private void FactoryDefaults()
    {
        FactoryRegisters.CopyTo(registers, 0);
        echo = true;
        verbose = true;
        quiet = false;
    }

    private static int? ReadNumber(string s, ref int i)
    {
        var start = i;
        var value = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            if (value < 100000)
                value = value * 10 + (s[i] - '0');
            i++;
        }
        return i == start ? null : value;
    }

    private void Result(ResultCode code, TimeSpan now)
    {
        if (quiet)
            return;
        var cr = (char)registers[SCarriageReturn];
        var lf = (char)registers[SLineFeed];
        string text;
        if (verbose)
        {
            var word = code switch
            {
                ResultCode.Ok => "OK",
                ResultCode.Connect => connectSpeed > 0 && CarrierDetect ? $"CONNECT {connectSpeed}" : "CONNECT",
                ResultCode.Ring => "RING",
                ResultCode.NoCarrier => "NO CARRIER",
                ResultCode.Error => "ERROR",
                ResultCode.NoDialtone => "NO DIALTONE",
                ResultCode.Busy => "BUSY",
                _ => "NO ANSWER",
            };
            text = $"{cr}{lf}{word}{cr}{lf}";
        }
        else
        {
            text = $"{(int)code}{cr}";
        }
        Say(Encoding.ASCII.GetBytes(text), now);
    }

    private void Info(string text, TimeSpan now)
    {
        var cr = (char)registers[SCarriageReturn];
        var lf = (char)registers[SLineFeed];
        Say(Encoding.ASCII.GetBytes($"{cr}{lf}{text}{cr}{lf}"), now);
    }

    private void Say(ReadOnlySpan<byte> bytes, TimeSpan now) => toDte.Enqueue(bytes, now);

    private byte[] ApplyNoise(ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        var ber = call?.BitErrorRate ?? 0;
        if (ber <= 0)
            return copy;
        for (var i = 0; i < copy.Length; i++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                if (random.NextDouble() < ber)
                {
                    copy[i] ^= (byte)(1 << bit);
                    NoiseBitsFlipped++;
                }
            }
        }
        return copy;
    }

    private ModemStep Step(TimeSpan now)
    {
        toDte.Release(now, dteOut);
        toLine.Release(now, lineOut);
        TimeSpan? next = null;
        foreach (var t in new[] { dialResultAt, carrierDropAt, escapeAt, toDte.NextReleaseAt, toLine.NextReleaseAt })
            if (t is { } v && (next is null || v < next))
                next = v;
        var step = new ModemStep([.. dteOut], [.. lineOut], events, next);
        dteOut.Clear();
        lineOut.Clear();
        events = [];
        return step;
    }

    private static byte[] CreateFactoryRegisters()
    {
        var r = new byte[256];
        r[SRings] = 0;
        r[SEscapeChar] = (byte)'+';
        r[SCarriageReturn] = 13;
        r[SLineFeed] = 10;
        r[SBackspace] = 8;
        r[SWaitForDialTone] = 2;
        r[SWaitForCarrier] = 50;
        r[SCommaPause] = 2;
        r[SCarrierLossDelay] = 14;
        r[SGuardTime] = 50;
        return r;
    }
}
