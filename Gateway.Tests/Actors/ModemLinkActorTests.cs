using Gateway.Core.Config;
using System.Diagnostics;
using System.Net;
using Akka.Actor;
using Akka.TestKit;
using Gateway.Core.Actors;
using Gateway.Core.Modem.Redial;
using Gateway.Core.Status;
using Gateway.Emulation.Isp;
using Gateway.Emulation.Modem;
using Xunit.Abstractions;
using static Gateway.Core.Actors.Messages.IspMessages;

namespace Gateway.Tests.Actors;

/// <summary>The modem link actor against the Hayes emulator and our own ISP end (the seed's isp1 and isp-in-7).</summary>
public class ModemLinkActorTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TestProbe events;

    public ModemLinkActorTests(ITestOutputHelper output) : base("akka.loglevel = INFO", output)
    {
        events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(IspLinkUp));
        Sys.EventStream.Subscribe(events.Ref, typeof(IspLinkDown));
        Sys.EventStream.Subscribe(events.Ref, typeof(IspDialAttempt));
        Sys.EventStream.Subscribe(events.Ref, typeof(IspLinkGaveUp));
    }

    private T Next<T>(TimeSpan? timeout = null) where T : class =>
        events.FishForMessage<T>(_ => true, timeout ?? Patience);

    [SkippableTheory]
    [InlineData(IspAuthentication.Pap)]
    [InlineData(IspAuthentication.Chap)]
    public async Task Isp1_dials_through_the_emulator_on_a_pty_gets_its_address_and_carries_udp_to_127_0_0_1(IspAuthentication auth)
    {
        var why = EmulatedModemOnPty.WhyUnavailable();
        Skip.If(why is not null, why);
        var numbers = new ModemDirectory().Set("1234567", ModemLinkRig.Quick(CallOutcome.Answer));
        using var isp = ModemLinkRig.IspIn7(auth);
        await using var modem = await EmulatedModemOnPty.StartAsync(numbers, isp);
        using var server = new UdpEchoServer();

        var link = Sys.ActorOf(ModemLinkActor.Props(ModemLinkRig.Isp1(modem.Device)), "isp1");

        var up = Next<IspLinkUp>();
        Assert.Equal("isp1", up.Name);
        Assert.Equal(IPAddress.Parse("127.0.3.7"), up.MyAddr);
        Assert.Equal(IPAddress.Parse("127.0.2.7"), up.HisAddr);
        Assert.Equal(1, numbers.CallsTo("1234567"));

        using var flow = IspUdpFlow.Bind(up, 40001, new IPEndPoint(IPAddress.Loopback, server.Port), TestActor);
        Assert.True(flow.Send("hello isp"u8));

        Assert.Equal("hello isp"u8.ToArray(), await server.FirstReceived.Task.WaitAsync(Patience));
        var reply = ExpectMsg<UdpReceived>(Patience);
        Assert.Equal("echo:hello isp"u8.ToArray(), reply.Payload);
        Assert.Equal((ushort)40001, reply.LocalPort);

        // ICMP echo is answered by the ISP end itself.
        link.Tell(new Ping(IPAddress.Parse("127.0.2.7"), 7, "ping"u8.ToArray()));
        var pong = ExpectMsg<PingReply>(Patience);
        Assert.Equal("ping"u8.ToArray(), pong.Data);

        var status = await link.Ask<IspLinkStatus>(GetStatus.Instance, Patience);
        Assert.Equal(IspLinkState.Up, status.State);
        Assert.Equal("127.0.3.7", status.LocalAddress);

        link.Tell(Close.Instance);
        var down = Next<IspLinkDown>();
        Assert.Equal("close command", down.Reason);
        AwaitAssert(() => Assert.Equal(IspLinkState.Closed, link.Ask<IspLinkStatus>(GetStatus.Instance).Result.State), Patience);
    }

    [Fact]
    public async Task Busy_three_times_then_connect_comes_up_on_the_fourth_attempt_with_the_seed_redial_spacing()
    {
        var numbers = new ModemDirectory().Set("1234567",
            ModemLinkRig.Quick(CallOutcome.Busy), ModemLinkRig.Quick(CallOutcome.Busy), ModemLinkRig.Quick(CallOutcome.Busy),
            ModemLinkRig.Quick(CallOutcome.Answer));
        using var isp = ModemLinkRig.IspIn7(IspAuthentication.Pap);
        var modem = new InProcessModemLines(numbers, isp);
        var options = ModemLinkRig.Isp1("emu0") with { EscapeGuardTime = TimeSpan.FromMilliseconds(100) };

        Sys.ActorOf(ModemLinkActor.Props(options, modem), "isp1");

        var attempts = new List<(IspDialAttempt Attempt, long At)>();
        for (var i = 0; i < 4; i++)
            attempts.Add((Next<IspDialAttempt>(), Stopwatch.GetTimestamp()));
        Next<IspLinkUp>();

        Assert.Equal([1, 2, 3, 4], attempts.Select(a => a.Attempt.Attempt));
        Assert.All(attempts, a => Assert.Equal("1234567", a.Attempt.Phone));
        // set redial 3 5: the first dial at once, each redial after the 3 s pause
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3)], attempts.Select(a => a.Attempt.Delay));
        for (var i = 1; i < attempts.Count; i++)
            Assert.True(Stopwatch.GetElapsedTime(attempts[i - 1].At, attempts[i].At) >= TimeSpan.FromSeconds(3) - TimeSpan.FromMilliseconds(50),
                $"attempt {i + 1} came {Stopwatch.GetElapsedTime(attempts[i - 1].At, attempts[i].At)} after the previous one");
        Assert.Equal(4, numbers.CallsTo("1234567"));
    }

    [Fact]
    public async Task Set_redial_3_5_gives_up_after_five_attempts_with_the_reason()
    {
        var numbers = new ModemDirectory().Set("1234567", ModemLinkRig.Quick(CallOutcome.Busy));
        using var isp = ModemLinkRig.IspIn7(IspAuthentication.Pap);
        var modem = new InProcessModemLines(numbers, isp);
        var options = ModemLinkRig.Isp1("emu0") with { EscapeGuardTime = TimeSpan.FromMilliseconds(100) };

        var link = Sys.ActorOf(ModemLinkActor.Props(options, modem), "isp1");

        var gaveUp = Next<IspLinkGaveUp>(TimeSpan.FromSeconds(90));
        Assert.Equal("gave up after 5 dial attempts", gaveUp.Reason);
        Assert.Equal(5, numbers.CallsTo("1234567"));
        var status = await link.Ask<IspLinkStatus>(GetStatus.Instance, Patience);
        Assert.Equal(IspLinkState.Closed, status.State);
        Assert.Equal(5, status.DialAttempts);
        Assert.Equal("gave up after 5 dial attempts", status.LastReason);
    }

    [Fact]
    public async Task Carrier_dropped_mid_session_is_reported_as_carrier_lost_and_the_link_redials()
    {
        var numbers = new ModemDirectory().Set("1234567",
            ModemLinkRig.Quick(CallOutcome.Answer, dropAfter: TimeSpan.FromSeconds(4)), ModemLinkRig.Quick(CallOutcome.Answer));
        using var isp = ModemLinkRig.IspIn7(IspAuthentication.Chap);
        var watched = new WatchedAnswerer(isp);
        var modem = new InProcessModemLines(numbers, watched);
        var options = ModemLinkRig.Isp1("emu0") with { Reconnect = new ReconnectSpec(TimeSpan.FromSeconds(1), 3) };

        Sys.ActorOf(ModemLinkActor.Props(options, modem), "isp1");

        Next<IspDialAttempt>();
        Next<IspLinkUp>();
        await watched.HungUp.WaitAsync(Patience);
        // The modem's NO CARRIER ends the link, not an echo or LQR timeout (those name themselves in the reason and
        // take periods of seconds): the reason is the evidence of promptness, not a wall clock.
        var down = Next<IspLinkDown>();
        Assert.Equal("carrier lost", down.Reason);

        var redial = Next<IspDialAttempt>();
        Assert.Contains("reconnect 1 of 3", redial.Reason);
        Next<IspLinkUp>();
        Assert.Equal(2, numbers.CallsTo("1234567"));
    }

    [SkippableFact]
    public async Task A_vanished_device_goes_to_the_supervisor_which_restarts_the_link_and_it_redials_when_the_device_returns()
    {
        var why = EmulatedModemOnPty.WhyUnavailable();
        Skip.If(why is not null, why);
        var numbers = new ModemDirectory().Set("1234567", ModemLinkRig.Quick(CallOutcome.Answer));
        using var isp = ModemLinkRig.IspIn7(IspAuthentication.Pap);
        await using var modem = await EmulatedModemOnPty.StartAsync(numbers, isp);

        Sys.ActorOf(ModemLinkActor.SupervisedProps(ModemLinkRig.Isp1(modem.Device),
            minBackoff: TimeSpan.FromMilliseconds(200), maxBackoff: TimeSpan.FromSeconds(1)), "isp1");
        Next<IspLinkUp>();

        modem.KillCable();
        var down = Next<IspLinkDown>();
        Assert.Contains("device", down.Reason);

        await modem.RestartAsync(numbers, isp);
        var up = Next<IspLinkUp>();
        Assert.Equal(IPAddress.Parse("127.0.3.7"), up.MyAddr);
        Assert.Equal(2, numbers.CallsTo("1234567"));
    }
}
