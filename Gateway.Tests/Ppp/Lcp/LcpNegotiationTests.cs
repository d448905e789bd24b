using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Multilink;
using Gateway.Tests.Ppp.Fsm;
using static Gateway.Tests.Ppp.Lcp.LcpTestKit;

namespace Gateway.Tests.Ppp.Lcp;

public class LcpNegotiationTests
{
    private static EndpointDiscriminator Label(string text)
    {
        Assert.True(EndpointDiscriminator.TryCreate(1, System.Text.Encoding.ASCII.GetBytes(text), out var discriminator, out _));
        return discriminator;
    }

    [Fact]
    public void Two_lcps_back_to_back_open_with_every_option_agreed()
    {
        var gateway = new LcpSettings
        {
            Mru = 1500, Accm = 0, EnableChap = true, Mrru = 1500, EndpointDiscriminator = Label("gw"),
            EnableLqr = true, LqrPeriod = 100,
        };
        var receiver = new LcpSettings
        {
            Mru = 1400, Accm = 0x000A0000, Mrru = 1600, EndpointDiscriminator = Label("rx"), LqrPeriod = 250,
        };
        var (a, b, pump) = OpenedPair(gateway, receiver);

        var na = a.Negotiated!;
        var nb = b.Negotiated!;
        Assert.Equal(1400, na.PeerMru);
        Assert.Equal(1500, na.LocalMru);
        Assert.Equal(1400, a.PeerMru);
        Assert.Equal(0x000A0000u, na.SendAccm);
        Assert.Equal(0u, na.ReceiveAccm);
        Assert.Equal(LcpAuthentication.ChapMd5, na.AuthenticatePeer);
        Assert.Equal(LcpAuthentication.None, na.AuthenticateToPeer);
        Assert.Equal(LcpAuthentication.ChapMd5, nb.AuthenticateToPeer);
        Assert.True(na.SendPfc && na.ReceivePfc && na.SendAcfc && na.ReceiveAcfc);
        Assert.Equal(0x1000_0000u, na.LocalMagic);
        Assert.Equal(0x2000_0000u, na.PeerMagic);
        Assert.Equal(na.LocalMagic, nb.PeerMagic);
        Assert.Equal((ushort)1600, na.PeerMrru);
        Assert.Equal((ushort)1500, na.LocalMrru);
        Assert.True(na.Multilink);
        Assert.True(na.SendShortSequence && na.ReceiveShortSequence);
        Assert.Equal(Label("rx"), na.PeerEndpointDiscriminator);
        Assert.Equal(Label("gw"), nb.PeerEndpointDiscriminator);
        Assert.Equal(100u, na.ReceiveLqrPeriod);
        Assert.Equal(100u, nb.SendLqrPeriod);
        Assert.Null(na.SendLqrPeriod);

        Assert.Contains(pump.OutputsOf<ThisLayer>(a), t => t.Signal == LayerSignal.Up);
        Assert.Contains(pump.OutputsOf<FsmStateChanged>(a), s => s.ToString() == "State change Ack-Rcvd --> Opened" || s.ToString() == "State change Ack-Sent --> Opened");
        AssertAnswersEcho(a);
        AssertAnswersEcho(b);
    }

    [Fact]
    public void Without_mrru_multilink_options_are_rejected_and_not_negotiated()
    {
        var (a, b, _) = OpenedPair(new LcpSettings(), new LcpSettings { Mrru = 1500, EndpointDiscriminator = Label("rx") });
        Assert.False(a.Negotiated!.Multilink);
        Assert.Null(a.Negotiated.PeerMrru);
        Assert.Null(b.Negotiated!.LocalMrru);
        Assert.False(b.Negotiated.ReceiveShortSequence);
        Assert.Equal(Label("rx"), a.Negotiated.PeerEndpointDiscriminator);
    }

    [Fact]
    public void A_peer_that_refuses_chap_naks_pap_and_we_fall_back_when_pap_is_enabled()
    {
        var (a, b, _) = OpenedPair(
            new LcpSettings { EnableChap = true, EnablePap = true },
            new LcpSettings { AcceptChap = false, AcceptPap = true });
        Assert.Equal(LcpAuthentication.Pap, a.Negotiated!.AuthenticatePeer);
        Assert.Equal(LcpAuthentication.Pap, b.Negotiated!.AuthenticateToPeer);
        Assert.Equal(1, b.Counters.NakedOptions);
    }

    [Fact]
    public void A_peer_that_accepts_no_authentication_rejects_it_and_the_result_says_so()
    {
        var (a, _, _) = OpenedPair(new LcpSettings { EnableChap = true }, new LcpSettings { AcceptChap = false, AcceptPap = false });
        Assert.Equal(LcpAuthentication.None, a.Negotiated!.AuthenticatePeer);
        Assert.True(a.Negotiated.PeerRefusedAuthentication);
    }

    [Fact]
    public void Lqr_rejected_by_the_peer_is_simply_not_negotiated()
    {
        var (a, _, _) = OpenedPair(new LcpSettings { EnableLqr = true }, new LcpSettings { AcceptLqr = false });
        Assert.Null(a.Negotiated!.ReceiveLqrPeriod);
    }

    [Fact]
    public void Disabled_and_denied_compression_is_off_both_ways()
    {
        var (a, b, _) = OpenedPair(new LcpSettings { EnablePfc = false, EnableAcfc = false }, new LcpSettings { AcceptPfc = false, AcceptAcfc = false });
        Assert.False(a.Negotiated!.ReceivePfc || a.Negotiated.ReceiveAcfc);
        Assert.False(b.Negotiated!.SendPfc || b.Negotiated.SendAcfc);
        Assert.True(a.Negotiated.SendPfc && a.Negotiated.SendAcfc);
    }

    [Fact]
    public void Close_terminates_both_sides_and_reports_layer_finished()
    {
        var (a, b, pump) = OpenedPair();
        pump.Process(a, a.Close());
        pump.Run();
        Assert.Equal(FsmState.Closed, a.State);
        Assert.Equal(FsmState.Stopped, b.State);
        Assert.Null(a.Negotiated);
        Assert.Contains(pump.OutputsOf<ThisLayer>(a), t => t.Signal == LayerSignal.Finished);
        Assert.Contains(pump.OutputsOf<ThisLayer>(b), t => t.Signal == LayerSignal.Down);
    }

    [Fact]
    public void Lost_packets_are_recovered_by_the_restart_timer()
    {
        var a = new LinkControlProtocol(magicSource: Magics(1));
        var b = new LinkControlProtocol(magicSource: Magics(100));
        var pump = new ControlPump(a, b);
        var dropped = 0;
        pump.Filter = (_, packet) => dropped++ < 3 ? null : packet;
        pump.Start();
        pump.Run();
        Assert.Equal(FsmState.Opened, a.State);
        Assert.Equal(FsmState.Opened, b.State);
        Assert.True(pump.Now >= FsmSettings.DefaultRestartTimer);
    }

    [Fact]
    public void A_peer_that_never_answers_gets_max_configure_requests_then_the_layer_finishes()
    {
        var (lcp, _) = RequestSent();
        var requests = 1;
        var outputs = new List<ControlOutput>();
        for (var i = 0; i < 20 && lcp.State == FsmState.ReqSent; i++)
        {
            var step = lcp.RestartTimerExpired();
            outputs.AddRange(step);
            requests += step.OfType<SendControlPacket>().Count(p => p.Code == ControlCode.ConfigureRequest);
        }
        Assert.Equal(FsmSettings.DefaultMaxConfigure, requests);
        Assert.Equal(FsmState.Stopped, lcp.State);
        Assert.Contains(outputs, o => o is ThisLayer { Signal: LayerSignal.Finished });
    }

    [Fact]
    public void Echo_request_built_for_the_keepalive_is_answered_and_the_reply_reported()
    {
        var (a, b, pump) = OpenedPair();
        var request = a.BuildEchoRequest(42, [1, 2, 3])!;
        var replyOutputs = b.Receive(request);
        var reply = SingleSent(replyOutputs, ControlCode.EchoReply);
        var reported = Assert.Single(a.Receive(reply.Packet).OfType<EchoReplyReceived>());
        Assert.Equal(42, reported.Identifier);
        Assert.Equal(b.Negotiated!.LocalMagic, reported.Magic);
        Assert.Equal(new byte[] { 1, 2, 3 }, reported.Data);
        Assert.Null(new LinkControlProtocol().BuildEchoRequest(1, []));
    }

    [Fact]
    public void Discard_request_is_reported_and_not_answered()
    {
        var (a, b, _) = OpenedPair();
        var outputs = b.Receive(a.BuildDiscardRequest(9, [7, 7])!);
        Assert.Empty(outputs.OfType<SendControlPacket>());
        Assert.Equal(9, Assert.Single(outputs.OfType<DiscardRequestReceived>()).Identifier);
    }

    [Fact]
    public void Protocol_reject_is_built_only_in_opened_with_a_fresh_identifier_and_cut_to_the_peer_mru()
    {
        var (a, _, _) = OpenedPair(null, new LcpSettings { Mru = 100 });
        var information = new byte[500];
        var first = a.BuildProtocolReject(0xC022, information)!;
        var second = a.BuildProtocolReject(0x8037, [1])!;
        Assert.Equal((byte)ControlCode.ProtocolReject, first[0]);
        Assert.Equal(100, first.Length);
        Assert.Equal(new byte[] { 0xC0, 0x22 }, first[4..6]);
        Assert.NotEqual(first[1], second[1]);
        Assert.Null(RequestSent().Lcp.BuildProtocolReject(0xC022, information));
    }

    [Fact]
    public void Protocol_reject_of_an_ncp_is_reported_and_lcp_stays_opened()
    {
        var (a, _, pump) = OpenedPair();
        var outputs = Inject(pump, a, Packet(ControlCode.ProtocolReject, 3, [0x80, 0x21, 1, 1, 0, 4]));
        Assert.Equal(PppProtocol.Ipcp, Assert.Single(outputs.OfType<ProtocolRejected>()).Protocol);
        AssertAnswersEcho(a);
    }

    [Fact]
    public void Loop_back_is_detected_when_our_own_magic_keeps_coming_back()
    {
        var lcp = new LinkControlProtocol(magicSource: Magics(0x4242));
        var looped = new ControlPump(lcp, lcp);
        looped.Process(lcp, lcp.Up());
        looped.Process(lcp, lcp.Open());
        looped.Run(maxSteps: 200);
        var detected = Assert.Single(looped.OutputsOf<LoopbackDetected>(lcp));
        Assert.Equal(LcpSettings.Default.LoopbackThreshold, detected.Rounds);
        Assert.True(lcp.Counters.LoopbackSuspected >= LcpSettings.Default.LoopbackThreshold);
    }

    [Fact]
    public void Our_magic_in_the_peer_request_is_naked_and_we_pick_a_new_one()
    {
        var (lcp, request) = RequestSent();
        var ourMagic = lcp.LocalMagic;
        var nak = SingleSent(lcp.Receive(Packet(ControlCode.ConfigureRequest, 1, Option(LcpOptionType.MagicNumber, U32(ourMagic)))), ControlCode.ConfigureNak);
        Assert.NotEqual(ourMagic, lcp.LocalMagic);
        Assert.NotEqual(U32(ourMagic), nak.Packet[6..10]);
        Assert.Equal(1, lcp.Counters.LoopbackSuspected);
        _ = request;
    }
}
