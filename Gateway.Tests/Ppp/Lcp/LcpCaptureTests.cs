using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Ccp;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Lcp;
using Gateway.Tests.Ppp.Fsm;
using Gateway.Tests.Support;
using static Gateway.Tests.Ppp.Lcp.LcpTestKit;

namespace Gateway.Tests.Ppp.Lcp;

/// <summary>Frames from an independent implementation (freeRtr) and from tcpdump's malformed-PPP regression files.</summary>
public class LcpCaptureTests
{
    private static IReadOnlyList<PcapPacket> Capture(string file) => PcapReader.ReadFile(Fixtures.Path("corpus", file));

    private static IEnumerable<byte[]> SyncPppFrames(string file) =>
        Capture(file).Select(p => CapturedLayers.TryGetUdp(p.LinkType, p.Data, out CapturedUdp udp) ? udp.Payload : null).OfType<byte[]>()
            .Where(p => p.Length >= 4 && p[0] == 0xFF && p[1] == 0x03);

    /// <summary>
    /// freeRtr's requests carry MRU, Magic-Number, CHAP-MD5, MRRU, short sequence numbers and a class 1
    /// Endpoint-Discriminator: all are Acked byte for byte. The small test client in the first capture sends one
    /// request whose Endpoint-Discriminator length is one short, leaving a stray byte: as pppd does, that tail is
    /// Configure-Rejected and counted (freeRtr itself Acked it).
    /// </summary>
    [Theory]
    [InlineData("interop/freertr_ppp_chap_mp.pcapng")]
    [InlineData("interop/freertr_tester_conn-ppp11.pcapng")]
    public void Every_freertr_lcp_configure_request_is_acked_as_sent(string file)
    {
        var requests = SyncPppFrames(file)
            .Where(p => p[2] == 0xC0 && p[3] == 0x21 && p[4] == (byte)ControlCode.ConfigureRequest)
            .Select(p => p[4..]).ToList();
        Assert.Contains(requests, r => OptionReader.IsWellFormed(r.AsSpan(4)));
        foreach (var request in requests)
        {
            var (lcp, _) = RequestSent(new LcpSettings { Mrru = 1500 });
            var outputs = lcp.Receive(request);
            if (OptionReader.IsWellFormed(request.AsSpan(4)))
            {
                var ack = SingleSent(outputs, ControlCode.ConfigureAck);
                Assert.Equal(request[1], ack.Identifier);
                Assert.Equal(request[4..], ack.Packet[4..]);
            }
            else
            {
                var reject = SingleSent(outputs, ControlCode.ConfigureReject);
                Assert.True(reject.Packet.Length < request.Length);
                Assert.Equal(1, lcp.Counters.MalformedOptions);
            }
        }
    }

    [Theory]
    [InlineData("interop/freertr_ppp_chap_mp.pcapng")]
    [InlineData("interop/freertr_tester_conn-ppp11.pcapng")]
    public void Every_freertr_control_packet_parses(string file)
    {
        var control = SyncPppFrames(file).Where(p => p[2] >= 0x80).ToList();
        Assert.NotEmpty(control);
        Assert.All(control, p => Assert.Equal(ControlPacketError.None, ControlPacket.TryParse(p.AsSpan(4), out _)));
    }

    [Theory]
    [InlineData("malformed/ppp-invalid-lengths.pcap")]
    [InlineData("malformed/ppp_error_hexdump.pcap")]
    [InlineData("malformed/ppp_ccp_config_deflate_option_asan.pcap")]
    [InlineData("malformed/heapoverflow-ppp_hdlc_if_print.pcap")]
    [InlineData("malformed/mlppp-oobr.pcap")]
    [InlineData("malformed/ppp_ip_udp_dns.pcap")]
    public void Malformed_captures_fed_at_every_control_protocol_offset_never_break_the_session(string file)
    {
        var (lcp, _, lcpPump) = LcpTestKit.OpenedPair();
        var ipcp = OpenedNcpPair(new IpControlProtocol(new IpcpSettings { PeerAddress = System.Net.IPAddress.Parse("192.0.2.2") }), new IpControlProtocol());
        var ccp = OpenedNcpPair(new CompressionControlProtocol(), new CompressionControlProtocol());

        foreach (byte[] frame in Capture(file).Select(p => p.Data))
        {
            for (var i = 0; i + 2 <= frame.Length; i++)
            {
                var protocol = (PppProtocol)(frame[i] << 8 | frame[i + 1]);
                var packet = frame[(i + 2)..];
                ControlProtocol? target = protocol switch
                {
                    PppProtocol.Lcp => lcp,
                    PppProtocol.Ipcp => ipcp.A,
                    PppProtocol.Ccp => ccp.A,
                    _ => null,
                };
                if (target is null)
                    continue;
                foreach (var send in target.Receive(packet).OfType<SendControlPacket>())
                    Assert.True(send.Packet.Length <= target.ReplyLimit);
            }
        }

        lcpPump.Process(lcp, lcp.Open());
        lcpPump.Run();
        AssertAnswersEcho(lcp);
    }

    private static ControlPump OpenedNcpPair(ControlProtocol a, ControlProtocol b)
    {
        var pump = new ControlPump(a, b);
        pump.Start();
        pump.Run();
        Assert.Equal(FsmState.Opened, a.State);
        return pump;
    }
}
