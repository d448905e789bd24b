namespace Gateway.Core.Ppp.Fsm;

/// <summary>
/// The actions of RFC 1661 section 4.4, plus the restart-timer start/stop the RFC implies.
/// A transition's actions form a set; <see cref="FsmActionsExtensions.InOrder"/> lists them in
/// the order to carry them out, which agrees with the order written in every cell of the RFC table
/// (tld first, then irc/zrc, the sends, and tlu/tls/tlf last).
/// </summary>
[Flags]
public enum FsmActions : ushort
{
    None = 0,
    /// <summary>tld: This-Layer-Down.</summary>
    ThisLayerDown = 1 << 0,
    /// <summary>irc: Initialize-Restart-Count (Max-Configure, or Max-Terminate when str follows).</summary>
    InitializeRestartCount = 1 << 1,
    /// <summary>zrc: Zero-Restart-Count (and start the restart timer, RFC 1661 4.4).</summary>
    ZeroRestartCount = 1 << 2,
    /// <summary>scr: Send-Configure-Request.</summary>
    SendConfigureRequest = 1 << 3,
    /// <summary>sca: Send-Configure-Ack.</summary>
    SendConfigureAck = 1 << 4,
    /// <summary>scn: Send-Configure-Nak/Rej.</summary>
    SendConfigureNak = 1 << 5,
    /// <summary>str: Send-Terminate-Request.</summary>
    SendTerminateRequest = 1 << 6,
    /// <summary>sta: Send-Terminate-Ack.</summary>
    SendTerminateAck = 1 << 7,
    /// <summary>scj: Send-Code-Reject.</summary>
    SendCodeReject = 1 << 8,
    /// <summary>ser: Send-Echo-Reply.</summary>
    SendEchoReply = 1 << 9,
    /// <summary>tlu: This-Layer-Up.</summary>
    ThisLayerUp = 1 << 10,
    /// <summary>tls: This-Layer-Started.</summary>
    ThisLayerStarted = 1 << 11,
    /// <summary>tlf: This-Layer-Finished.</summary>
    ThisLayerFinished = 1 << 12,
    /// <summary>Arm the restart timer (after scr, str or zrc; RFC 1661 4.4).</summary>
    StartRestartTimer = 1 << 13,
    /// <summary>Disarm it: the new state has no outstanding request (Initial..Stopped, Opened; RFC 1661 4.2).</summary>
    StopRestartTimer = 1 << 14,

    /// <summary>Everything the RFC table writes in its cells (no timer bookkeeping).</summary>
    RfcTableActions = ThisLayerDown | InitializeRestartCount | ZeroRestartCount | SendConfigureRequest | SendConfigureAck
        | SendConfigureNak | SendTerminateRequest | SendTerminateAck | SendCodeReject | SendEchoReply
        | ThisLayerUp | ThisLayerStarted | ThisLayerFinished,
}

public static class FsmActionsExtensions
{
    private static readonly (FsmActions Action, string Abbreviation)[] Ordered =
    [
        (FsmActions.ThisLayerDown, "tld"),
        (FsmActions.InitializeRestartCount, "irc"),
        (FsmActions.ZeroRestartCount, "zrc"),
        (FsmActions.SendConfigureRequest, "scr"),
        (FsmActions.SendConfigureAck, "sca"),
        (FsmActions.SendConfigureNak, "scn"),
        (FsmActions.SendTerminateRequest, "str"),
        (FsmActions.SendTerminateAck, "sta"),
        (FsmActions.SendCodeReject, "scj"),
        (FsmActions.SendEchoReply, "ser"),
        (FsmActions.ThisLayerUp, "tlu"),
        (FsmActions.ThisLayerStarted, "tls"),
        (FsmActions.ThisLayerFinished, "tlf"),
        (FsmActions.StartRestartTimer, "start-timer"),
        (FsmActions.StopRestartTimer, "stop-timer"),
    ];

    /// <summary>The actions of the set, one by one, in the order to carry them out.</summary>
    public static IReadOnlyList<FsmActions> InOrder(this FsmActions actions)
    {
        var list = new List<FsmActions>(4);
        foreach (var (action, _) in Ordered)
        {
            if ((actions & action) != 0)
                list.Add(action);
        }
        return list;
    }

    /// <summary>RFC 1661 abbreviations, comma separated ("tld,irc,str"), as written in the RFC table.</summary>
    public static string ToRfcString(this FsmActions actions)
    {
        var parts = new List<string>(4);
        foreach (var (action, abbreviation) in Ordered)
        {
            if ((actions & action) != 0)
                parts.Add(abbreviation);
        }
        return string.Join(',', parts);
    }
}
