namespace Gateway.Core.Ppp.Fsm;

/// <summary>The ten states of the RFC 1661 section 4.2 option-negotiation automaton, numbered as in the RFC table.</summary>
public enum FsmState : byte
{
    Initial = 0,
    Starting = 1,
    Closed = 2,
    Stopped = 3,
    Closing = 4,
    Stopping = 5,
    ReqSent = 6,
    AckRcvd = 7,
    AckSent = 8,
    Opened = 9,
}

/// <summary>The sixteen events of RFC 1661 section 4.3, in the order of the RFC table.</summary>
public enum FsmEvent : byte
{
    /// <summary>Up: lower layer is Up.</summary>
    Up,
    /// <summary>Down: lower layer is Down.</summary>
    Down,
    /// <summary>Open: administrative Open.</summary>
    Open,
    /// <summary>Close: administrative Close.</summary>
    Close,
    /// <summary>TO+: Timeout with counter &gt; 0.</summary>
    TimeoutRetry,
    /// <summary>TO-: Timeout with counter expired.</summary>
    TimeoutExpired,
    /// <summary>RCR+: Receive-Configure-Request (Good).</summary>
    ReceiveConfigureRequestGood,
    /// <summary>RCR-: Receive-Configure-Request (Bad).</summary>
    ReceiveConfigureRequestBad,
    /// <summary>RCA: Receive-Configure-Ack.</summary>
    ReceiveConfigureAck,
    /// <summary>RCN: Receive-Configure-Nak/Rej.</summary>
    ReceiveConfigureNak,
    /// <summary>RTR: Receive-Terminate-Request.</summary>
    ReceiveTerminateRequest,
    /// <summary>RTA: Receive-Terminate-Ack.</summary>
    ReceiveTerminateAck,
    /// <summary>RUC: Receive-Unknown-Code.</summary>
    ReceiveUnknownCode,
    /// <summary>RXJ+: Receive-Code-Reject (permitted) or Receive-Protocol-Reject.</summary>
    ReceiveRejectPermitted,
    /// <summary>RXJ-: Receive-Code-Reject (catastrophic) or Receive-Protocol-Reject.</summary>
    ReceiveRejectCatastrophic,
    /// <summary>RXR: Receive-Echo-Request, Receive-Echo-Reply, Receive-Discard-Request.</summary>
    ReceiveEchoOrDiscard,
}

/// <summary>Names as RFC 1661 and FreeBSD ppp print them ("Req-Sent", "TO+", "RCR-").</summary>
public static class FsmNames
{
    private static readonly string[] StateNames =
        ["Initial", "Starting", "Closed", "Stopped", "Closing", "Stopping", "Req-Sent", "Ack-Rcvd", "Ack-Sent", "Opened"];

    private static readonly string[] EventNames =
        ["Up", "Down", "Open", "Close", "TO+", "TO-", "RCR+", "RCR-", "RCA", "RCN", "RTR", "RTA", "RUC", "RXJ+", "RXJ-", "RXR"];

    public static string Name(this FsmState state) =>
        (int)state < StateNames.Length ? StateNames[(int)state] : $"state {(int)state}";

    public static string Name(this FsmEvent fsmEvent) =>
        (int)fsmEvent < EventNames.Length ? EventNames[(int)fsmEvent] : $"event {(int)fsmEvent}";
}
