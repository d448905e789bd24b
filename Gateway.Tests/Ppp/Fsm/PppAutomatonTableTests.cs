using Gateway.Core.Ppp.Fsm;

namespace Gateway.Tests.Ppp.Fsm;

/// <summary>Every cell of the RFC 1661 4.1 state-transition table, checked against the text of the RFC itself.</summary>
public class PppAutomatonTableTests
{
    // Copied from RFC 1661 section 4.1 (both halves), footnote letters included.
    private const string RfcTable = """
              | State
              |    0         1         2         3         4         5
        Events| Initial   Starting  Closed    Stopped   Closing   Stopping
        ------+-----------------------------------------------------------
         Up   |    2     irc,scr/6     -         -         -         -
         Down |    -         -         0       tls/1       0         1
         Open |  tls/1       1     irc,scr/6     3r        5r        5r
         Close|    0       tlf/0       2         2         4         4
          TO+ |    -         -         -         -       str/4     str/5
          TO- |    -         -         -         -       tlf/2     tlf/3
         RCR+ |    -         -       sta/2 irc,scr,sca/8   4         5
         RCR- |    -         -       sta/2 irc,scr,scn/6   4         5
         RCA  |    -         -       sta/2     sta/3       4         5
         RCN  |    -         -       sta/2     sta/3       4         5
         RTR  |    -         -       sta/2     sta/3     sta/4     sta/5
         RTA  |    -         -         2         3       tlf/2     tlf/3
         RUC  |    -         -       scj/2     scj/3     scj/4     scj/5
         RXJ+ |    -         -         2         3         4         5
         RXJ- |    -         -       tlf/2     tlf/3     tlf/2     tlf/3
         RXR  |    -         -         2         3         4         5

              | State
              |    6         7         8           9
        Events| Req-Sent  Ack-Rcvd  Ack-Sent    Opened
        ------+-----------------------------------------
         Up   |    -         -         -           -
         Down |    1         1         1         tld/1
         Open |    6         7         8           9r
         Close|irc,str/4 irc,str/4 irc,str/4 tld,irc,str/4
          TO+ |  scr/6     scr/6     scr/8         -
          TO- |  tlf/3p    tlf/3p    tlf/3p        -
         RCR+ |  sca/8   sca,tlu/9   sca/8   tld,scr,sca/8
         RCR- |  scn/6     scn/7     scn/6   tld,scr,scn/6
         RCA  |  irc/7     scr/6x  irc,tlu/9   tld,scr/6x
         RCN  |irc,scr/6   scr/6x  irc,scr/8   tld,scr/6x
         RTR  |  sta/6     sta/6     sta/6   tld,zrc,sta/5
         RTA  |    6         6         8       tld,scr/6
         RUC  |  scj/6     scj/7     scj/8       scj/9
         RXJ+ |    6         6         8           9
         RXJ- |  tlf/3     tlf/3     tlf/3   tld,irc,str/5
         RXR  |    6         7         8         ser/9
        """;

    private static readonly Dictionary<string, FsmEvent> EventsByRfcName = new()
    {
        ["Up"] = FsmEvent.Up, ["Down"] = FsmEvent.Down, ["Open"] = FsmEvent.Open, ["Close"] = FsmEvent.Close,
        ["TO+"] = FsmEvent.TimeoutRetry, ["TO-"] = FsmEvent.TimeoutExpired,
        ["RCR+"] = FsmEvent.ReceiveConfigureRequestGood, ["RCR-"] = FsmEvent.ReceiveConfigureRequestBad,
        ["RCA"] = FsmEvent.ReceiveConfigureAck, ["RCN"] = FsmEvent.ReceiveConfigureNak,
        ["RTR"] = FsmEvent.ReceiveTerminateRequest, ["RTA"] = FsmEvent.ReceiveTerminateAck,
        ["RUC"] = FsmEvent.ReceiveUnknownCode, ["RXJ+"] = FsmEvent.ReceiveRejectPermitted,
        ["RXJ-"] = FsmEvent.ReceiveRejectCatastrophic, ["RXR"] = FsmEvent.ReceiveEchoOrDiscard,
    };

    private static readonly Dictionary<string, FsmActions> ActionsByRfcName = new()
    {
        ["tlu"] = FsmActions.ThisLayerUp, ["tld"] = FsmActions.ThisLayerDown, ["tls"] = FsmActions.ThisLayerStarted,
        ["tlf"] = FsmActions.ThisLayerFinished, ["irc"] = FsmActions.InitializeRestartCount, ["zrc"] = FsmActions.ZeroRestartCount,
        ["scr"] = FsmActions.SendConfigureRequest, ["sca"] = FsmActions.SendConfigureAck, ["scn"] = FsmActions.SendConfigureNak,
        ["str"] = FsmActions.SendTerminateRequest, ["sta"] = FsmActions.SendTerminateAck, ["scj"] = FsmActions.SendCodeReject,
        ["ser"] = FsmActions.SendEchoReply,
    };

    /// <summary>One row per (event, state): 16 x 10 = 160 cells, parsed from the RFC text above.</summary>
    public static TheoryData<string, int, string> Cells()
    {
        var data = new TheoryData<string, int, string>();
        var columns = Array.Empty<int>();
        foreach (var raw in RfcTable.Split('\n'))
        {
            var parts = raw.Split('|', 2);
            if (parts.Length != 2)
                continue;
            var head = parts[0].Trim();
            var cells = parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (head.Length == 0 && cells.Length > 0 && cells.All(c => c.All(char.IsDigit)))
            {
                columns = cells.Select(int.Parse).ToArray();
                continue;
            }
            if (!EventsByRfcName.ContainsKey(head))
                continue;
            Assert.Equal(columns.Length, cells.Length);
            for (var i = 0; i < cells.Length; i++)
                data.Add(head, columns[i], cells[i]);
        }
        return data;
    }

    [Fact]
    public void The_rfc_table_text_yields_all_160_cells()
    {
        var cells = Cells().ToList();
        Assert.Equal(160, cells.Count);
        Assert.Equal(160, cells.Select(c => ((string)c[0], (int)c[1])).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Each_cell_matches_rfc_1661(string eventName, int stateNumber, string cell)
    {
        var state = (FsmState)stateNumber;
        var automaton = new PppAutomaton(state, RestartCount: 3);
        var transition = automaton.Handle(EventsByRfcName[eventName], FsmSettings.Default);

        if (cell == "-")
        {
            Assert.True(transition.Illegal);
            Assert.Equal(state, transition.Next.State);
            Assert.Equal(FsmActions.None, transition.Actions);
            return;
        }

        var slash = cell.IndexOf('/');
        var actionText = slash < 0 ? "" : cell[..slash];
        var target = slash < 0 ? cell : cell[(slash + 1)..];
        var expectedState = (FsmState)(target[0] - '0');
        var expectedActions = FsmActions.None;
        foreach (var name in actionText.Split(',', StringSplitOptions.RemoveEmptyEntries))
            expectedActions |= ActionsByRfcName[name];

        Assert.False(transition.Illegal);
        Assert.Equal(expectedState, transition.Next.State);
        Assert.Equal(expectedActions, transition.Actions & FsmActions.RfcTableActions);
        // The execution order is the order the RFC writes the actions in.
        Assert.Equal(actionText, (transition.Actions & FsmActions.RfcTableActions).ToRfcString());
    }
}
