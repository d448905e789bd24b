using Akka.Actor;
using Akka.TestKit;
using Gateway.Core.Actors;
using Gateway.Core.Config;
using Gateway.Core.Isp;
using Gateway.Emulation.Isp;
using Gateway.Emulation.Modem;
using Gateway.Core.Status;
using Xunit.Abstractions;
using static Gateway.Core.Actors.Messages.IspMessages;

namespace Gateway.Tests.Actors.VirtualTime;

/// <summary>
/// The modem link's <c>set redial</c> in virtual time: a dial that fails (NO CARRIER, BUSY) is tried again exactly when
/// FreeBSD ppp's datalink would (secs, then secs + inc per round up to max increments), never a millisecond earlier,
/// and not after the attempts are spent.
/// </summary>
public class ModemLinkRedialTests : VirtualTimeTestKit
{
    /// <summary>The smallest step of virtual time the tests look at: "just before" a deadline is this much short of it.</summary>
    private static readonly TimeSpan Hair = TimeSpan.FromMilliseconds(1);

    private readonly TestProbe events;

    public ModemLinkRedialTests(ITestOutputHelper output) : base(output) =>
        events = EventsOf(typeof(IspDialAttempt), typeof(IspLinkGaveUp), typeof(IspLinkChanged), typeof(IspLinkUp));

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
            RedialAfter(link, failed: i + 1, pauses[i], () => modem.Dials, () => modem.HangUps);

        var gaveUp = events.FishForMessage<IspLinkGaveUp>(_ => true, Patience);
        Assert.Equal("gave up after 4 dial attempts", gaveUp.Reason);
        AssertNoMoreDials(link, 4, () => modem.Dials);
    }

    [Fact]
    public void Busy_three_times_then_connect_comes_up_on_the_fourth_attempt_with_the_seed_redial_spacing()
    {
        var numbers = new ModemDirectory().Set("1234567",
            ModemLinkRig.Quick(CallOutcome.Busy), ModemLinkRig.Quick(CallOutcome.Busy), ModemLinkRig.Quick(CallOutcome.Busy),
            ModemLinkRig.Quick(CallOutcome.Answer));
        using var isp = ModemLinkRig.IspIn7(IspAuthentication.Pap);
        var options = ModemLinkRig.Isp1("emu0") with { EscapeGuardTime = TimeSpan.FromMilliseconds(100) };
        var link = Sys.ActorOf(ModemLinkActor.Props(options, new InProcessModemLines(numbers, isp)), "isp1");

        var first = NextDialAttempt();
        Assert.Equal((1, "1234567", TimeSpan.Zero), (first.Attempt, first.Phone, first.Delay));
        // set redial 3 5: each redial 3 s after the hang-up.
        for (int failed = 1; failed <= 3; failed++)
            Assert.Equal("1234567", RedialAfter(link, failed, TimeSpan.FromSeconds(3), () => numbers.CallsTo("1234567")).Phone);

        events.FishForMessage<IspLinkUp>(_ => true, Patience);
        Assert.Equal(4, numbers.CallsTo("1234567"));
    }

    [Fact]
    public void Set_redial_3_5_gives_up_after_five_attempts_with_the_reason()
    {
        var numbers = new ModemDirectory().Set("1234567", ModemLinkRig.Quick(CallOutcome.Busy));
        using var isp = ModemLinkRig.IspIn7(IspAuthentication.Pap);
        var options = ModemLinkRig.Isp1("emu0") with { EscapeGuardTime = TimeSpan.FromMilliseconds(100) };
        var link = Sys.ActorOf(ModemLinkActor.Props(options, new InProcessModemLines(numbers, isp)), "isp1");

        NextDialAttempt();
        for (int failed = 1; failed <= 4; failed++)
            RedialAfter(link, failed, TimeSpan.FromSeconds(3), () => numbers.CallsTo("1234567"));

        var gaveUp = events.FishForMessage<IspLinkGaveUp>(_ => true, Patience);
        Assert.Equal("gave up after 5 dial attempts", gaveUp.Reason);
        var status = AssertNoMoreDials(link, 5, () => numbers.CallsTo("1234567"));
        Assert.Equal("gave up after 5 dial attempts", status.LastReason);
    }

    private IspDialAttempt NextDialAttempt() => events.FishForMessage<IspDialAttempt>(_ => true, Patience);

    /// <summary>
    /// After failed attempt <paramref name="failed"/>: waits (on the wall clock: the modem runs on its own thread) until
    /// the link has hung up and runs its redial timer, started at the virtual time it is now; then no dial a millisecond
    /// before <paramref name="pause"/> has passed, and the next attempt, dialled, when it has.
    /// </summary>
    /// <param name="dials">The modem's count of dials.</param>
    /// <param name="hangUps">The modem's count of hang-ups done, when it has one: waited on before the next dial's ATZ.</param>
    private IspDialAttempt RedialAfter(IActorRef link, int failed, TimeSpan pause, Func<int> dials, Func<int>? hangUps = null)
    {
        events.FishForMessage<IspLinkChanged>(c => c.Link.State == IspLinkState.RedialWait && c.Link.DialAttempts == failed, Patience);
        // The state is published before the timer is started, within the same message: a round trip sees both done.
        Assert.Equal(IspLinkState.RedialWait, Query<IspLinkStatus>(link, GetStatus.Instance).State);
        if (hangUps is not null)
            AwaitAssert(() => Assert.Equal(failed, hangUps()), Patience);
        var waitingSince = Clock.Elapsed;

        Advance(pause - Hair);
        var status = Query<IspLinkStatus>(link, GetStatus.Instance);
        Assert.Equal(IspLinkState.RedialWait, status.State);
        Assert.Equal(failed, status.DialAttempts);
        Assert.Equal(failed, dials());

        Advance(Hair);
        var next = NextDialAttempt();
        Assert.Equal(failed + 1, next.Attempt);
        Assert.Equal(pause, next.Delay);
        Assert.Equal(pause, Clock.Elapsed - waitingSince);
        AwaitAssert(() => Assert.Equal(failed + 1, dials()), Patience);
        return next;
    }

    /// <summary>However long it waits (each advance also ticks the link's periodic timers once), the link stays closed.</summary>
    private IspLinkStatus AssertNoMoreDials(IActorRef link, int attempts, Func<int> dials)
    {
        for (int i = 0; i < 10; i++)
            Advance(TimeSpan.FromSeconds(30));
        var status = Query<IspLinkStatus>(link, GetStatus.Instance);
        Assert.Equal(IspLinkState.Closed, status.State);
        Assert.Equal(attempts, status.DialAttempts);
        Assert.Equal(attempts, dials());
        return status;
    }
}
