using System.Net;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Tests.Ppp.Fsm;
using static Gateway.Tests.Ppp.Lcp.LcpTestKit;

namespace Gateway.Tests.Ppp.Ipcp;

public class IpcpTests
{
    private static readonly IPAddress Gateway = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.2");
    private static readonly IPAddress Dns1 = IPAddress.Parse("192.0.2.53");
    private static readonly IPAddress Dns2 = IPAddress.Parse("192.0.2.54");

    private static byte[] Address(string address) => IPAddress.Parse(address).GetAddressBytes();

    private static (IpControlProtocol Asker, IpControlProtocol Assigner, ControlPump Pump) OpenedPair()
    {
        var asker = new IpControlProtocol(new IpcpSettings { RequestDns = true });
        var assigner = new IpControlProtocol(new IpcpSettings { LocalAddress = Gateway, PeerAddress = Client, PrimaryDns = Dns1, SecondaryDns = Dns2 });
        var pump = new ControlPump(asker, assigner);
        pump.Start();
        pump.Run();
        Assert.Equal(FsmState.Opened, asker.State);
        Assert.Equal(FsmState.Opened, assigner.State);
        return (asker, assigner, pump);
    }

    private static (IpControlProtocol Ipcp, SendControlPacket Request) RequestSent(IpcpSettings settings)
    {
        var ipcp = new IpControlProtocol(settings);
        ipcp.Up();
        var request = Assert.Single(ipcp.Open().OfType<SendControlPacket>());
        return (ipcp, request);
    }

    [Fact]
    public void The_side_asking_with_0_0_0_0_is_assigned_its_address_and_dns()
    {
        var (asker, assigner, _) = OpenedPair();
        Assert.Equal(new IpcpNegotiated(Client, Gateway, Dns1, Dns2), asker.Negotiated);
        Assert.Equal(Gateway, assigner.Negotiated!.LocalAddress);
        Assert.Equal(Client, assigner.Negotiated.PeerAddress);
        Assert.Null(assigner.Negotiated.PrimaryDns);
        Assert.Equal("MYADDR 192.0.2.2 HISADDR 192.0.2.1 DNS 192.0.2.53 192.0.2.54", asker.Negotiated!.ToString());
    }

    [Fact]
    public void A_peer_asking_0_0_0_0_for_itself_is_naked_with_the_configured_peer_address_slirp_quirk()
    {
        var (ipcp, _) = RequestSent(new IpcpSettings { PeerAddress = IPAddress.Parse("10.0.2.2") });
        var nak = SingleSent(ipcp.Receive(Packet(ControlCode.ConfigureRequest, 1, Option(3, Address("0.0.0.0")))), ControlCode.ConfigureNak);
        Assert.Equal(Option(3, Address("10.0.2.2")), nak.Packet[4..]);

        var ack = SingleSent(ipcp.Receive(Packet(ControlCode.ConfigureRequest, 2, Option(3, Address("10.0.2.2")))), ControlCode.ConfigureAck);
        Assert.Equal(Option(3, Address("10.0.2.2")), ack.Packet[4..]);
    }

    [Fact]
    public void A_peer_asking_another_address_than_ours_for_it_is_naked()
    {
        var (ipcp, _) = RequestSent(new IpcpSettings { PeerAddress = Client });
        var nak = SingleSent(ipcp.Receive(Packet(ControlCode.ConfigureRequest, 1, Option(3, Address("203.0.113.9")))), ControlCode.ConfigureNak);
        Assert.Equal(Option(3, Client.GetAddressBytes()), nak.Packet[4..]);
    }

    [Fact]
    public void Without_an_address_for_the_peer_its_own_choice_is_acked_and_0_0_0_0_rejected()
    {
        var (ipcp, _) = RequestSent(new IpcpSettings());
        SingleSent(ipcp.Receive(Packet(ControlCode.ConfigureRequest, 1, Option(3, Address("203.0.113.9")))), ControlCode.ConfigureAck);
        SingleSent(ipcp.Receive(Packet(ControlCode.ConfigureRequest, 2, Option(3, Address("0.0.0.0")))), ControlCode.ConfigureReject);
    }

    [Fact]
    public void A_request_without_an_ip_address_is_naked_once_with_hisaddr_then_acked_rfc1332_3_3()
    {
        var (ipcp, request) = RequestSent(new IpcpSettings { LocalAddress = Gateway, PeerAddress = Client });
        ipcp.Receive(Packet(ControlCode.ConfigureAck, request.Identifier, request.Packet[4..]));

        var nak = SingleSent(ipcp.Receive(Packet(ControlCode.ConfigureRequest, 1, [])), ControlCode.ConfigureNak);
        Assert.Equal(Option(3, Client.GetAddressBytes()), nak.Packet[4..]);

        // the peer still names no address: once is enough (as FreeBSD ppp), HISADDR stays the configured one
        SingleSent(ipcp.Receive(Packet(ControlCode.ConfigureRequest, 2, [])), ControlCode.ConfigureAck);
        Assert.Equal(FsmState.Opened, ipcp.State);
        Assert.Equal(Client, ipcp.Negotiated!.PeerAddress);
        Assert.True(ipcp.Negotiated.PeerAddressKnown);
    }

    [Fact]
    public void A_request_without_an_ip_address_and_no_hisaddr_to_give_leaves_the_peer_address_unknown()
    {
        var (ipcp, request) = RequestSent(new IpcpSettings { LocalAddress = Gateway });
        ipcp.Receive(Packet(ControlCode.ConfigureAck, request.Identifier, request.Packet[4..]));

        SingleSent(ipcp.Receive(Packet(ControlCode.ConfigureRequest, 1, [])), ControlCode.ConfigureAck);

        Assert.Equal(FsmState.Opened, ipcp.State);
        Assert.False(ipcp.Negotiated!.PeerAddressKnown);
        Assert.Contains("HISADDR unknown", ipcp.Negotiated.ToString());
    }

    [Fact]
    public void The_hisaddr_hint_is_not_sent_alongside_a_reject_and_comes_with_the_next_request()
    {
        var (ipcp, _) = RequestSent(new IpcpSettings { PeerAddress = Client });
        SingleSent(ipcp.Receive(Packet(ControlCode.ConfigureRequest, 1, Option(2, [0x00, 0x2d, 0x0f, 0x01]))), ControlCode.ConfigureReject);

        var nak = SingleSent(ipcp.Receive(Packet(ControlCode.ConfigureRequest, 2, [])), ControlCode.ConfigureNak);
        Assert.Equal(Option(3, Client.GetAddressBytes()), nak.Packet[4..]);
    }

    [Fact]
    public void Van_jacobson_compression_is_rejected()
    {
        var (ipcp, _) = RequestSent(new IpcpSettings { PeerAddress = Client });
        var vj = Option(2, 0x00, 0x2D, 0x0F, 0x01);
        var reject = SingleSent(ipcp.Receive(Packet(ControlCode.ConfigureRequest, 1, [.. vj, .. Option(3, Address("0.0.0.0"))])), ControlCode.ConfigureReject);
        Assert.Equal(vj, reject.Packet[4..]);
    }

    [Theory]
    [InlineData(new byte[] { 192, 0, 2 })]
    [InlineData(new byte[] { 192, 0, 2, 2, 0 })]
    [InlineData(new byte[] { })]
    public void Ip_address_option_of_the_wrong_length_is_rejected_and_counted(byte[] value)
    {
        var (ipcp, _) = RequestSent(new IpcpSettings { PeerAddress = Client });
        var bad = Option(3, value);
        var reject = SingleSent(ipcp.Receive(Packet(ControlCode.ConfigureRequest, 1, bad)), ControlCode.ConfigureReject);
        Assert.Equal(bad, reject.Packet[4..]);
        Assert.Equal(1, ipcp.Counters.RejectedOptions);
    }

    [Fact]
    public void Dns_asked_without_servers_configured_is_rejected_and_with_them_naked()
    {
        var (without, _) = RequestSent(new IpcpSettings { PeerAddress = Client });
        SingleSent(without.Receive(Packet(ControlCode.ConfigureRequest, 1, Option(129, 0, 0, 0, 0))), ControlCode.ConfigureReject);

        var (with, _) = RequestSent(new IpcpSettings { PeerAddress = Client, PrimaryDns = Dns1 });
        var nak = SingleSent(with.Receive(Packet(ControlCode.ConfigureRequest, 1, Option(129, 0, 0, 0, 0))), ControlCode.ConfigureNak);
        // the request names no IP-Address either: the Nak also gives the peer its address (RFC 1332 3.3)
        Assert.Equal([.. Option(129, Dns1.GetAddressBytes()), .. Option(3, Client.GetAddressBytes())], nak.Packet[4..]);
    }

    [Fact]
    public void Dns_rejected_by_the_peer_is_no_longer_asked()
    {
        var (ipcp, request) = RequestSent(new IpcpSettings { RequestDns = true });
        var options = request.Packet[4..];
        var dnsOptions = options[6..];
        var next = SingleSent(ipcp.Receive(Packet(ControlCode.ConfigureReject, request.Identifier, dnsOptions)), ControlCode.ConfigureRequest);
        Assert.Equal(Option(3, Address("0.0.0.0")), next.Packet[4..]);
    }

    [Fact]
    public void A_request_full_of_unknown_options_gets_a_reject_bounded_by_the_peer_mru()
    {
        var (ipcp, _) = RequestSent(new IpcpSettings { PeerAddress = Client });
        ipcp.SetPeerMru(100);
        var options = new List<byte>();
        for (var type = 10; type < 70; type++)
            options.AddRange(Option((byte)type, 1, 2));
        options.AddRange(Option(3, Address("0.0.0.0")));
        var reject = SingleSent(ipcp.Receive(Packet(ControlCode.ConfigureRequest, 1, [.. options])), ControlCode.ConfigureReject);
        Assert.True(reject.Packet.Length <= 100);
        Assert.Equal(0, (reject.Packet.Length - 4) % 4);
        Assert.Equal(1, ipcp.Counters.TruncatedReplies);
        Assert.Equal(60, ipcp.Counters.RejectedOptions);
    }

    [Fact]
    public void Malformed_packets_are_counted_and_ipcp_stays_opened()
    {
        var (asker, _, pump) = OpenedPair();
        Inject(pump, asker, [1, 2]);
        Inject(pump, asker, [1, 2, 0, 2]);
        Inject(pump, asker, [1, 2, 0, 50, 3, 6]);
        Assert.Equal(3, asker.Counters.MalformedPackets);
        Assert.Equal(FsmState.Opened, asker.State);
    }

    [Fact]
    public void Unknown_ipcp_code_is_code_rejected_and_echo_style_codes_are_unknown_to_ipcp()
    {
        var (asker, _, pump) = OpenedPair();
        var reject = SingleSent(Inject(pump, asker, Packet(ControlCode.EchoRequest, 1, 0, 0, 0, 0)), ControlCode.CodeReject);
        Assert.Equal(PppProtocol.Ipcp, reject.Protocol);
        Assert.Equal(FsmState.Opened, asker.State);
    }

    [Fact]
    public void Peer_address_range_acks_an_address_inside_it_and_naks_one_outside()
    {
        var (ipcp, _) = RequestSent(new IpcpSettings { PeerAddress = Client, PeerPrefixLength = 24 });
        SingleSent(ipcp.Receive(Packet(ControlCode.ConfigureRequest, 1, Option(3, Address("192.0.2.77")))), ControlCode.ConfigureAck);
        var nak = SingleSent(ipcp.Receive(Packet(ControlCode.ConfigureRequest, 2, Option(3, Address("198.51.100.7")))), ControlCode.ConfigureNak);
        Assert.Equal(Option(3, Client.GetAddressBytes()), nak.Packet[4..]);
    }

    [Fact]
    public void A_fixed_local_address_ignores_a_nak_outside_its_range_and_takes_one_inside()
    {
        var (fixedAddress, request) = RequestSent(new IpcpSettings { LocalAddress = Gateway });
        var again = SingleSent(fixedAddress.Receive(Packet(ControlCode.ConfigureNak, request.Identifier, Option(3, Address("198.51.100.7")))), ControlCode.ConfigureRequest);
        Assert.Equal(Option(3, Gateway.GetAddressBytes()), again.Packet[4..]);

        var (ranged, first) = RequestSent(new IpcpSettings { LocalAddress = Gateway, LocalPrefixLength = 24 });
        var taken = SingleSent(ranged.Receive(Packet(ControlCode.ConfigureNak, first.Identifier, Option(3, Address("192.0.2.9")))), ControlCode.ConfigureRequest);
        Assert.Equal(Option(3, Address("192.0.2.9")), taken.Packet[4..]);
    }
}
