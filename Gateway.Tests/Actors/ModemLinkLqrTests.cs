using System.Net;
using Akka.Actor;
using Akka.TestKit;
using Gateway.Core.Actors;
using Gateway.Core.Config;
using LinkQuality = Gateway.Core.Status.LinkQuality;
using Gateway.Core.Isp;
using Gateway.Core.Status;
using Gateway.Emulation.Isp;
using Gateway.Emulation.Modem;
using Xunit.Abstractions;
using static Gateway.Core.Actors.Messages.IspMessages;

namespace Gateway.Tests.Actors;

/// <summary>
/// LQR (RFC 1989) on the modem link to our own ISP end (the seed's <c>enable lqr</c>), on a short period: it runs
/// instead of LCP echo, both ends count the same traffic, and reports that stop hang the line up.
/// </summary>
public class ModemLinkLqrTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LqrPeriod = TimeSpan.FromMilliseconds(200);

    private readonly TestProbe events;
    private readonly TestProbe changes;

    public ModemLinkLqrTests(ITestOutputHelper output) : base("akka.loglevel = INFO", output)
    {
        events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(IspLinkUp));
        Sys.EventStream.Subscribe(events.Ref, typeof(IspLinkDown));
        Sys.EventStream.Subscribe(events.Ref, typeof(IspDialAttempt));
        changes = CreateTestProbe();
        Sys.EventStream.Subscribe(changes.Ref, typeof(IspLinkChanged));
    }

    /// <summary>ppp's limit of 5 missed periods: two timers of the same period drift apart by a period now and then,
    /// more so on a loaded machine.</summary>
    private static IspLinkOptions Isp1() => ModemLinkRig.Isp1("emu0") with
    {
        QualityPeriod = LqrPeriod,
        MaxMissedEchoes = 5,
        EscapeGuardTime = TimeSpan.FromMilliseconds(100),
    };

    private T Next<T>() where T : class => events.FishForMessage<T>(_ => true, Patience);

    /// <summary>Waits for a published status of the call after <paramref name="dialAttempts"/> dials whose LQR has figures for a whole period both ways.</summary>
    private LinkQuality NextLqrPeriod(long reports, int dialAttempts = 1) =>
        changes.FishForMessage<IspLinkChanged>(c => c.Link.DialAttempts == dialAttempts && c.Link.Quality is
        {
            Method: "lqr", InboundLossPercent: not null, OutboundLossPercent: not null,
        } q && q.Sent >= reports && q.Received >= reports, Patience).Link.Quality!;

    /// <param name="ispAsksToo">
    /// The ISP's label has <c>enable lqr</c> too (both ends send on their timers); without it the ISP only accepts
    /// ours, sends on the period we asked and our link answers each of its reports.
    /// </param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task With_enable_lqr_the_link_runs_lqr_both_ways_instead_of_echo_and_both_ends_count_nothing_lost(bool ispAsksToo)
    {
        var numbers = new ModemDirectory().Set("1234567", ModemLinkRig.Quick(CallOutcome.Answer));
        using var isp = ModemLinkRig.IspIn7(IspAuthentication.Chap, lqrPeriod: ispAsksToo ? LqrPeriod : null);
        var wire = new PppWireTap(isp);
        using var server = new UdpEchoServer();
        var link = Sys.ActorOf(ModemLinkActor.Props(Isp1(), new InProcessModemLines(numbers, wire)), "isp1");
        var up = Next<IspLinkUp>();

        // traffic in both directions, so that the periods count more than the reports themselves
        using var flow = IspUdpFlow.Bind(up, 40001, new IPEndPoint(IPAddress.Loopback, server.Port), TestActor);
        Assert.True(flow.Send("during lqr"u8));
        ExpectMsg<UdpReceived>(Patience);

        var quality = NextLqrPeriod(reports: 5);
        Assert.Equal(0, quality.InboundLossPercent);
        Assert.Equal(0, quality.OutboundLossPercent);

        var figures = isp.LastLqr;
        Assert.NotNull(figures);
        Assert.True(figures.OutLqrs >= 5 && figures.InLqrs >= 5, $"ISP: {figures}");
        var period = Assert.NotNull(figures.LastPeriod);
        Assert.True(period.Plausible && period.HasOutbound, $"ISP: {period}");
        // each of our reports counts at least itself; outbound figures may stay still for a period in which no
        // report of the ISP's reached us (timers of the same period drift)
        Assert.True(period.InboundPackets > 0, $"ISP: {period}");
        Assert.Equal(0, period.InboundPacketsLost);
        Assert.Equal(0, period.InboundOctetsLost);
        Assert.Equal(0, period.OutboundPacketsLost);
        Assert.Equal(0, period.OutboundOctetsLost);

        Assert.True(wire.LqrsToIsp >= 5 && wire.LqrsFromIsp >= 5, $"LQRs on the wire: {wire.LqrsToIsp} to the ISP, {wire.LqrsFromIsp} from it");
        Assert.Equal(0, wire.EchoRequestsToIsp);
        Assert.Equal(0, wire.EchoRequestsFromIsp);

        var status = await link.Ask<IspLinkStatus>(GetStatus.Instance, Patience);
        Assert.Equal(IspLinkState.Up, status.State);
        Assert.Equal("lqr", status.Quality?.Method);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void When_the_isps_reports_stop_the_link_is_hung_up_naming_lqr_and_redialed(bool ispAsksToo)
    {
        var numbers = new ModemDirectory().Set("1234567", ModemLinkRig.Quick(CallOutcome.Answer));
        using var isp = ModemLinkRig.IspIn7(IspAuthentication.Pap, lqrPeriod: ispAsksToo ? LqrPeriod : null);
        var options = Isp1() with { Reconnect = new ReconnectSpec(TimeSpan.FromSeconds(1), 1) };
        Sys.ActorOf(ModemLinkActor.Props(options, new InProcessModemLines(numbers, isp)), "isp1");
        Next<IspDialAttempt>();
        Next<IspLinkUp>();
        NextLqrPeriod(reports: 2);

        isp.LqrSuspended = true;
        var down = Next<IspLinkDown>();
        Assert.Equal("LQR: no report from the peer in 5 periods", down.Reason);
        isp.LqrSuspended = false;

        var redial = Next<IspDialAttempt>();
        Assert.Contains("reconnect 1 of 1", redial.Reason);
        Next<IspLinkUp>();
        Assert.Equal(2, numbers.CallsTo("1234567"));
        NextLqrPeriod(reports: 2, dialAttempts: 2);
    }
}
