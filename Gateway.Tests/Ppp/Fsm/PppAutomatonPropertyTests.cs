using CsCheck;
using Gateway.Core.Ppp.Fsm;

namespace Gateway.Tests.Ppp.Fsm;

public class PppAutomatonPropertyTests
{
    [Fact]
    public void Over_any_event_sequence_the_timer_runs_exactly_when_a_request_is_outstanding()
    {
        var events = Gen.Enum<FsmEvent>().Array[1, 60];
        events.Sample(sequence =>
        {
            var fsm = PppAutomaton.Initial;
            var timerArmed = false;
            foreach (var fsmEvent in sequence)
            {
                var t = fsm.Handle(fsmEvent, FsmSettings.Default);
                if ((t.Actions & FsmActions.StartRestartTimer) != 0)
                    timerArmed = true;
                if ((t.Actions & FsmActions.StopRestartTimer) != 0)
                    timerArmed = false;
                fsm = t.Next;
                Assert.True(fsm.RestartCount >= 0);
                Assert.True(fsm.RestartCount <= Math.Max(FsmSettings.DefaultMaxConfigure, FsmSettings.DefaultMaxTerminate));
                if (PppAutomaton.TimerRuns(fsm.State))
                    Assert.True(timerArmed, $"{fsm.State} without a timer after {string.Join(",", sequence.Select(e => e.Name()))}");
                else
                    Assert.False(timerArmed, $"{fsm.State} with a timer after {string.Join(",", sequence.Select(e => e.Name()))}");
            }
        }, iter: 5000);
    }
}
