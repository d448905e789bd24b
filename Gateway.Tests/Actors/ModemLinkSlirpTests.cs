using System.Net;
using Akka.Actor;
using Akka.TestKit;
using Gateway.Core.Actors;
using Gateway.Core.Isp;
using Gateway.Core.Ppp.Auth;
using Gateway.Core.Status;
using Gateway.Emulation.Modem;
using Gateway.Tests.Support;
using Xunit.Abstractions;
using static Gateway.Core.Actors.Messages.IspMessages;

namespace Gateway.Tests.Actors;

/// <summary>
/// The modem link actor against slirp-fullbolt, an ISP nobody here wrote (PEERS.md): directly on its pseudo-terminal
/// and behind the Hayes emulator. Its quirks: it asks 0.0.0.0 for itself (Naked with 10.0.2.2), sends CCP until
/// Protocol-Rejected, rejects LQR (echo is used). Only 10.0.2.2 is ever addressed inside the link.
/// </summary>
public class ModemLinkSlirpTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TestProbe events;

    public ModemLinkSlirpTests(ITestOutputHelper output) : base("akka.loglevel = INFO", output)
    {
        events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(IspLinkUp));
        Sys.EventStream.Subscribe(events.Ref, typeof(IspLinkDown));
    }

    private static IspLinkOptions SlirpClient(string device, string dial = "", string? phone = null) => new("slirp", [device])
    {
        DialScript = dial,
        Phone = phone,
        AuthName = "testuser",
        AuthKey = Secret.FromText("testpass"),
        PeerAddress = ModemLinkRig.SlirpHost,
        EnableLqr = true,
        EnableEcho = true,
        QualityPeriod = TimeSpan.FromSeconds(2),
        MaxMissedEchoes = 2,
        Redial = ModemLinkRig.SeedRedial,
    };

    private static SlirpPeer StartSlirp(string auth) =>
        SlirpPeer.Start([auth], papSecrets: ["testuser * testpass"], chapSecrets: ["testuser * testpass"]);

    [SkippableTheory]
    [InlineData("+pap")]
    [InlineData("+chap")]
    public async Task Directly_on_slirps_pty_the_link_comes_up_and_carries_udp_and_icmp_to_10_0_2_2(string auth)
    {
        var why = SlirpPeer.WhyUnavailable();
        Skip.If(why is not null, why);
        using var slirp = StartSlirp(auth);
        var link = Sys.ActorOf(ModemLinkActor.Props(SlirpClient(slirp.TerminalPath)), "slirp");

        await ProveTheLinkCarriesTraffic(link);
    }

    [SkippableFact]
    public async Task Behind_the_modem_emulator_slirp_answers_the_call_and_the_link_carries_udp_and_icmp()
    {
        var why = SlirpPeer.WhyUnavailable() ?? EmulatedModemOnPty.WhyUnavailable();
        Skip.If(why is not null, why);
        using var slirp = StartSlirp("+chap");
        var numbers = new ModemDirectory().Set("5550100", ModemLinkRig.Quick(CallOutcome.Answer));
        var answerer = new DelegateAnswerer((_, _, _) => ValueTask.FromResult<Stream?>(slirp.Open()));
        await using var modem = await EmulatedModemOnPty.StartAsync(numbers, answerer);
        var link = Sys.ActorOf(ModemLinkActor.Props(SlirpClient(modem.Device, ModemLinkRig.SeedDial, "5550100")), "slirp");

        await ProveTheLinkCarriesTraffic(link);
        Assert.Equal(1, numbers.CallsTo("5550100"));
    }

    private async Task ProveTheLinkCarriesTraffic(IActorRef link)
    {
        var up = events.FishForMessage<IspLinkUp>(_ => true, Patience);
        Assert.Equal(ModemLinkRig.SlirpHost, up.HisAddr);
        Assert.NotEqual(IPAddress.Any, up.MyAddr);

        using var server = new UdpEchoServer();
        using var flow = IspUdpFlow.Bind(up, 40002, new IPEndPoint(ModemLinkRig.SlirpHost, server.Port), TestActor);
        Assert.True(flow.Send("through slirp"u8));
        Assert.Equal("through slirp"u8.ToArray(), await server.FirstReceived.Task.WaitAsync(Patience));
        var reply = ExpectMsg<UdpReceived>(Patience);
        Assert.Equal("echo:through slirp"u8.ToArray(), reply.Payload);

        link.Tell(new Ping(ModemLinkRig.SlirpHost, 1, "are you there"u8.ToArray()));
        var pong = ExpectMsg<PingReply>(Patience);
        Assert.Equal(ModemLinkRig.SlirpHost, pong.Source);
        Assert.Equal("are you there"u8.ToArray(), pong.Data);

        // slirp rejected LQR and answers our echoes (every 2 s, hung up after 2 misses): after three periods the link is still up.
        ExpectNoMsg(TimeSpan.FromSeconds(7));
        var status = await link.Ask<IspLinkStatus>(GetStatus.Instance, Patience);
        Assert.Equal(IspLinkState.Up, status.State);
        Assert.Equal("echo", status.Quality?.Method);
        Assert.True(status.Quality!.Received >= 3, $"{status.Quality.Received} of {status.Quality.Sent} echoes answered");
        events.ExpectNoMsg(TimeSpan.Zero);
    }
}
