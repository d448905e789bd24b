using Gateway.Core.Ppp.Fsm;

namespace Gateway.Tests.Ppp.Fsm;

public class PppAutomatonCounterTests
{
    private static readonly FsmSettings Settings = FsmSettings.Default;

    [Fact]
    public void Configure_requests_stop_after_max_configure_then_TO_minus_finishes_the_layer()
    {
        var fsm = new PppAutomaton(FsmState.Starting, 0);
        var t = fsm.Handle(FsmEvent.Up, Settings);
        var requests = (t.Actions & FsmActions.SendConfigureRequest) != 0 ? 1 : 0;
        fsm = t.Next;
        while (fsm.TimeoutEvent == FsmEvent.TimeoutRetry)
        {
            t = fsm.Handle(fsm.TimeoutEvent, Settings);
            Assert.True((t.Actions & FsmActions.StartRestartTimer) != 0);
            requests += (t.Actions & FsmActions.SendConfigureRequest) != 0 ? 1 : 0;
            fsm = t.Next;
        }

        Assert.Equal(FsmSettings.DefaultMaxConfigure, requests);
        t = fsm.Handle(FsmEvent.TimeoutExpired, Settings);
        Assert.Equal(FsmState.Stopped, t.Next.State);
        Assert.True((t.Actions & FsmActions.ThisLayerFinished) != 0);
        Assert.True((t.Actions & FsmActions.StopRestartTimer) != 0);
    }

    [Fact]
    public void Close_sends_max_terminate_requests_then_TO_minus_reaches_closed()
    {
        var t = new PppAutomaton(FsmState.Opened, 0).Handle(FsmEvent.Close, Settings);
        var terminates = 1;
        var fsm = t.Next;
        Assert.Equal(FsmSettings.DefaultMaxTerminate - 1, fsm.RestartCount);
        while (fsm.TimeoutEvent == FsmEvent.TimeoutRetry)
        {
            t = fsm.Handle(FsmEvent.TimeoutRetry, Settings);
            terminates += (t.Actions & FsmActions.SendTerminateRequest) != 0 ? 1 : 0;
            fsm = t.Next;
        }

        Assert.Equal(FsmSettings.DefaultMaxTerminate, terminates);
        t = fsm.Handle(FsmEvent.TimeoutExpired, Settings);
        Assert.Equal(FsmState.Closed, t.Next.State);
        Assert.Equal(FsmActions.ThisLayerFinished | FsmActions.StopRestartTimer, t.Actions);
    }

    [Fact]
    public void Terminate_request_in_opened_zeroes_the_counter_and_still_arms_the_timer()
    {
        var t = new PppAutomaton(FsmState.Opened, 7).Handle(FsmEvent.ReceiveTerminateRequest, Settings);
        Assert.Equal(0, t.Next.RestartCount);
        Assert.Equal(FsmState.Stopping, t.Next.State);
        Assert.True((t.Actions & FsmActions.StartRestartTimer) != 0);
        Assert.Equal(FsmEvent.TimeoutExpired, t.Next.TimeoutEvent);
    }

    [Fact]
    public void Custom_settings_change_the_counts()
    {
        var settings = new FsmSettings { MaxConfigure = 3, MaxTerminate = 5 };
        Assert.Equal(2, new PppAutomaton(FsmState.Starting, 0).Handle(FsmEvent.Up, settings).Next.RestartCount);
        Assert.Equal(4, new PppAutomaton(FsmState.ReqSent, 0).Handle(FsmEvent.Close, settings).Next.RestartCount);
    }

    [Theory]
    [InlineData(FsmState.ReqSent, FsmEvent.Down)]
    [InlineData(FsmState.AckSent, FsmEvent.ReceiveConfigureAck)]
    [InlineData(FsmState.Closing, FsmEvent.ReceiveTerminateAck)]
    public void Leaving_a_state_with_an_outstanding_request_stops_the_timer(FsmState from, FsmEvent fsmEvent)
    {
        var t = new PppAutomaton(from, 2).Handle(fsmEvent, Settings);
        Assert.True((t.Actions & FsmActions.StopRestartTimer) != 0);
        Assert.False((t.Actions & FsmActions.StartRestartTimer) != 0);
    }

    [Fact]
    public void State_change_text_is_freebsd_style()
    {
        var t = new PppAutomaton(FsmState.ReqSent, 5).Handle(FsmEvent.ReceiveConfigureAck, Settings);
        Assert.Equal("State change Req-Sent --> Ack-Rcvd", t.StateChangeText);
        Assert.Null(new PppAutomaton(FsmState.ReqSent, 5).Handle(FsmEvent.Open, Settings).StateChangeText);
    }

    [Fact]
    public void An_event_without_a_table_entry_changes_nothing()
    {
        var fsm = new PppAutomaton(FsmState.Starting, 4);
        var t = fsm.Handle(FsmEvent.ReceiveConfigureRequestGood, Settings);
        Assert.True(t.Illegal);
        Assert.Equal(fsm, t.Next);
    }
}
