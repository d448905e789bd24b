using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Ccp;
using Gateway.Core.Ppp.Fsm;
using Gateway.Tests.Ppp.Fsm;
using static Gateway.Tests.Ppp.Lcp.LcpTestKit;

namespace Gateway.Tests.Ppp.Ccp;

public class CcpTests
{
    private const byte Deflate = 26; // RFC 1979
    private const byte Predictor1 = 1; // RFC 1978

    [Fact]
    public void Two_ccps_open_with_no_options()
    {
        var a = new CompressionControlProtocol();
        var b = new CompressionControlProtocol();
        var pump = new ControlPump(a, b);
        pump.Start();
        pump.Run();
        Assert.Equal(FsmState.Opened, a.State);
        Assert.Equal(FsmState.Opened, b.State);
        Assert.All(pump.Log.Select(l => l.Output).OfType<SendControlPacket>(), p => Assert.Equal(PppProtocol.Ccp, p.Protocol));
        Assert.Contains(pump.OutputsOf<SendControlPacket>(a), p => p.Code == ControlCode.ConfigureRequest && p.Packet.Length == 4);
    }

    [Fact]
    public void Deflate_and_predictor_are_rejected_and_ccp_opens_once_the_peer_drops_them()
    {
        var ccp = new CompressionControlProtocol();
        ccp.Up();
        var request = Assert.Single(ccp.Open().OfType<SendControlPacket>());
        byte[] options = [.. Option(Deflate, 0x78, 0x00), .. Option(Predictor1)];
        var reject = SingleSent(ccp.Receive(Packet(ControlCode.ConfigureRequest, 1, options)), ControlCode.ConfigureReject);
        Assert.Equal(options, reject.Packet[4..]);

        ccp.Receive(Packet(ControlCode.ConfigureAck, request.Identifier));
        SingleSent(ccp.Receive(Packet(ControlCode.ConfigureRequest, 2)), ControlCode.ConfigureAck);
        Assert.Equal(FsmState.Opened, ccp.State);
    }

    [Fact]
    public void A_truncated_deflate_option_is_rejected_to_the_end_and_counted()
    {
        var ccp = new CompressionControlProtocol();
        ccp.Up();
        ccp.Open();
        var reject = SingleSent(ccp.Receive(Packet(ControlCode.ConfigureRequest, 1, Deflate, 4, 0x78)), ControlCode.ConfigureReject);
        Assert.Equal(new byte[] { Deflate, 4, 0x78 }, reject.Packet[4..]);
        Assert.Equal(1, ccp.Counters.MalformedOptions);
    }

    [Fact]
    public void Reset_request_without_a_compressor_is_ignored_not_code_rejected()
    {
        var ccp = new CompressionControlProtocol();
        ccp.Up();
        ccp.Open();
        Assert.Empty(ccp.Receive(Packet(CompressionControlProtocol.ResetRequest, 1)));
        Assert.Equal(0, ccp.Counters.UnknownCodes);
    }
}

public class CcpProtocolRejectTests
{
    [Fact]
    public void A_protocol_reject_of_ccp_reported_by_lcp_stops_ccp_and_its_retransmissions()
    {
        var ccp = new CompressionControlProtocol();
        ccp.Up();
        ccp.Open();
        var outputs = ccp.PeerRejectedProtocol();
        Assert.Equal(FsmState.Stopped, ccp.State);
        Assert.Contains(outputs, o => o is ThisLayer { Signal: LayerSignal.Finished });
        Assert.Contains(outputs, o => o is StopRestartTimer);
        Assert.Empty(ccp.RestartTimerExpired());
    }
}
