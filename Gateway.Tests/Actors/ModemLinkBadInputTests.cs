using Gateway.Core.Config;
using System.Net;
using Akka.Actor;
using Akka.TestKit;
using Gateway.Core.Actors;
using Gateway.Core.Isp;
using Gateway.Core.Modem.Redial;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Status;
using Gateway.Emulation.Isp;
using Xunit.Abstractions;
using static Gateway.Core.Actors.Messages.IspMessages;

namespace Gateway.Tests.Actors;

/// <summary>Hostile modems and lines (BAD-INPUT.md "Modems and chat", framing): the link survives or fails cleanly.</summary>
public class ModemLinkBadInputTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TestProbe events;

    public ModemLinkBadInputTests(ITestOutputHelper output) : base("akka.loglevel = INFO", output)
    {
        events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(IspLinkUp));
        Sys.EventStream.Subscribe(events.Ref, typeof(IspLinkDown));
        Sys.EventStream.Subscribe(events.Ref, typeof(IspDialAttempt));
    }

    private static IspLinkOptions Options() => ModemLinkRig.Isp1("scripted0") with { EscapeGuardTime = TimeSpan.FromMilliseconds(100) };

    /// <summary>Result codes in pieces, NULs, high bytes and a RING among them, every command echoed.</summary>
    private static IEnumerable<byte[]> Garbled(string command)
    {
        yield return [0x00, 0xFF, 0x80, (byte)'\r'];
        yield return "\r\nRI"u8.ToArray();
        yield return "NG\r\n"u8.ToArray();
        if (command.StartsWith("ATD", StringComparison.Ordinal))
        {
            yield return "\r\nCONN"u8.ToArray();
            yield return "ECT 1152"u8.ToArray();
            yield return "00\r\n"u8.ToArray();
        }
        else
        {
            yield return "\r\nO"u8.ToArray();
            yield return "K\r"u8.ToArray();
            yield return "\n"u8.ToArray();
        }
    }

    [Fact]
    public async Task Garbage_and_split_result_codes_from_an_echoing_modem_still_dial_and_the_link_comes_up()
    {
        using var isp = ModemLinkRig.IspIn7(IspAuthentication.Pap);
        await using var modem = new ScriptedModem(Garbled, isp, echo: true);

        Sys.ActorOf(ModemLinkActor.Props(Options(), modem.Lines), "isp1");

        var up = events.FishForMessage<IspLinkUp>(_ => true, Patience);
        Assert.Equal(IPAddress.Parse("127.0.3.7"), up.MyAddr);
        Assert.Equal(1, modem.Dials);
    }

    [Fact]
    public async Task Line_noise_and_a_megabyte_without_a_flag_while_up_are_counted_and_the_link_still_carries_udp()
    {
        using var isp = ModemLinkRig.IspIn7(IspAuthentication.Chap);
        await using var modem = new ScriptedModem(ScriptedModem.Hayes, isp);
        using var server = new UdpEchoServer();
        var link = Sys.ActorOf(ModemLinkActor.Props(Options(), modem.Lines), "isp1");
        var up = events.FishForMessage<IspLinkUp>(_ => true, Patience);

        // frames with bad FCS, an abort sequence, stray escapes
        var noise = new Random(5);
        for (var i = 0; i < 50; i++)
        {
            var frame = new byte[noise.Next(4, 60)];
            noise.NextBytes(frame);
            for (var j = 0; j < frame.Length; j++)
                if (frame[j] == 0x7E)
                    frame[j] = 0x7D;
            modem.Inject([0x7E, 0xFF, 0x03, 0xC0, 0x21, .. frame, 0x7E]);
        }
        modem.Inject([0x7E, 0x7D, 0x7E, 0x7D]);
        var flood = new byte[1 << 20];
        Array.Fill(flood, (byte)0x55);
        modem.Inject(flood);
        modem.Inject([0x7E]);

        AwaitAssert(() =>
        {
            var s = link.Ask<IspLinkStatus>(GetStatus.Instance).Result;
            Assert.True(s.Counters.Errors >= 50, $"errors counted: {s.Counters.Errors}");
        }, Patience);

        using var flow = IspUdpFlow.Bind(up, 40003, new IPEndPoint(IPAddress.Loopback, server.Port), TestActor);
        Assert.True(flow.Send("after the storm"u8));
        var reply = ExpectMsg<UdpReceived>(Patience);
        Assert.Equal("echo:after the storm"u8.ToArray(), reply.Payload);
        Assert.Equal(IspLinkState.Up, (await link.Ask<IspLinkStatus>(GetStatus.Instance, Patience)).State);
        events.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public async Task Ring_mid_session_is_noise_but_no_carrier_split_across_reads_is_carrier_loss_and_the_link_redials()
    {
        using var isp = ModemLinkRig.IspIn7(IspAuthentication.Pap);
        await using var modem = new ScriptedModem(ScriptedModem.Hayes, isp);
        var options = Options() with { Reconnect = new ReconnectSpec(TimeSpan.FromSeconds(1), 1) };
        var link = Sys.ActorOf(ModemLinkActor.Props(options, modem.Lines), "isp1");
        events.FishForMessage<IspDialAttempt>(_ => true, Patience);
        events.FishForMessage<IspLinkUp>(_ => true, Patience);

        modem.Inject("\r\nRING\r\n"u8);
        modem.Inject("\r\nNO CARRI"u8);
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(IspLinkState.Up, (await link.Ask<IspLinkStatus>(GetStatus.Instance, Patience)).State);
        modem.Inject("ER\r\n"u8);

        Assert.Equal("carrier lost", events.FishForMessage<IspLinkDown>(_ => true, Patience).Reason);
        Assert.Contains("reconnect 1 of 1", events.FishForMessage<IspDialAttempt>(_ => true, Patience).Reason);
        events.FishForMessage<IspLinkUp>(_ => true, Patience);
    }

    [Fact]
    public async Task An_isp_that_never_answers_lcp_is_given_up_after_max_configure_and_redialed()
    {
        await using var modem = new ScriptedModem(ScriptedModem.Hayes);
        var options = Options() with
        {
            Fsm = FsmSettings.Default with { RestartTimer = TimeSpan.FromMilliseconds(100) },
            Reconnect = new ReconnectSpec(TimeSpan.FromSeconds(1), 1),
        };
        var link = Sys.ActorOf(ModemLinkActor.Props(options, modem.Lines), "isp1");

        Assert.Equal(1, events.FishForMessage<IspDialAttempt>(_ => true, Patience).Attempt);
        var redial = events.FishForMessage<IspDialAttempt>(_ => true, Patience);

        Assert.Contains("reconnect 1 of 1", redial.Reason);
        Assert.Equal(FsmSettings.DefaultMaxConfigure, modem.LcpConfigureRequestsByCall[0]);
        var status = await link.Ask<IspLinkStatus>(GetStatus.Instance, Patience);
        Assert.Equal("LCP: no agreement after Max-Configure requests", status.LastReason);
    }
}

/// <summary>The commands and the link-quality watch of the modem link actor.</summary>
public class ModemLinkCommandTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TestProbe events;

    public ModemLinkCommandTests(ITestOutputHelper output) : base("akka.loglevel = INFO", output)
    {
        events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(IspLinkUp));
        Sys.EventStream.Subscribe(events.Ref, typeof(IspLinkDown));
        Sys.EventStream.Subscribe(events.Ref, typeof(IspDialAttempt));
    }

    private static IspLinkOptions Options() => ModemLinkRig.Isp1("scripted0") with { EscapeGuardTime = TimeSpan.FromMilliseconds(100) };

    [Fact]
    public async Task Echo_replies_missed_hang_the_link_up_and_it_redials()
    {
        using var isp = ModemLinkRig.IspIn7(IspAuthentication.Pap);
        await using var modem = new ScriptedModem(ScriptedModem.Hayes, isp);
        // enable echo alone: with enable lqr our ISP end would agree to LQR, which then watches the line instead
        var options = Options() with
        {
            EnableLqr = false,
            QualityPeriod = TimeSpan.FromMilliseconds(200),
            MaxMissedEchoes = 3,
            Reconnect = new ReconnectSpec(TimeSpan.FromSeconds(1), 1),
        };
        Sys.ActorOf(ModemLinkActor.Props(options, modem.Lines), "isp1");
        events.FishForMessage<IspLinkUp>(_ => true, Patience);

        modem.Mute = true;
        var down = events.FishForMessage<IspLinkDown>(_ => true, Patience);
        Assert.Equal("LCP echo: no reply to 3 echo requests", down.Reason);
        modem.Mute = false;

        var redial = events.FishForMessage<IspDialAttempt>(_ => true, Patience);
        Assert.Contains("reconnect 1 of 1", redial.Reason);
        events.FishForMessage<IspLinkUp>(_ => true, Patience);
        Assert.Equal(2, modem.Dials);
    }

    [Fact]
    public async Task Every_state_change_is_published_in_datalink_order_and_a_dial_during_the_close_dials_again()
    {
        var changes = CreateTestProbe();
        Sys.EventStream.Subscribe(changes.Ref, typeof(IspLinkChanged));
        using var isp = ModemLinkRig.IspIn7(IspAuthentication.Chap);
        await using var modem = new ScriptedModem(ScriptedModem.Hayes, isp);
        var link = Sys.ActorOf(ModemLinkActor.Props(Options(), modem.Lines), "isp1");

        var seen = new List<IspLinkState>();
        while (seen.LastOrDefault() != IspLinkState.Up)
            seen.Add(changes.ExpectMsg<IspLinkChanged>(Patience).Link.State);
        Assert.Equal(
            [IspLinkState.Closed, IspLinkState.Opening, IspLinkState.Dialing, IspLinkState.Lcp, IspLinkState.Authenticating, IspLinkState.Ipcp, IspLinkState.Up],
            seen);

        link.Tell(Close.Instance);
        link.Tell(Dial.Instance);
        seen.Clear();
        while (seen.LastOrDefault() != IspLinkState.Up)
            seen.Add(changes.ExpectMsg<IspLinkChanged>(Patience).Link.State);
        Assert.Equal([IspLinkState.HangingUp, IspLinkState.Closed, IspLinkState.Opening, IspLinkState.Dialing], seen.Take(4));
        Assert.Equal(2, modem.Dials);
    }

    [Fact]
    public async Task Down_drops_the_link_without_terminate_and_stays_down_until_dial()
    {
        using var isp = ModemLinkRig.IspIn7(IspAuthentication.Pap);
        await using var modem = new ScriptedModem(ScriptedModem.Hayes, isp);
        var options = Options() with { Reconnect = new ReconnectSpec(TimeSpan.FromSeconds(1), 5) };
        var link = Sys.ActorOf(ModemLinkActor.Props(options, modem.Lines), "isp1");
        events.FishForMessage<IspDialAttempt>(_ => true, Patience);
        events.FishForMessage<IspLinkUp>(_ => true, Patience);

        link.Tell(Down.Instance);

        Assert.Equal("down command", events.FishForMessage<IspLinkDown>(_ => true, Patience).Reason);
        AwaitAssert(() => Assert.Equal(IspLinkState.Closed, link.Ask<IspLinkStatus>(GetStatus.Instance).Result.State), Patience);
        events.ExpectNoMsg(TimeSpan.FromSeconds(2));
        Assert.Equal(1, modem.Dials);

        link.Tell(Dial.Instance);
        Assert.Equal(1, events.FishForMessage<IspDialAttempt>(_ => true, Patience).Attempt);
        events.FishForMessage<IspLinkUp>(_ => true, Patience);
    }

    [Fact]
    public async Task A_wrong_authkey_is_refused_by_the_isp_and_the_attempt_fails_with_the_reason_without_the_secret()
    {
        using var isp = ModemLinkRig.IspIn7(IspAuthentication.Pap);
        await using var modem = new ScriptedModem(ScriptedModem.Hayes, isp);
        var options = Options() with
        {
            AuthKey = Gateway.Core.Ppp.Auth.Secret.FromText("not-the-key"),
            Redial = ModemLinkRig.SeedRedial with { Attempts = 1 },
        };
        var gaveUp = CreateTestProbe();
        Sys.EventStream.Subscribe(gaveUp.Ref, typeof(IspLinkGaveUp));
        var link = Sys.ActorOf(ModemLinkActor.Props(options, modem.Lines), "isp1");

        gaveUp.ExpectMsg<IspLinkGaveUp>(Patience);
        var status = await link.Ask<IspLinkStatus>(GetStatus.Instance, Patience);
        Assert.Equal(IspLinkState.Closed, status.State);
        Assert.DoesNotContain("not-the-key", status.LastReason ?? "");
        Assert.DoesNotContain("not-the-key", options.ToString());
        events.FishForMessage<IspDialAttempt>(_ => true, Patience);
        events.ExpectNoMsg(TimeSpan.Zero);
    }
}
