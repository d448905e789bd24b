using static Gateway.Core.Ppp.Fsm.FsmActions;
using static Gateway.Core.Ppp.Fsm.FsmState;

namespace Gateway.Core.Ppp.Fsm;

/// <summary>The outcome of one event: the automaton after it, the actions to carry out, and whether the RFC table had no entry ("-").</summary>
public readonly record struct FsmTransition(PppAutomaton From, PppAutomaton Next, FsmEvent Event, FsmActions Actions, bool Illegal)
{
    public bool StateChanged => From.State != Next.State;

    /// <summary>The actions one by one, in the order to carry them out.</summary>
    public IReadOnlyList<FsmActions> ActionList => Actions.InOrder();

    /// <summary>FreeBSD ppp's log line for a state change; null when the state did not change.</summary>
    public string? StateChangeText => StateChanged ? $"State change {From.State.Name()} --> {Next.State.Name()}" : null;
}

/// <summary>
/// The RFC 1661 section 4 option-negotiation automaton: the state and the Restart counter, and ONE
/// explicit state-transition table (section 4.1). Pure and immutable: <see cref="Handle"/> returns the
/// next automaton and the actions; the caller sends packets and arms the restart timer.
/// <para>Optional behaviours, chosen as FreeBSD ppp's fsm.c does:</para>
/// <list type="bullet">
/// <item>[p] passive option: not taken. TO- in Req-Sent, Ack-Rcvd and Ack-Sent does tlf and goes to Stopped.</item>
/// <item>[r] restart option: not taken. Open in Stopped and Opened changes nothing; in Closing and Stopping it goes to Stopping.</item>
/// <item>[x] crossed connection: the cells (scr/6, tld,scr/6) are kept as written. The control-protocol engine
/// never raises RCA/RCN for an identifier it has already seen acknowledged (as pppd's seen_ack), so a duplicated
/// Ack in Ack-Rcvd or Opened is discarded and counted rather than restarting negotiation.</item>
/// </list>
/// <para>Counter rules (RFC 1661 4.4, 4.6): irc loads Max-Terminate when the same cell sends str, otherwise
/// Max-Configure; each scr and str decrements it; zrc zeroes it. The restart timer starts with scr, str and zrc,
/// and stops on entering a state without an outstanding request (Initial, Starting, Closed, Stopped, Opened).</para>
/// </summary>
public readonly record struct PppAutomaton(FsmState State, int RestartCount)
{
    public static PppAutomaton Initial { get; } = new(FsmState.Initial, 0);

    private readonly record struct Cell(FsmActions Actions, FsmState Next, bool Illegal = false);

    private static Cell To(FsmState next) => new(None, next);

    private static Cell Do(FsmActions actions, FsmState next) => new(actions, next);

    private static readonly Cell X = new(None, FsmState.Initial, Illegal: true);

    // The RFC's action abbreviations, so the table below reads like RFC 1661 4.1.
    private const FsmActions Tlu = ThisLayerUp, Tld = ThisLayerDown, Tls = ThisLayerStarted, Tlf = ThisLayerFinished;
    private const FsmActions Irc = InitializeRestartCount, Zrc = ZeroRestartCount;
    private const FsmActions Scr = SendConfigureRequest, Sca = SendConfigureAck, Scn = SendConfigureNak;
    private const FsmActions Str = SendTerminateRequest, Sta = SendTerminateAck, Scj = SendCodeReject, Ser = SendEchoReply;

    // RFC 1661 4.1, rows = events, columns = states 0..9. "X" is the table's "-" (no transition).
    private static readonly Cell[,] Table =
    {
        //          0 Initial             1 Starting                 2 Closed              3 Stopped                 4 Closing             5 Stopping         6 Req-Sent            7 Ack-Rcvd            8 Ack-Sent            9 Opened
        /* Up    */ { To(Closed),           Do(Irc|Scr, ReqSent),      X,                    X,                        X,                    X,                 X,                    X,                    X,                    X },
        /* Down  */ { X,                    X,                         To(FsmState.Initial), Do(Tls, Starting),        To(FsmState.Initial), To(Starting),      To(Starting),         To(Starting),         To(Starting),         Do(Tld, Starting) },
        /* Open  */ { Do(Tls, Starting),    To(Starting),              Do(Irc|Scr, ReqSent), To(Stopped),              To(Stopping),         To(Stopping),      To(ReqSent),          To(AckRcvd),          To(AckSent),          To(Opened) },
        /* Close */ { To(FsmState.Initial), Do(Tlf, FsmState.Initial), To(Closed),           To(Closed),               To(Closing),          To(Closing),       Do(Irc|Str, Closing), Do(Irc|Str, Closing), Do(Irc|Str, Closing), Do(Tld|Irc|Str, Closing) },
        /* TO+   */ { X,                    X,                         X,                    X,                        Do(Str, Closing),     Do(Str, Stopping), Do(Scr, ReqSent),     Do(Scr, ReqSent),     Do(Scr, AckSent),     X },
        /* TO-   */ { X,                    X,                         X,                    X,                        Do(Tlf, Closed),      Do(Tlf, Stopped),  Do(Tlf, Stopped),     Do(Tlf, Stopped),     Do(Tlf, Stopped),     X },
        /* RCR+  */ { X,                    X,                         Do(Sta, Closed),      Do(Irc|Scr|Sca, AckSent), To(Closing),          To(Stopping),      Do(Sca, AckSent),     Do(Sca|Tlu, Opened),  Do(Sca, AckSent),     Do(Tld|Scr|Sca, AckSent) },
        /* RCR-  */ { X,                    X,                         Do(Sta, Closed),      Do(Irc|Scr|Scn, ReqSent), To(Closing),          To(Stopping),      Do(Scn, ReqSent),     Do(Scn, AckRcvd),     Do(Scn, ReqSent),     Do(Tld|Scr|Scn, ReqSent) },
        /* RCA   */ { X,                    X,                         Do(Sta, Closed),      Do(Sta, Stopped),         To(Closing),          To(Stopping),      Do(Irc, AckRcvd),     Do(Scr, ReqSent),     Do(Irc|Tlu, Opened),  Do(Tld|Scr, ReqSent) },
        /* RCN   */ { X,                    X,                         Do(Sta, Closed),      Do(Sta, Stopped),         To(Closing),          To(Stopping),      Do(Irc|Scr, ReqSent), Do(Scr, ReqSent),     Do(Irc|Scr, AckSent), Do(Tld|Scr, ReqSent) },
        /* RTR   */ { X,                    X,                         Do(Sta, Closed),      Do(Sta, Stopped),         Do(Sta, Closing),     Do(Sta, Stopping), Do(Sta, ReqSent),     Do(Sta, ReqSent),     Do(Sta, ReqSent),     Do(Tld|Zrc|Sta, Stopping) },
        /* RTA   */ { X,                    X,                         To(Closed),           To(Stopped),              Do(Tlf, Closed),      Do(Tlf, Stopped),  To(ReqSent),          To(ReqSent),          To(AckSent),          Do(Tld|Scr, ReqSent) },
        /* RUC   */ { X,                    X,                         Do(Scj, Closed),      Do(Scj, Stopped),         Do(Scj, Closing),     Do(Scj, Stopping), Do(Scj, ReqSent),     Do(Scj, AckRcvd),     Do(Scj, AckSent),     Do(Scj, Opened) },
        /* RXJ+  */ { X,                    X,                         To(Closed),           To(Stopped),              To(Closing),          To(Stopping),      To(ReqSent),          To(ReqSent),          To(AckSent),          To(Opened) },
        /* RXJ-  */ { X,                    X,                         Do(Tlf, Closed),      Do(Tlf, Stopped),         Do(Tlf, Closed),      Do(Tlf, Stopped),  Do(Tlf, Stopped),     Do(Tlf, Stopped),     Do(Tlf, Stopped),     Do(Tld|Irc|Str, Stopping) },
        /* RXR   */ { X,                    X,                         To(Closed),           To(Stopped),              To(Closing),          To(Stopping),      To(ReqSent),          To(AckRcvd),          To(AckSent),          Do(Ser, Opened) },
    };

    /// <summary>True in the states where a Configure- or Terminate-Request is outstanding and the restart timer runs.</summary>
    public static bool TimerRuns(FsmState state) => state is Closing or Stopping or ReqSent or AckRcvd or AckSent;

    /// <summary>The timeout event the restart timer raises now: TO+ while the counter is above zero, else TO-.</summary>
    public FsmEvent TimeoutEvent => RestartCount > 0 ? FsmEvent.TimeoutRetry : FsmEvent.TimeoutExpired;

    /// <summary>Applies one event. An event the table has no entry for ("-") leaves the automaton unchanged with no actions.</summary>
    public FsmTransition Handle(FsmEvent fsmEvent, FsmSettings settings)
    {
        if ((uint)fsmEvent >= (uint)Table.GetLength(0) || (uint)State >= (uint)Table.GetLength(1))
            return new FsmTransition(this, this, fsmEvent, None, Illegal: true);

        var cell = Table[(int)fsmEvent, (int)State];
        if (cell.Illegal)
            return new FsmTransition(this, this, fsmEvent, None, Illegal: true);

        var actions = cell.Actions;
        var count = RestartCount;
        if ((actions & InitializeRestartCount) != 0)
            count = (actions & SendTerminateRequest) != 0 ? settings.MaxTerminate : settings.MaxConfigure;
        if ((actions & ZeroRestartCount) != 0)
            count = 0;
        if ((actions & (SendConfigureRequest | SendTerminateRequest)) != 0)
            count = Math.Max(0, count - 1);

        if ((actions & (SendConfigureRequest | SendTerminateRequest | ZeroRestartCount)) != 0)
            actions |= FsmActions.StartRestartTimer;
        else if (TimerRuns(State) && !TimerRuns(cell.Next))
            actions |= FsmActions.StopRestartTimer;

        return new FsmTransition(this, new PppAutomaton(cell.Next, count), fsmEvent, actions, Illegal: false);
    }
}
