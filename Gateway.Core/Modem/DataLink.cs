using Gateway.Core.Modem.Chat;
using Gateway.Core.Modem.Redial;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Session;
using Gateway.Core.Status;
using static Gateway.Core.Modem.DataLinkAction;

namespace Gateway.Core.Modem;

/// <summary>What one datalink is built from (an ISP label's <c>set dial</c>, <c>set login</c>, <c>set phone</c>, <c>set redial</c>...).</summary>
/// <param name="Name">The label, for the log.</param>
/// <param name="Dial">The dial chat script.</param>
/// <param name="Login">The login chat script.</param>
/// <param name="Policy">When to dial which number, and when to give up.</param>
/// <param name="AuthName">For <c>\U</c> in the login script.</param>
/// <param name="AuthKey">For <c>\P</c> in the login script.</param>
public sealed record DataLinkSettings(string Name, ChatScript Dial, ChatScript Login, RedialPolicy Policy, string AuthName, string AuthKey);

/// <summary>
/// One modem link's life, pure, as FreeBSD ppp's datalink.c runs it: CLOSED -&gt; OPENING (the device, or the redial
/// timer) -&gt; DIAL -&gt; CARRIER -&gt; LOGIN (the chat scripts) -&gt; READY -&gt; LCP -&gt; AUTH -&gt; OPEN, and HANGUP
/// between attempts, with <see cref="RedialPolicy"/> deciding after each. <see cref="Handle"/> takes one event and
/// returns what the owner must do, in order; the owner runs the device, the timers and the PPP session and feeds
/// their outcomes back. Every phase change is logged as FreeBSD does (<c>Phase: dial --&gt; carrier</c>).
/// </summary>
/// <remarks>
/// <c>close</c> and <c>down</c> both leave the link CLOSED until the next <c>dial</c> (FreeBSD's CLOSE_STAYDOWN):
/// <c>close</c> says goodbye with an LCP Terminate-Request first, <c>down</c> drops the line at once. A line that
/// drops by itself (carrier, keepalive, the peer's Terminate) is the redial policy's: reconnect or give up.
/// </remarks>
public sealed class DataLink
{
    private readonly DataLinkSettings settings;
    private List<DataLinkAction> actions = [];
    private DialAndLoginChat? chat;
    private RedialDecision? dialAfterOpen;
    private bool redialPending;
    private bool stayDown;
    private bool dialAfterHangup;
    private bool sessionActive;
    private bool failed;
    private bool networkSeen;
    private string? pendingDownReason;

    public DataLink(DataLinkSettings settings) => this.settings = settings;

    public DataLinkPhase Phase { get; private set; } = DataLinkPhase.Closed;

    /// <summary>IPCP is up: the link carries IP (and <see cref="DataLinkAction.Up"/> was announced).</summary>
    public bool AnnouncedUp { get; private set; }

    /// <summary>MYADDR and HISADDR while IPCP is up.</summary>
    public IpcpNegotiated? Addresses { get; private set; }

    /// <summary>Why the link last went down or closed; null while up.</summary>
    public string? LastReason { get; private set; }

    /// <summary>The number of the current or latest attempt.</summary>
    public string? Phone { get; private set; }

    /// <summary>Dial attempts since the link was created.</summary>
    public int DialAttempts { get; private set; }

    /// <summary>A chat script runs: line bytes go to <see cref="DataLinkEvent.LineData"/>, not to the session.</summary>
    public bool Chatting => chat is not null;

    /// <summary>The phase as the dashboard shows it.</summary>
    public IspLinkState State => failed ? IspLinkState.Failed : Phase switch
    {
        DataLinkPhase.Closed => IspLinkState.Closed,
        DataLinkPhase.Opening => redialPending ? IspLinkState.RedialWait : IspLinkState.Opening,
        DataLinkPhase.Hangup => IspLinkState.HangingUp,
        DataLinkPhase.Dial or DataLinkPhase.Carrier => IspLinkState.Dialing,
        DataLinkPhase.Login => IspLinkState.Login,
        DataLinkPhase.Ready or DataLinkPhase.Lcp => IspLinkState.Lcp,
        DataLinkPhase.Auth => IspLinkState.Authenticating,
        // Up from IPCP's first Opened until the hang-up: a link saying goodbye is still the link that was up.
        _ => networkSeen ? IspLinkState.Up : IspLinkState.Ipcp,
    };

    /// <summary>
    /// Takes one event at <paramref name="now"/> (the owner's monotonic time); returns the owner's actions, in order.
    /// Carrying them out may feed events back in (a dropped session reports its end): each call has its own list.
    /// </summary>
    public IReadOnlyList<DataLinkAction> Handle(DataLinkEvent e, TimeSpan now)
    {
        actions = [];
        Apply(e, now);
        return actions;
    }

    private void Apply(DataLinkEvent e, TimeSpan now)
    {
        switch (e)
        {
            case DataLinkEvent.Dial:
                OnDial(now);
                break;
            case DataLinkEvent.Close close:
                OnClose(close.Graceful);
                break;
            case DataLinkEvent.RedialDue due:
                StartAttempt(due.Decision, now);
                break;
            case DataLinkEvent.DeviceOpened opened when Phase == DataLinkPhase.Opening && dialAfterOpen is { } decision:
                dialAfterOpen = null;
                actions.Add(new Log($"{settings.Name}: Connected to {opened.Device}"));
                BeginDial(decision, now);
                break;
            case DataLinkEvent.LineData data when chat is not null:
                ApplyChat(chat.Received(data.Bytes.Span, now), now);
                break;
            case DataLinkEvent.ChatTimerExpired when chat is not null:
                ApplyChat(chat.TimerExpired(now), now);
                break;
            case DataLinkEvent.LineLost lost when sessionActive:
                actions.Add(new Log($"{settings.Name}: {lost.Reason}: hanging up", Warning: true));
                pendingDownReason = lost.Reason;
                BeginHangup(lost.Reason);
                break;
            case DataLinkEvent.SessionChanged session when sessionActive:
                OnSessionEvent(session.Event);
                break;
            case DataLinkEvent.HangupDone when Phase == DataLinkPhase.Hangup:
                OnHangupDone(now);
                break;
        }
    }

    /// <summary>The device failed under the link (read error, end of stream): the link goes down; the owner's supervisor starts it afresh.</summary>
    public IReadOnlyList<DataLinkAction> DeviceFailed(string reason)
    {
        actions = [];
        LastReason = reason;
        pendingDownReason = reason;
        EndSession(reason);
        AnnounceDown(reason);
        chat = null;
        failed = true;
        actions.Add(new CloseDevice());
        actions.Add(new StateChanged(State));
        return actions;
    }

    private void OnDial(TimeSpan now)
    {
        if (stayDown && Phase != DataLinkPhase.Closed)
        {
            // A dial while a close is under way (Terminate, hang-up): dial again once the line is down.
            dialAfterHangup = true;
            return;
        }
        if (Phase != DataLinkPhase.Closed)
            return;
        stayDown = false;
        failed = false;
        HandleDecision(settings.Policy.Open(), now);
    }

    private void OnClose(bool graceful)
    {
        stayDown = true;
        dialAfterHangup = false;
        settings.Policy.Close();
        actions.Add(new CancelRedialTimer());
        if (Phase == DataLinkPhase.Closed)
            return; // keeps the reason it closed with (e.g. the redial policy gave up)
        LastReason = graceful ? "close command" : "down command";
        if (Phase == DataLinkPhase.Opening && redialPending)
        {
            redialPending = false;
            actions.Add(new CloseDevice());
            SetPhase(DataLinkPhase.Closed);
            return;
        }
        if (Phase == DataLinkPhase.Hangup)
            return;
        pendingDownReason = LastReason;
        if (sessionActive && graceful)
        {
            // LCP Terminate-Request; the hang-up follows the session's LinkDown.
            actions.Add(new CloseSession(LastReason));
            return;
        }
        BeginHangup(LastReason);
    }

    private void HandleDecision(RedialDecision decision, TimeSpan now)
    {
        if (decision.Action == RedialAction.GiveUp)
        {
            LastReason = decision.Reason;
            redialPending = false;
            actions.Add(new Log($"{settings.Name}: {decision.Reason}", Warning: true));
            actions.Add(new CloseDevice());
            SetPhase(DataLinkPhase.Closed);
            actions.Add(new GaveUp(decision.Reason));
            return;
        }
        if (decision.Delay > TimeSpan.Zero)
        {
            var before = State;
            redialPending = true;
            SetPhase(DataLinkPhase.Opening);
            StateMayHaveChanged(before);
            actions.Add(new Log($"{settings.Name}: Redial timer started: {decision.Reason}"));
            actions.Add(new StartRedialTimer(decision));
            return;
        }
        StartAttempt(decision, now);
    }

    private void StartAttempt(RedialDecision decision, TimeSpan now)
    {
        if (stayDown)
            return;
        redialPending = false;
        DialAttempts++;
        Phone = decision.PhoneNumber;
        actions.Add(new DialAttempted(decision));
        if (Phase is DataLinkPhase.Closed or DataLinkPhase.Opening && !DeviceOpen)
        {
            // The owner opens the device and says so; the dial starts then.
            SetPhase(DataLinkPhase.Opening);
            dialAfterOpen = decision;
            actions.Add(new OpenDevice());
            return;
        }
        BeginDial(decision, now);
    }

    /// <summary>The device stays open between the attempts of one open (a socat pseudo-terminal would not survive closing it).</summary>
    private bool DeviceOpen { get; set; }

    private void BeginDial(RedialDecision decision, TimeSpan now)
    {
        DeviceOpen = true;
        SetPhase(DataLinkPhase.Dial);
        actions.Add(new Log($"{settings.Name}: {decision.Reason}"));
        chat = new DialAndLoginChat(settings.Dial, settings.Login, new ChatContext(decision.PhoneNumber, settings.AuthName, settings.AuthKey));
        ApplyChat(chat.Start(now), now);
    }

    private void ApplyChat(ChatStep step, TimeSpan now)
    {
        foreach (var line in step.Log)
            actions.Add(new Log($"{settings.Name}: Chat: {line}", Transcript: true));
        foreach (var write in step.Writes)
            actions.Add(new Write(write));
        actions.Add(new SetChatTimer(step.TimerDeadline is { } deadline ? (deadline > now ? deadline - now : TimeSpan.Zero) : null));
        if (chat is null)
            return;
        if (chat.Phase == ChatPhase.Login && Phase == DataLinkPhase.Dial)
        {
            // The dial script connected: no modem status line to wait on for the carrier, so on to the login script.
            SetPhase(DataLinkPhase.Carrier);
            SetPhase(DataLinkPhase.Login);
        }
        if (step.Result is not { } result)
            return;
        string? described = chat.Describe();
        chat = null;
        actions.Add(new SetChatTimer(null));
        if (result is ChatSucceeded ok)
        {
            settings.Policy.Connected();
            if (Phase == DataLinkPhase.Dial)
                SetPhase(DataLinkPhase.Carrier);
            SetPhase(DataLinkPhase.Ready);
            SetPhase(DataLinkPhase.Lcp);
            pendingDownReason = null;
            sessionActive = true;
            networkSeen = false;
            actions.Add(new StartSession(ok.Leftover));
            return;
        }
        actions.Add(new Log($"{settings.Name}: Chat: {described}"));
        BeginHangup(described ?? result.Describe());
    }

    private void OnSessionEvent(SessionEvent e)
    {
        switch (e)
        {
            case PhaseChanged p when Phase != DataLinkPhase.Hangup:
                if (p.To == LinkPhase.Authenticate)
                    SetPhase(DataLinkPhase.Auth);
                else if (p.To == LinkPhase.Network)
                    SetPhase(DataLinkPhase.Open);
                break;
            case NetworkUp up:
                Addresses = up.Addresses;
                LastReason = null;
                AnnouncedUp = true;
                networkSeen = true;
                actions.Add(new StateChanged(State));
                actions.Add(new Log($"{settings.Name}: IPCP: {up.Addresses}"));
                actions.Add(new Up(up.Addresses));
                break;
            case NetworkDown:
                // During close/down the command is the reason; otherwise IPCP itself went down.
                AnnounceDown(pendingDownReason ?? "IPCP: network down");
                break;
            case KeepaliveFailed failure:
                actions.Add(new Log($"{failure.Reason}: hanging up", Warning: true));
                pendingDownReason = failure.Reason;
                break;
            case LinkDown down:
                actions.Add(new Log($"{settings.Name}: link down: {down.Reason}"));
                // A close, down, carrier loss or keepalive failure that caused it is the reason, not LCP's last word.
                BeginHangup(pendingDownReason ?? down.Reason);
                break;
        }
    }

    private void BeginHangup(string reason)
    {
        if (Phase == DataLinkPhase.Hangup)
            return;
        LastReason = reason;
        AnnounceDown(reason);
        if (chat is not null)
        {
            chat = null;
            actions.Add(new SetChatTimer(null));
        }
        EndSession(reason);
        Addresses = null;
        SetPhase(DataLinkPhase.Hangup);
        actions.Add(new HangUp());
    }

    private void OnHangupDone(TimeSpan now)
    {
        if (stayDown)
        {
            DeviceOpen = false;
            actions.Add(new CloseDevice());
            SetPhase(DataLinkPhase.Closed);
            if (dialAfterHangup)
            {
                dialAfterHangup = false;
                OnDial(now);
            }
            return;
        }
        HandleDecision(settings.Policy.IsConnected ? settings.Policy.LineDropped() : settings.Policy.AttemptFailed(), now);
    }

    private void EndSession(string reason)
    {
        if (!sessionActive)
            return;
        sessionActive = false;
        actions.Add(new DropSession(reason));
    }

    private void AnnounceDown(string reason)
    {
        if (!AnnouncedUp)
            return;
        AnnouncedUp = false;
        actions.Add(new Down(reason));
    }

    private void SetPhase(DataLinkPhase next)
    {
        if (next == Phase)
            return;
        actions.Add(new Log($"{settings.Name}: Phase: {Name(Phase)} --> {Name(next)}", Transcript: true));
        var before = State;
        Phase = next;
        if (next == DataLinkPhase.Closed)
            DeviceOpen = false;
        StateMayHaveChanged(before);
    }

    private void StateMayHaveChanged(IspLinkState before)
    {
        if (State != before)
            actions.Add(new StateChanged(State));
    }

    /// <summary>FreeBSD's lower-case phase names.</summary>
    public static string Name(DataLinkPhase phase) => phase.ToString().ToLowerInvariant();
}
