using Akka.Actor;
using Akka.TestKit;
using Gateway.Core.Actors;
using Gateway.Core.Config;
using Gateway.Core.Isp;
using Gateway.Core.Status;
using Xunit.Abstractions;
using static Gateway.Core.Actors.Messages.IspMessages;

namespace Gateway.Tests.Actors.VirtualTime;

/// <summary>
/// The modem link's <c>set redial</c> in virtual time: a modem that answers every dial with NO CARRIER is dialled again
/// exactly when FreeBSD ppp's datalink would (secs, then secs + inc per round up to max increments), never earlier, and
/// not after the attempts are spent.
/// </summary>
public class ModemLinkRedialTests : VirtualTimeTestKit
{
    /// <summary>The smallest step of virtual time the tests look at: "just before" a deadline is this much short of it.</summary>
    private static readonly TimeSpan Hair = TimeSpan.FromMilliseconds(1);

    private readonly TestProbe events;

    public ModemLinkRedialTests(ITestOutputHelper output) : base(output) =>
        events = EventsOf(typeof(IspDialAttempt), typeof(IspLinkGaveUp), typeof(IspLinkChanged));

    private static IEnumerable<byte[]> NoCarrier(string command) =>
        command.StartsWith("ATD", StringComparison.Ordinal) ? ["\r\nNO CARRIER\r\n"u8.ToArray()] : ["\r\nOK\r\n"u8.ToArray()];

    private static RedialSpec Redial(string spec, string attempts)
    {
        Assert.True(RedialSpec.TryParse([spec, attempts], IspLinkOptions.DefaultRedial, out var parsed, out var error), error);
        return parsed;
    }

    [Fact]
    public async Task Set_redial_3_plus_2_max_1_with_4_attempts_dials_again_after_3_5_and_5_virtual_seconds_then_gives_up()
    {
        await using var modem = new ScriptedModem(NoCarrier);
        // The hang-up's +++ guard time is the line's own (Task.Delay), not a timer of the actor's: none here.
        var options = ModemLinkRig.Isp1("emu0") with { Redial = Redial("3+2-1", "4"), EscapeGuardTime = TimeSpan.Zero };
        var link = Sys.ActorOf(ModemLinkActor.Props(options, modem.Lines), "isp1");

        var first = NextDialAttempt();
        Assert.Equal(1, first.Attempt);
        Assert.Equal(TimeSpan.Zero, first.Delay);

        // datalink_GetDialTimeout: 3 s, then 3 + 1 * 2 s, and no further increment (max 1).
        TimeSpan[] pauses = [TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5)];
        for (int i = 0; i < pauses.Length; i++)
        {
            int failed = i + 1;
            AwaitRedialWait(link, modem, failed);
            var waitingSince = Clock.Elapsed;

            Advance(pauses[i] - Hair);
            var status = Query<IspLinkStatus>(link, GetStatus.Instance);
            Assert.Equal(IspLinkState.RedialWait, status.State);
            Assert.Equal(failed, status.DialAttempts);
            Assert.Equal(failed, modem.Dials);

            Advance(Hair);
            var next = NextDialAttempt();
            Assert.Equal(failed + 1, next.Attempt);
            Assert.Equal(pauses[i], next.Delay);
            Assert.Equal(pauses[i], Clock.Elapsed - waitingSince);
            AwaitAssert(() => Assert.Equal(failed + 1, modem.Dials), Patience);
        }

        var gaveUp = events.FishForMessage<IspLinkGaveUp>(_ => true, Patience);
        Assert.Equal("gave up after 4 dial attempts", gaveUp.Reason);
        // Nothing more, however long it waits (each advance also ticks the link's periodic timers once).
        for (int i = 0; i < 10; i++)
            Advance(TimeSpan.FromSeconds(30));
        var final = Query<IspLinkStatus>(link, GetStatus.Instance);
        Assert.Equal(IspLinkState.Closed, final.State);
        Assert.Equal(4, final.DialAttempts);
        Assert.Equal(4, modem.Dials);
    }

    private IspDialAttempt NextDialAttempt() => events.FishForMessage<IspDialAttempt>(_ => true, Patience);

    /// <summary>
    /// Waits (on the wall clock: the modem runs on its own thread) until the link has hung up after failed attempt
    /// <paramref name="attempts"/> and runs its redial timer, started at the virtual time it is now.
    /// </summary>
    private void AwaitRedialWait(IActorRef link, ScriptedModem modem, int attempts)
    {
        events.FishForMessage<IspLinkChanged>(c => c.Link.State == IspLinkState.RedialWait && c.Link.DialAttempts == attempts, Patience);
        // The state is published before the timer is started, within the same message: a round trip sees both done.
        Assert.Equal(IspLinkState.RedialWait, Query<IspLinkStatus>(link, GetStatus.Instance).State);
        // The modem took the hang-up (+++ATH) and is back in command mode before the next dial's ATZ.
        AwaitAssert(() => Assert.Equal(attempts, modem.HangUps), Patience);
    }
}
