namespace Gateway.Core.Modem.Chat;

/// <summary>Which script a <see cref="DialAndLoginChat"/> is running.</summary>
public enum ChatPhase : byte
{
    Dial,
    Login,
    Done,
}

/// <summary>
/// ppp's DIAL then LOGIN phases: the <c>set dial</c> script, then the <c>set login</c> script on the same
/// line, the bytes received after the dial script's last match carried into the login script (ppp keeps
/// its chat buffer between them). As in ppp, <c>\T</c> expands to the phone number in the dial script
/// only (datalink.c sets up the login chat with no phone number). The carrier check that ppp makes
/// between the two (DATALINK_CARRIER) belongs to the serial-line owner: construct the two
/// <see cref="ChatEngine"/>s directly if it must happen in between.
/// </summary>
public sealed class DialAndLoginChat
{
    private readonly ChatScript loginScript;
    private readonly ChatContext loginContext;
    private ChatEngine engine;
    private ChatPhase? failedIn;

    /// <param name="dial">The dial script.</param>
    /// <param name="login">The login script (<see cref="ChatScript.Empty"/> when <c>set login</c> is empty).</param>
    /// <param name="context">Phone number (for the dial script), authname and authkey.</param>
    public DialAndLoginChat(ChatScript dial, ChatScript login, ChatContext context)
    {
        engine = new ChatEngine(dial, context);
        loginScript = login;
        loginContext = new ChatContext(null, context.AuthName, context.AuthKey);
    }

    public ChatPhase Phase { get; private set; } = ChatPhase.Dial;

    /// <summary>The final result: the login script's success, or the failing script's result.</summary>
    public ChatResult? Result { get; private set; }

    /// <summary>"dial" or "login" followed by the result, e.g. "dial: aborted on BUSY after 5 s".</summary>
    public string? Describe() => Result is null ? null : $"{(failedIn ?? ChatPhase.Login).ToString().ToLowerInvariant()}: {Result.Describe()}";

    public ChatStep Start(TimeSpan now) => Continue(engine.Start(now), now);

    public ChatStep Received(ReadOnlySpan<byte> bytes, TimeSpan now) => Continue(engine.Received(bytes, now), now);

    public ChatStep TimerExpired(TimeSpan now) => Continue(engine.TimerExpired(now), now);

    private ChatStep Continue(ChatStep step, TimeSpan now)
    {
        if (step.Result is null || Phase == ChatPhase.Done)
            return step;
        if (Phase == ChatPhase.Dial && step.Result is ChatSucceeded dialed)
        {
            Phase = ChatPhase.Login;
            engine = new ChatEngine(loginScript, loginContext);
            var login = engine.Start(now, dialed.Leftover.Span);
            var merged = new ChatStep([.. step.Writes, .. login.Writes], [.. step.Log, .. login.Log], login.TimerDeadline, login.Result);
            return Continue(merged, now);
        }
        if (step.Result is not ChatSucceeded)
            failedIn = Phase;
        Phase = ChatPhase.Done;
        Result = step.Result;
        return step;
    }
}
