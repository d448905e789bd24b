using System.Buffers.Binary;
using System.Net;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Ipv6cp;
using Gateway.Tests.Ppp.Fsm;
using static Gateway.Tests.Ppp.Lcp.LcpTestKit;

namespace Gateway.Tests.Ppp.Ipv6cp;

/// <summary>IPV6CP (RFC 5072): interface identifiers for both ends' link-local addresses.</summary>
public class Ipv6cpTests
{
    private static Func<ulong> Sequence(params ulong[] values)
    {
        int next = 0;
        return () => values[Math.Min(next++, values.Length - 1)];
    }

    private static byte[] Identifier(ulong id)
    {
        var value = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(value, id);
        return Option(1, value);
    }

    private static (Ipv6ControlProtocol Ipv6cp, SendControlPacket Request) RequestSent(Ipv6cpSettings settings)
    {
        var ipv6cp = new Ipv6ControlProtocol(settings);
        return (ipv6cp, FirstRequest(ipv6cp));
    }

    [Fact]
    public void Two_ends_open_with_each_others_identifiers_and_link_local_addresses()
    {
        var a = new Ipv6ControlProtocol(new Ipv6cpSettings { RandomIdentifier = Sequence(0x0211_22FF_FE33_4455) });
        var b = new Ipv6ControlProtocol(new Ipv6cpSettings { RandomIdentifier = Sequence(0x0A0B_0C0D_0E0F_1011) });
        var pump = new ControlPump(a, b);
        pump.Start();
        pump.Run();

        Assert.Equal(FsmState.Opened, a.State);
        Assert.Equal(FsmState.Opened, b.State);
        Assert.Equal(new Ipv6cpNegotiated(0x0211_22FF_FE33_4455, 0x0A0B_0C0D_0E0F_1011), a.Negotiated);
        Assert.Equal(new Ipv6cpNegotiated(0x0A0B_0C0D_0E0F_1011, 0x0211_22FF_FE33_4455), b.Negotiated);
        Assert.Equal(IPAddress.Parse("fe80::211:22ff:fe33:4455"), a.Negotiated!.LocalLinkLocal);
        Assert.Equal(IPAddress.Parse("fe80::a0b:c0d:e0f:1011"), a.Negotiated.PeerLinkLocal);
    }

    [Fact]
    public void Two_ends_that_drew_the_same_identifier_end_with_different_ones_rfc5072_4_1()
    {
        var a = new Ipv6ControlProtocol(new Ipv6cpSettings { RandomIdentifier = Sequence(7, 8) });
        var b = new Ipv6ControlProtocol(new Ipv6cpSettings { RandomIdentifier = Sequence(7, 9) });
        var pump = new ControlPump(a, b);
        pump.Start();
        pump.Run();

        Assert.Equal(FsmState.Opened, a.State);
        Assert.Equal(FsmState.Opened, b.State);
        Assert.NotEqual(a.Negotiated!.LocalInterfaceIdentifier, a.Negotiated.PeerInterfaceIdentifier);
        Assert.Equal(a.Negotiated.LocalInterfaceIdentifier, b.Negotiated!.PeerInterfaceIdentifier);
        Assert.Equal(b.Negotiated.LocalInterfaceIdentifier, a.Negotiated.PeerInterfaceIdentifier);
    }

    [Theory]
    [InlineData(0ul)]
    [InlineData(0x1234ul)]
    public void A_peer_identifier_of_zero_or_equal_to_ours_is_naked_with_another(ulong asked)
    {
        var (ipv6cp, _) = RequestSent(new Ipv6cpSettings { InterfaceIdentifier = 0x1234, RandomIdentifier = Sequence(0x1234, 0x5678) });

        var nak = SingleSent(ipv6cp.Receive(Packet(ControlCode.ConfigureRequest, 1, Identifier(asked))), ControlCode.ConfigureNak);

        Assert.Equal(Identifier(0x5678), nak.Packet[4..]);
    }

    [Fact]
    public void Our_identifier_naked_by_the_peer_is_replaced_by_its_suggestion()
    {
        var (ipv6cp, request) = RequestSent(new Ipv6cpSettings { RandomIdentifier = Sequence(0x1111) });
        Assert.Equal(Identifier(0x1111), request.Packet[4..]);

        var next = SingleSent(ipv6cp.Receive(Packet(ControlCode.ConfigureNak, request.Identifier, Identifier(0x2222))), ControlCode.ConfigureRequest);

        Assert.Equal(Identifier(0x2222), next.Packet[4..]);
    }

    [Fact]
    public void A_request_without_an_identifier_is_naked_once_with_one_then_acked_with_the_peers_left_unknown()
    {
        var (ipv6cp, request) = RequestSent(new Ipv6cpSettings { RandomIdentifier = Sequence(0x1111, 0x3333) });
        ipv6cp.Receive(Packet(ControlCode.ConfigureAck, request.Identifier, request.Packet[4..]));

        var nak = SingleSent(ipv6cp.Receive(Packet(ControlCode.ConfigureRequest, 1, [])), ControlCode.ConfigureNak);
        Assert.Equal(Identifier(0x3333), nak.Packet[4..]);
        SingleSent(ipv6cp.Receive(Packet(ControlCode.ConfigureRequest, 2, [])), ControlCode.ConfigureAck);

        Assert.Equal(FsmState.Opened, ipv6cp.State);
        Assert.Null(ipv6cp.Negotiated!.PeerLinkLocal);
    }

    [Fact]
    public void Ipv6_compression_and_malformed_identifiers_are_rejected()
    {
        var (ipv6cp, _) = RequestSent(new Ipv6cpSettings());
        SingleSent(ipv6cp.Receive(Packet(ControlCode.ConfigureRequest, 1, Option(2, 0x00, 0x4F))), ControlCode.ConfigureReject);
        SingleSent(ipv6cp.Receive(Packet(ControlCode.ConfigureRequest, 2, Option(1, 1, 2, 3, 4))), ControlCode.ConfigureReject);
    }
}
