using System.Net;
using Gateway.Core.Ip;
using Gateway.Core.Isp;

namespace Gateway.Tests.Isp;

/// <summary>User-space IPv4 over an ISP link: what is built, what is delivered, what is answered and what is dropped.</summary>
public class IspIpStackTests
{
    private static readonly uint MyAddr = IspIpStack.ToUInt32(IPAddress.Parse("127.0.3.7"));
    private static readonly uint HisAddr = IspIpStack.ToUInt32(IPAddress.Parse("127.0.2.7"));

    private sealed class Recorder : IIpDelivery
    {
        public List<byte[]> Sent { get; } = [];
        public List<(uint Source, ushort SourcePort, uint Destination, ushort DestinationPort, byte[] Payload)> Udp { get; } = [];
        public List<(uint Source, ushort Sequence, byte[] Data)> EchoReplies { get; } = [];

        public void SendIp(ReadOnlySpan<byte> packet) => Sent.Add(packet.ToArray());

        public void OnUdp(uint source, ushort sourcePort, uint destination, ushort destinationPort, ReadOnlySpan<byte> payload) =>
            Udp.Add((source, sourcePort, destination, destinationPort, payload.ToArray()));

        public void OnEchoReply(uint source, ushort identifier, ushort sequence, ReadOnlySpan<byte> data) =>
            EchoReplies.Add((source, sequence, data.ToArray()));
    }

    [Fact]
    public void A_udp_datagram_built_from_myaddr_is_delivered_by_the_far_end_with_its_ports()
    {
        var client = new IspIpStack(MyAddr);
        var isp = new IspIpStack(HisAddr, acceptAnyDestination: true);
        var packet = client.BuildUdp(40000, IspLoopback, 6671, "datagram"u8).ToArray();
        var far = new Recorder();

        isp.Receive(packet, far);

        var (source, sourcePort, destination, destinationPort, payload) = Assert.Single(far.Udp);
        Assert.Equal(MyAddr, source);
        Assert.Equal((ushort)40000, sourcePort);
        Assert.Equal(IspLoopback, destination);
        Assert.Equal((ushort)6671, destinationPort);
        Assert.Equal("datagram"u8.ToArray(), payload);
    }

    private static readonly uint IspLoopback = IspIpStack.ToUInt32(IPAddress.Loopback);

    [Fact]
    public void An_echo_request_is_answered_and_the_reply_reaches_the_sender_with_its_data()
    {
        var client = new IspIpStack(MyAddr);
        var isp = new IspIpStack(HisAddr, acceptAnyDestination: true);
        var far = new Recorder();
        isp.Receive(client.BuildEchoRequest(HisAddr, 9, 3, "ping"u8).ToArray(), far);

        var reply = Assert.Single(far.Sent);
        var near = new Recorder();
        client.Receive(reply, near);

        var (source, sequence, data) = Assert.Single(near.EchoReplies);
        Assert.Equal(HisAddr, source);
        Assert.Equal((ushort)3, sequence);
        Assert.Equal("ping"u8.ToArray(), data);
        Assert.Equal(1, isp.EchoRequestsAnswered);
    }

    [Fact]
    public void A_client_drops_packets_for_other_addresses_and_counts_them()
    {
        var other = new IspIpStack(IspIpStack.ToUInt32(IPAddress.Parse("127.0.9.9")));
        var client = new IspIpStack(MyAddr);
        var near = new Recorder();

        client.Receive(other.BuildUdp(1, HisAddr, 2, "x"u8).ToArray(), near);

        Assert.Empty(near.Udp);
        Assert.Equal(1, client.NotForUs);
    }

    [Fact]
    public void Other_protocols_and_garbage_are_counted_and_never_throw()
    {
        var client = new IspIpStack(MyAddr);
        var near = new Recorder();
        var tcp = new byte[40];
        Ipv4.WriteHeader(tcp, (IpProtocol)6, HisAddr, MyAddr, 20, 1);

        client.Receive(tcp, near);
        client.Receive([], near);
        client.Receive([0x45, 0, 0], near);
        var random = new Random(3);
        for (var i = 0; i < 1000; i++)
        {
            var junk = new byte[random.Next(0, 80)];
            random.NextBytes(junk);
            client.Receive(junk, near);
        }

        Assert.Equal(1, client.Counters.UnknownProtocol);
        Assert.Empty(near.Udp);
        Assert.Empty(near.Sent);
        Assert.True(client.Counters.Dropped >= 1000);
    }

    [Fact]
    public void A_payload_that_does_not_fit_the_mru_builds_nothing()
    {
        var client = new IspIpStack(MyAddr);
        Assert.True(client.BuildUdp(1, HisAddr, 2, new byte[IspIpStack.MaxPacket]).IsEmpty);
        Assert.False(client.BuildUdp(1, HisAddr, 2, new byte[IspIpStack.MaxPacket - Udp.PayloadOffset]).IsEmpty);
    }
}
