using Akka.TestKit;
using Gateway.Core.Actors;
using Gateway.Core.Config;
using Gateway.Core.Isp;
using Gateway.Emulation.Isp;
using Gateway.Core.Status;
using Xunit.Abstractions;
using static Gateway.Core.Actors.Messages.IspMessages;

namespace Gateway.Tests.Actors.VirtualTime;

/// <summary>
/// LCP echo keepalive on the modem link in virtual time (FreeBSD's <c>enable echo</c> with <c>set lqrperiod</c> as the
/// echo period and ppp's limit of missed periods): answered echoes keep the link up period after period; once the
/// peer's replies stop, the link goes down at the tick that ends the configured number of unanswered periods, not one
/// tick earlier.
/// </summary>
public class ModemLinkEchoTests : VirtualTimeTestKit
{
    private static readonly TimeSpan EchoPeriod = TimeSpan.FromSeconds(10);
    private const int MaxMisses = 3;

    private readonly TestProbe events;

    public ModemLinkEchoTests(ITestOutputHelper output) : base(output) => events = EventsOf(typeof(IspLinkUp), typeof(IspLinkDown), typeof(IspDialAttempt), typeof(IspLinkChanged));

    [Fact]
    public async Task A_peer_that_stops_answering_echoes_takes_the_link_down_after_exactly_the_configured_missed_periods_and_it_reconnects()
    {
        using var isp = ModemLinkRig.IspIn7(IspAuthentication.Pap);
        await using var modem = new ScriptedModem(ScriptedModem.Hayes, isp);
        var options = ModemLinkRig.Isp1("emu0") with
        {
            EnableLqr = false,
            EnableEcho = true,
            QualityPeriod = EchoPeriod,
            MaxMissedEchoes = MaxMisses,
            EscapeGuardTime = TimeSpan.Zero,
            Reconnect = new ReconnectSpec(TimeSpan.FromSeconds(1), 1),
        };
        var link = Sys.ActorOf(ModemLinkActor.Props(options, modem.Lines), "isp1");
        // LCP, PAP and IPCP go back and forth on threads; no retransmission is needed, so no virtual time passes.
        events.FishForMessage<IspLinkUp>(_ => true, Patience);

        // The peer answers: every tick sends a request, its reply arrives before the next, nothing is missed.
        for (int tick = 1; tick <= 3; tick++)
        {
            Advance(EchoPeriod);
            AwaitAssert(() =>
            {
                var quality = Query<IspLinkStatus>(link, GetStatus.Instance).Quality;
                Assert.Equal("echo", quality?.Method);
                Assert.Equal(tick, quality?.Received);
            }, Patience);
        }

        // The line goes deaf towards us: the peer's replies are lost from now on.
        modem.Mute = true;
        // The next tick closes the last answered period and sends the first request that will go unanswered; each of
        // the following ends one unanswered period, and the one that ends the third takes the link down.
        for (int tick = 0; tick < MaxMisses; tick++)
        {
            Advance(EchoPeriod);
            var status = Query<IspLinkStatus>(link, GetStatus.Instance);
            Assert.Equal(IspLinkState.Up, status.State);
            Assert.Equal(tick, status.Quality?.ConsecutiveMisses);
            Assert.Equal(3 + tick + 1, status.Quality?.Sent);
        }

        Advance(EchoPeriod);
        var down = events.FishForMessage<IspLinkDown>(_ => true, Patience);
        Assert.Equal($"LCP echo: no reply to {MaxMisses} echo requests", down.Reason);

        // set reconnect 1 1: the line, heard again, is dialled a virtual second after the hang-up and comes up.
        modem.Mute = false;
        events.FishForMessage<IspLinkChanged>(c => c.Link.State == IspLinkState.RedialWait, Patience);
        Query<IspLinkStatus>(link, GetStatus.Instance);
        AwaitAssert(() => Assert.Equal(1, modem.HangUps), Patience);
        Advance(TimeSpan.FromSeconds(1));
        Assert.Contains("reconnect 1 of 1", events.FishForMessage<IspDialAttempt>(_ => true, Patience).Reason);
        events.FishForMessage<IspLinkUp>(_ => true, Patience);
        Assert.Equal(2, modem.Dials);
    }
}
