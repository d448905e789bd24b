using Gateway.Core.Config;

namespace Gateway.Core.Modem.Redial;

/// <summary>What <see cref="RedialPolicy"/> decided.</summary>
public enum RedialAction : byte
{
    /// <summary>Wait <see cref="RedialDecision.Delay"/>, then open the device and dial <see cref="RedialDecision.PhoneNumber"/>.</summary>
    Dial,

    /// <summary>Stop: the link goes to CLOSED. <see cref="RedialDecision.Reason"/> says why.</summary>
    GiveUp,
}

/// <param name="Action">Dial or give up.</param>
/// <param name="Delay">Pause before the dial (zero for the first dial of an open). For <see cref="RedialAction.GiveUp"/>: the
/// hold-off ppp starts on closing (a manual redial before it ends is deferred unless forced with <c>open!</c>).</param>
/// <param name="PhoneNumber">The number for <c>\T</c>; "" when <c>set phone</c> is empty; null when giving up.</param>
/// <param name="Attempt">1-based dial attempt since the open (or since the last reconnect); 0 when giving up.</param>
/// <param name="Reason">A log line: "dial attempt 2 of 5 (1234567) after 3 s", "reconnect 1 of 2 after 3 s", "gave up after 5 dial attempts".</param>
public sealed record RedialDecision(RedialAction Action, TimeSpan Delay, string? PhoneNumber, int Attempt, string Reason);

/// <summary>
/// When to dial, which number, and when to give up, exactly as FreeBSD ppp's datalink.c times it
/// (datalink_Up, the DATALINK_OPENING case of datalink_UpdateSet, datalink_HangupDone,
/// datalink_GetDialTimeout, datalink_StartDialTimer). Pure: the caller reports outcomes and carries
/// out the decisions with its own timers; randomness comes from the injected <see cref="Random"/>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>An open allows <c>attempts</c> dials (<see cref="RedialSpec.Attempts"/>). As in ppp, 0 does not mean
/// "forever": the try counter cannot go below zero, so 0 gives a single attempt, unless the link is
/// <paramref name="dedicatedDial"/> (ppp's <c>-ddial</c> mode), which never gives up whatever the count.</item>
/// <item>After a failed attempt (device open, dial or login script, carrier), if colon-separated phone groups
/// remain in this pass of the list the pause is <c>next</c>; otherwise it is <c>secs + n * inc</c> where n counts
/// the earlier full pauses of this open, capped at <c>max</c> increments.</item>
/// <item><c>random</c> is 1 to 30 s (<c>random() % 30 + 1</c>). With <c>random+inc</c>, ppp computes
/// <c>-1 + n * inc</c> and only draws a random pause while that is negative; this is reproduced.</item>
/// <item>A zero pause is one ppp timer tick (0.1 s).</item>
/// <item>After a connected line drops: a reconnect after the <c>set reconnect</c> timeout while reconnect tries
/// remain (counted from the open, not reset by connecting), with a fresh set of dial attempts; else give up.</item>
/// </list>
/// </remarks>
public sealed class RedialPolicy
{
    /// <summary>defs.h DIAL_TIMEOUT: the range of a random pause (1 to 30 s) and ppp's default redial pause.</summary>
    public const int RandomRangeSeconds = 30;

    /// <summary>One ppp timer tick (TICKUNIT 100000 us): what a zero pause really waits.</summary>
    public static readonly TimeSpan TimerTick = TimeSpan.FromMilliseconds(100);

    private readonly RedialSpec redial;
    private readonly ReconnectSpec reconnect;
    private readonly PhoneRotation phones;
    private readonly Random random;
    private readonly bool dedicatedDial;

    private int tries = -1;       // ppp dl->dial.tries: -1 = connected (or closed)
    private int increments;       // ppp dl->dial.incs
    private int reconnectTries;   // ppp dl->reconnect_tries
    private int attemptsThisRound;
    private bool open;

    /// <param name="redial"><c>set redial</c>.</param>
    /// <param name="reconnect"><c>set reconnect</c>; <see cref="ReconnectSpec.Default"/> when not configured.</param>
    /// <param name="phoneList"><c>set phone</c>, e.g. <c>"1234567"</c> or <c>"111|222:333"</c>.</param>
    /// <param name="random">The random source for <c>random</c> pauses (seeded in tests).</param>
    /// <param name="dedicatedDial">ppp's <c>-ddial</c> mode: redial forever, never give up.</param>
    public RedialPolicy(RedialSpec redial, ReconnectSpec reconnect, string? phoneList, Random random, bool dedicatedDial = false)
    {
        this.redial = redial;
        this.reconnect = reconnect;
        phones = new PhoneRotation(phoneList);
        this.random = random;
        this.dedicatedDial = dedicatedDial;
    }

    /// <summary>True between <see cref="Open"/> and a <see cref="RedialAction.GiveUp"/>.</summary>
    public bool IsOpen => open;

    /// <summary>True after <see cref="Connected"/> until the line drops.</summary>
    public bool IsConnected => open && tries < 0;

    /// <summary>The link is opened (ppp <c>open</c> / <c>dial</c>): the first dial, at once.</summary>
    public RedialDecision Open()
    {
        open = true;
        tries = redial.Attempts;
        increments = 0;
        reconnectTries = reconnect.Tries;
        attemptsThisRound = 0;
        return NextDial(TimeSpan.Zero, null);
    }

    /// <summary>The attempt failed before the link was up: the device did not open, the dial or login script
    /// failed, or carrier was lost before LCP. Redial or give up.</summary>
    public RedialDecision AttemptFailed() => HangupDone();

    /// <summary>The login script finished and the line is up (ppp datalink_LoginDone): the attempt counters reset.</summary>
    public void Connected()
    {
        tries = -1;
        increments = 0;
        attemptsThisRound = 0;
        phones.Connected();
    }

    /// <summary>A connected line dropped (carrier loss, LQR failure, LCP down). Reconnect or give up.</summary>
    public RedialDecision LineDropped() => HangupDone();

    /// <summary>The operator closed the link: no further dial until the next <see cref="Open"/>.</summary>
    public void Close()
    {
        open = false;
        tries = -1;
        increments = 0;
        reconnectTries = 0;
    }

    private RedialDecision HangupDone()
    {
        if (!open)
            return new RedialDecision(RedialAction.GiveUp, TimeSpan.Zero, null, 0, "link is closed");

        var connected = tries < 0;
        if (!dedicatedDial && (tries == 0 || (connected && reconnectTries <= 0)))
        {
            var reason = connected
                ? $"line dropped; gave up: no reconnect tries left (set reconnect {Describe(reconnect.Timeout)} {reconnect.Tries})"
                : $"gave up after {attemptsThisRound} dial attempt{(attemptsThisRound == 1 ? "" : "s")}";
            Close();
            var holdOff = Pause(DialTimeoutSeconds());
            return new RedialDecision(RedialAction.GiveUp, holdOff, null, 0, reason);
        }

        if (connected)
        {
            var pause = Pause(reconnect.Timeout is { } t ? Seconds(t) : -1);
            tries = redial.Attempts;
            increments = 0;
            reconnectTries--;
            attemptsThisRound = 0;
            var of = reconnect.Tries - reconnectTries;
            return NextDial(pause, dedicatedDial && reconnect.Tries <= 0 ? "reconnect" : $"reconnect {of} of {reconnect.Tries}");
        }

        var delay = phones.AtEndOfList
            ? Pause(DialTimeoutSeconds())
            : Pause(redial.NextPause is { } next ? Seconds(next) : -1);
        return NextDial(delay, null);
    }

    private RedialDecision NextDial(TimeSpan delay, string? prefix)
    {
        if (--tries < 0)
            tries = 0;
        attemptsThisRound++;
        var phone = phones.Next();
        var what = redial.Attempts > 0 && !dedicatedDial
            ? $"dial attempt {attemptsThisRound} of {redial.Attempts}"
            : $"dial attempt {attemptsThisRound}";
        var number = phone.Length > 0 ? $" ({phone})" : "";
        var after = delay > TimeSpan.Zero ? $" after {Gateway.Core.Modem.Chat.ChatResult.FormatSeconds(delay)}" : "";
        return new RedialDecision(RedialAction.Dial, delay, phone, attemptsThisRound,
            prefix is null ? $"{what}{number}{after}" : $"{prefix}: {what}{number}{after}");
    }

    /// <summary>ppp datalink_GetDialTimeout: secs + incs * inc, then one more increment up to max.</summary>
    private int DialTimeoutSeconds()
    {
        var baseSeconds = redial.Pause is { } p ? Seconds(p) : -1;
        var result = baseSeconds + increments * Seconds(redial.Increment);
        if (increments < redial.MaxIncrements)
            increments++;
        return result;
    }

    /// <summary>ppp datalink_StartDialTimer: negative means random 1..30 s; zero is one tick.</summary>
    private TimeSpan Pause(int seconds)
    {
        if (seconds < 0)
            seconds = random.Next(RandomRangeSeconds) + 1;
        return seconds == 0 ? TimerTick : TimeSpan.FromSeconds(seconds);
    }

    private static int Seconds(TimeSpan t) => (int)Math.Min(int.MaxValue, Math.Max(0, t.TotalSeconds));

    private static string Describe(TimeSpan? t) => t is { } v ? Seconds(v).ToString(System.Globalization.CultureInfo.InvariantCulture) : "random";
}
