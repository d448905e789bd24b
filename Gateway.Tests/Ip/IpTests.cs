using CsCheck;
using Gateway.Core.Ip;

namespace Gateway.Tests.Ip;

public class IpTests
{
    private static readonly uint A = 0x0A000001; // 10.0.0.1
    private static readonly uint B = 0xC0A80002; // 192.168.0.2

    [Fact]
    public void Rfc1071_example_checksum()
    {
        // RFC 1071 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2, checksum is its complement
        byte[] data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        Assert.Equal(0xddf2u, InternetChecksum.Add(0, data));
        Assert.Equal((ushort)0x220d, InternetChecksum.Compute(data));
        // odd length pads with zero; split sums equal the whole (RFC 1071 2(B))
        Assert.Equal(InternetChecksum.Compute([.. data, 0xAB, 0x00]), InternetChecksum.Compute([.. data, 0xAB]));
        Assert.Equal(InternetChecksum.Add(0, data), InternetChecksum.Add(InternetChecksum.Add(0, data.AsSpan(0, 4)), data.AsSpan(4)));
    }

    [Fact]
    public void Known_ipv4_header_checksum()
    {
        // A widely quoted example header: 4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7
        byte[] header = [0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7];
        Assert.Equal((ushort)0xb861, InternetChecksum.Compute(header));
        var built = new byte[0x73];
        Ipv4.WriteHeader(built, IpProtocol.Udp, 0xC0A80001, 0xC0A800C7, 0x73 - 20, identification: 0, ttl: 64);
        Assert.Equal(0xb8, built[10]);
        Assert.Equal(0x61, built[11]);
    }

    [Fact]
    public void Udp_round_trip_with_checksum()
    {
        var buffer = new byte[200];
        var length = Udp.Write(buffer, A, B, 6671, 6672, "hello"u8, identification: 7);
        Assert.Equal(33, length);
        var counters = new IpCounters();
        Assert.True(Ipv4.TryParse(buffer.AsSpan(0, length), counters, out var ip));
        Assert.Equal(A, ip.Source);
        Assert.Equal(B, ip.Destination);
        Assert.Equal(IpProtocol.Udp, ip.Protocol);
        Assert.Equal(64, ip.TimeToLive);
        Assert.True(ip.DontFragment);
        Assert.True(Udp.TryParse(ip, counters, out var udp));
        Assert.Equal(6671, udp.SourcePort);
        Assert.Equal(6672, udp.DestinationPort);
        Assert.Equal("hello"u8.ToArray(), udp.Payload.ToArray());
        Assert.NotEqual(0, buffer[26] | buffer[27]);
        Assert.Equal(0, counters.Dropped);
    }

    [Fact]
    public void Udp_zero_checksum_is_not_verified_but_a_wrong_one_is_dropped()
    {
        var buffer = new byte[64];
        var length = Udp.Write(buffer, A, B, 1, 2, "x"u8, 1);
        var counters = new IpCounters();
        buffer[26] = 0; buffer[27] = 0;
        Assert.True(Ipv4.TryParse(buffer.AsSpan(0, length), counters, out var ip) && Udp.TryParse(ip, counters, out _));
        buffer[27] = 1;
        Assert.True(Ipv4.TryParse(buffer.AsSpan(0, length), counters, out ip));
        Assert.False(Udp.TryParse(ip, counters, out _));
        Assert.Equal(1, counters.UdpBadChecksum);
    }

    [Fact]
    public void Udp_length_beyond_ip_payload_or_below_8_is_dropped()
    {
        var buffer = new byte[64];
        var length = Udp.Write(buffer, A, B, 1, 2, "abcd"u8, 1);
        var counters = new IpCounters();
        buffer[25] = 200; // UDP length 200 in a 12-byte segment
        Assert.True(Ipv4.TryParse(buffer.AsSpan(0, length), counters, out var ip));
        Assert.False(Udp.TryParse(ip, counters, out _));
        buffer[25] = 7;
        Assert.True(Ipv4.TryParse(buffer.AsSpan(0, length), counters, out ip));
        Assert.False(Udp.TryParse(ip, counters, out _));
        Assert.Equal(2, counters.UdpBadLength);
    }

    [Fact]
    public void Icmp_echo_request_gets_a_matching_reply()
    {
        var request = new byte[100];
        var length = IcmpEcho.Write(request, IcmpType.EchoRequest, A, B, identifier: 0x1234, sequence: 9, "ping-data"u8, ipIdentification: 3);
        var counters = new IpCounters();
        Assert.True(Ipv4.TryParse(request.AsSpan(0, length), counters, out var ip));
        Assert.True(IcmpEcho.TryParse(ip, counters, out var echo));
        Assert.True(echo.IsEcho);
        var reply = new byte[100];
        var replyLength = IcmpEcho.WriteReply(ip, echo, reply, ipIdentification: 4);
        Assert.True(Ipv4.TryParse(reply.AsSpan(0, replyLength), counters, out var rip));
        Assert.Equal(B, rip.Source);
        Assert.Equal(A, rip.Destination);
        Assert.True(IcmpEcho.TryParse(rip, counters, out var pong));
        Assert.Equal(IcmpType.EchoReply, pong.Type);
        Assert.Equal(0x1234, pong.Identifier);
        Assert.Equal(9, pong.Sequence);
        Assert.Equal("ping-data"u8.ToArray(), pong.Data.ToArray());
        Assert.Equal(0, IcmpEcho.WriteReply(rip, pong, reply, 5));
        reply[25] ^= 0xFF;
        Assert.True(Ipv4.TryParse(reply.AsSpan(0, replyLength), counters, out rip));
        Assert.False(IcmpEcho.TryParse(rip, counters, out _));
        Assert.Equal(1, counters.IcmpBadChecksum);
    }

    [Fact]
    public void Corpus_total_length_49441_in_a_348_byte_packet_is_counted_and_dropped()
    {
        // ppp_ip_udp_dns.pcap (tcpdump's suite): the IP header claims 49441 bytes
        byte[] start = Convert.FromHexString("4500c12100010000401145ee45a8b2f8c0a8006f00350400003233ea00000000000000000000ffff000029");
        var packet = new byte[348];
        start.CopyTo(packet, 0);
        var counters = new IpCounters();
        Assert.False(Ipv4.TryParse(packet, counters, out _));
        Assert.Equal(1, counters.BadTotalLength);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("version")]
    [InlineData("ihl-small")]
    [InlineData("ihl-large")]
    [InlineData("checksum")]
    [InlineData("more-fragments")]
    [InlineData("offset")]
    public void Bad_headers_are_counted_by_reason(string kind)
    {
        var p = new byte[48];
        var length = Udp.Write(p, A, B, 1, 2, "0123456789abcdef0123"u8, 1);
        var packet = p.AsSpan(0, length);
        void Refix() { p[10] = 0; p[11] = 0; var c = InternetChecksum.Compute(p.AsSpan(0, 20)); p[10] = (byte)(c >> 8); p[11] = (byte)c; }
        switch (kind)
        {
            case "truncated": packet = packet[..19]; break;
            case "version": packet[0] = 0x65; Refix(); break;
            case "ihl-small": packet[0] = 0x44; break;
            case "ihl-large": packet[0] = 0x4F; break;
            case "checksum": packet[11] ^= 1; break;
            case "more-fragments": packet[6] = 0x20; Refix(); break;
            case "offset": packet[6] = 0; packet[7] = 1; Refix(); break;
        }
        var counters = new IpCounters();
        Assert.False(Ipv4.TryParse(packet, counters, out _));
        var expected = kind switch
        {
            "truncated" => counters.Truncated,
            "version" => counters.BadVersion,
            "ihl-small" or "ihl-large" => counters.BadHeaderLength,
            "checksum" => counters.BadHeaderChecksum,
            _ => counters.Fragments,
        };
        Assert.Equal(1, expected);
        Assert.Equal(1, counters.Dropped);
    }

    [Fact]
    public void Padding_after_total_length_is_ignored_and_options_are_skipped()
    {
        var p = new byte[80];
        var length = Udp.Write(p, A, B, 1, 2, "abc"u8, 1);
        var counters = new IpCounters();
        Assert.True(Ipv4.TryParse(p.AsSpan(0, length + 10), counters, out var ip));
        Assert.Equal(11, ip.Payload.Length);

        // a 24-byte header (one NOP-padded option word)
        var withOptions = new byte[length + 4];
        p.AsSpan(0, 20).CopyTo(withOptions);
        p.AsSpan(20, length - 20).CopyTo(withOptions.AsSpan(24));
        withOptions[0] = 0x46;
        withOptions[3] += 4;
        withOptions[20] = 1; withOptions[21] = 1; withOptions[22] = 1; withOptions[23] = 0;
        withOptions[10] = 0; withOptions[11] = 0;
        var c = InternetChecksum.Compute(withOptions.AsSpan(0, 24));
        withOptions[10] = (byte)(c >> 8); withOptions[11] = (byte)c;
        Assert.True(Ipv4.TryParse(withOptions, counters, out ip));
        Assert.True(Udp.TryParse(ip, counters, out var udp));
        Assert.Equal("abc"u8.ToArray(), udp.Payload.ToArray());
    }

    [Fact]
    public void Builders_allocate_nothing()
    {
        var buffer = new byte[1500];
        var payload = new byte[1000];
        Udp.Write(buffer, A, B, 1, 2, payload, 1);
        var counters = new IpCounters();
        void Run()
        {
            for (var i = 0; i < 1000; i++)
            {
                var n = Udp.WriteHeaders(buffer, A, B, 1, 2, payload.Length, (ushort)i);
                if (Ipv4.TryParse(buffer.AsSpan(0, n), counters, out var ip))
                    Udp.TryParse(ip, counters, out _);
            }
        }
        Run(); // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(2000, counters.UdpAccepted);
    }

    [Fact]
    public void Random_bytes_never_throw_and_every_packet_is_accepted_or_counted()
    {
        Gen.Byte.Array[0, 120].Sample(bytes =>
        {
            var counters = new IpCounters();
            if (Ipv4.TryParse(bytes, counters, out var ip))
            {
                if (ip.Protocol == IpProtocol.Udp) Udp.TryParse(ip, counters, out _);
                else if (ip.Protocol == IpProtocol.Icmp) IcmpEcho.TryParse(ip, counters, out _);
            }
            Assert.Equal(1, counters.Received);
            Assert.Equal(1, counters.Accepted + counters.Truncated + counters.BadVersion + counters.BadHeaderLength +
                counters.BadTotalLength + counters.BadHeaderChecksum + counters.Fragments);
        }, iter: 20000);
    }

    [Fact]
    public void Mutated_valid_packets_never_throw()
    {
        var valid = new byte[60];
        var length = Udp.Write(valid, A, B, 1000, 2000, "0123456789"u8, 1);
        Gen.Int[0, length - 1].SelectMany(i => Gen.Byte, (i, b) => (i, b)).Array[1, 4].Sample(edits =>
        {
            var p = valid.AsSpan(0, length).ToArray();
            foreach (var (i, b) in edits) p[i] = b;
            var counters = new IpCounters();
            if (Ipv4.TryParse(p, counters, out var ip))
                Udp.TryParse(ip, counters, out _);
        }, iter: 5000);
    }

    [Fact]
    public void Sending_ttl_zero_or_an_oversized_payload_is_a_programming_error()
    {
        var buffer = new byte[100];
        Assert.Throws<ArgumentOutOfRangeException>(() => Ipv4.WriteHeader(buffer, IpProtocol.Udp, A, B, 10, 1, ttl: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ipv4.WriteHeader(new byte[70000], IpProtocol.Udp, A, B, 65516, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Udp.Write(buffer, A, B, 1, 2, new byte[100], 1));
        // a received TTL of 0 or 1 is accepted: RFC 1122 3.2.1.7
        var length = Udp.Write(buffer, A, B, 1, 2, "x"u8, 1, ttl: 1);
        Assert.True(Ipv4.TryParse(buffer.AsSpan(0, length), new IpCounters(), out var ip));
        Assert.Equal(1, ip.TimeToLive);
    }

    [Fact]
    public void Addresses_parse_and_format()
    {
        Assert.True(Ipv4.TryParseAddress("127.0.0.1", out var a));
        Assert.Equal(0x7F000001u, a);
        Assert.Equal("192.168.0.2", Ipv4.FormatAddress(B));
        Assert.False(Ipv4.TryParseAddress("1.2.3", out _));
        Assert.False(Ipv4.TryParseAddress("1.2.3.256", out _));
        Assert.False(Ipv4.TryParseAddress("1..3.4", out _));
    }
}
