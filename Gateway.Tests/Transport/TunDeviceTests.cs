using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Gateway.Core.Transport;
using Gateway.Tests.Support;

namespace Gateway.Tests.Transport;

/// <summary>
/// The tun device, created in a namespace made for the test (as root): traffic never leaves that namespace.
/// </summary>
public sealed class TunDeviceTests
{
    private static readonly IPAddress Local = IPAddress.Parse("10.200.0.1");
    private static readonly IPAddress Peer = IPAddress.Parse("10.200.0.2");
    private static readonly IPNetwork Routed = IPNetwork.Parse("10.201.0.0/24");

    private static void SkipUnlessTunInNamespaces()
    {
        Skip.If(NetNs.WhyUnavailable is not null, NetNs.WhyUnavailable);
        Skip.If(TunDevice.WhyUnavailable() is not null, TunDevice.WhyUnavailable());
    }

    private static TunDevice OpenIn(NetNs ns, bool nat = false) => TunDevice.Open(new TunOptions
    {
        Name = NetNs.UniqueInterfaceName("t"), Mtu = 1400, LocalAddress = Local, PeerAddress = Peer,
        Routes = [Routed], Nat = nat, NetworkNamespace = ns.Name,
    });

    private static Socket UdpSocketIn(NetNs ns, IPAddress address, int port)
    {
        var socket = ns.RunInside(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        socket.Bind(new IPEndPoint(address, port));
        socket.ReceiveTimeout = (int)RecordingDatagramHandler.Patience.TotalMilliseconds;
        return socket;
    }

    /// <summary>An IPv4/UDP packet (UDP checksum 0: none, RFC 768).</summary>
    private static byte[] Ipv4Udp(IPEndPoint source, IPEndPoint destination, ReadOnlySpan<byte> payload)
    {
        var packet = new byte[20 + 8 + payload.Length];
        packet[0] = 0x45;                                              // version 4, IHL 5
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;                                                // TTL
        packet[9] = 17;                                                // UDP
        source.Address.TryWriteBytes(packet.AsSpan(12), out _);
        destination.Address.TryWriteBytes(packet.AsSpan(16), out _);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), InternetChecksum(packet.AsSpan(0, 20)));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), (ushort)destination.Port);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24), (ushort)(8 + payload.Length));
        payload.CopyTo(packet.AsSpan(28));
        return packet;
    }

    /// <summary>RFC 1071: the one's complement of the one's complement sum of 16-bit words.</summary>
    private static ushort InternetChecksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (data.Length % 2 == 1)
            sum += (uint)data[^1] << 8;
        while (sum > 0xFFFF)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>
    /// An ICMP Destination Unreachable (RFC 792) from <paramref name="from"/> about <paramref name="original"/>,
    /// quoting its IP header and first 8 data bytes.
    /// </summary>
    private static byte[] IcmpUnreachable(IPAddress from, byte code, ReadOnlySpan<byte> original)
    {
        int quoted = Math.Min(original.Length, (original[0] & 0x0F) * 4 + 8);
        var packet = new byte[20 + 8 + quoted];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = 1;                                                 // ICMP
        from.TryWriteBytes(packet.AsSpan(12), out _);
        original.Slice(12, 4).CopyTo(packet.AsSpan(16));               // back to the original's source
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), InternetChecksum(packet.AsSpan(0, 20)));
        packet[20] = 3;                                                // Destination Unreachable
        packet[21] = code;
        original[..quoted].CopyTo(packet.AsSpan(28));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), InternetChecksum(packet.AsSpan(20)));
        return packet;
    }

    /// <summary>Reads from the tun until an IPv4/UDP packet to <paramref name="destination"/> comes out.</summary>
    private static byte[] ReadUdpTo(TunDevice tun, IPEndPoint destination)
    {
        var packet = new byte[65535];
        for (int attempt = 0; attempt < 50; attempt++)
        {
            Assert.True(tun.TryRead(packet, RecordingDatagramHandler.Patience, out int length), "nothing came out of the tun");
            var p = packet.AsSpan(0, length);
            if (length >= 28 && p[0] >> 4 == 4 && p[9] == 17 && p.Slice(16, 4).SequenceEqual(destination.Address.GetAddressBytes())
                && BinaryPrimitives.ReadUInt16BigEndian(p[((p[0] & 0x0F) * 4 + 2)..]) == destination.Port)
                return p.ToArray();
            // else something else the kernel sent (e.g. IPv6 housekeeping)
        }
        Assert.Fail("the datagram never came out of the tun");
        return [];
    }

    [SkippableFact]
    public void Icmp_errors_from_beyond_the_tun_reach_a_connected_path_as_typed_failures_and_its_loop_survives()
    {
        SkipUnlessTunInNamespaces();
        using var ns = NetNs.Create();
        using var tun = OpenIn(ns);
        var far = new IPEndPoint(IPAddress.Parse("10.201.0.7"), 6671);
        var handler = new RecordingDatagramHandler();
        using var path = ns.RunInside(() => new UdpDatagramPath(new UdpPathOptions { Remote = far }));
        path.Start(handler);

        Assert.True(path.Send("probe"u8));
        var probe = ReadUdpTo(tun, far);
        Assert.True(tun.Write(IcmpUnreachable(far.Address, code: 2, probe))); // protocol unreachable
        var failure = handler.NextFailure();
        Assert.Equal(DatagramFailureKind.PeerUnreachable, failure.Kind);
        Assert.Equal(SocketError.ProtocolOption, failure.Error.SocketErrorCode);

        Assert.True(tun.Write(Ipv4Udp(far, path.LocalEndPoint, "still listening"u8)));
        Assert.Equal("still listening"u8.ToArray(), handler.NextDatagram().Data);

        Assert.True(path.Send("again"u8));
        Assert.True(tun.Write(IcmpUnreachable(far.Address, code: 3, ReadUdpTo(tun, far)))); // port unreachable
        Assert.Equal(SocketError.ConnectionRefused, handler.NextFailure().Error.SocketErrorCode);
        Assert.True(path.IsReceiving);
        Assert.All(handler.Failures, f => Assert.False(f.Fatal));
    }

    [SkippableFact]
    public void An_ip_packet_written_to_the_tun_is_delivered_to_a_socket_in_the_namespace()
    {
        SkipUnlessTunInNamespaces();
        using var ns = NetNs.Create();
        using var tun = OpenIn(ns);
        using var socket = UdpSocketIn(ns, Local, 5000);

        Assert.True(tun.Write(Ipv4Udp(new IPEndPoint(Peer, 4000), new IPEndPoint(Local, 5000), "through the tun"u8)));

        var buffer = new byte[100];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int length = socket.ReceiveFrom(buffer, ref from);
        Assert.Equal("through the tun"u8.ToArray(), buffer[..length]);
        Assert.Equal(new IPEndPoint(Peer, 4000), from);
        Assert.Equal(1, tun.Counters.PacketsOut);
    }

    [SkippableFact]
    public void A_datagram_sent_to_an_address_routed_into_the_tun_is_read_from_it()
    {
        SkipUnlessTunInNamespaces();
        using var ns = NetNs.Create();
        using var tun = OpenIn(ns);
        using var socket = UdpSocketIn(ns, Local, 5001);
        var destination = new IPEndPoint(IPAddress.Parse("10.201.0.7"), 9);

        socket.SendTo("out through the tun"u8, destination);

        var p = ReadUdpTo(tun, destination);
        int headerLength = (p[0] & 0x0F) * 4;
        Assert.Equal(Local.GetAddressBytes(), p[12..16]);
        Assert.Equal("out through the tun"u8.ToArray(), p[(headerLength + 8)..]);
        Assert.True(tun.Counters.PacketsIn >= 1);
    }

    [SkippableFact]
    public void Nat_creates_our_own_masquerade_table_and_closing_the_device_removes_it_and_the_interface()
    {
        SkipUnlessTunInNamespaces();
        using var ns = NetNs.Create();
        var tun = OpenIn(ns, nat: true);
        string table;
        try
        {
            table = tun.NatTableName!;
            Assert.Equal(TunDevice.NatTableFor(tun.Name), table);
            string rules = ns.Exec("nft", "list", "table", "ip", table);
            Assert.Contains($"oifname \"{tun.Name}\" masquerade", rules);
            Assert.Contains("hook postrouting", rules);
            Assert.Contains(Routed.ToString(), ns.Ip("route", "show", "dev", tun.Name));
        }
        finally
        {
            tun.Dispose();
        }

        Assert.DoesNotContain(table, ns.Exec("nft", "list", "tables"));
        Assert.NotEqual(0, ns.TryExec("ip", "link", "show", tun.Name).ExitCode);
    }

    [SkippableFact]
    public void Add_keeps_a_route_the_kernel_already_has_where_add_bang_replaces_it()
    {
        SkipUnlessTunInNamespaces();
        using var ns = NetNs.Create();
        using var other = NetNs.Create();
        var (veth, _) = ns.AddVethPair(other, "10.199.0.1/24", "10.199.0.2/24");
        ns.Ip("route", "add", "10.202.0.0/24", "dev", veth);
        ns.Ip("route", "add", "10.203.0.0/24", "dev", veth);
        var kept = IPNetwork.Parse("10.202.0.0/24");
        var fresh = IPNetwork.Parse("10.204.0.0/24");

        using var tun = TunDevice.Open(new TunOptions
        {
            Name = NetNs.UniqueInterfaceName("t"), LocalAddress = Local, PeerAddress = Peer, NetworkNamespace = ns.Name,
            Routes = [IPNetwork.Parse("10.203.0.0/24")],
            RoutesIfAbsent = [kept, fresh],
        });

        Assert.Equal([kept], tun.RoutesKept);
        Assert.Contains($"10.202.0.0/24 dev {veth}", ns.Ip("route", "show"));
        string routes = ns.Ip("route", "show", "dev", tun.Name);
        Assert.Contains("10.203.0.0/24", routes);
        Assert.Contains("10.204.0.0/24", routes);
        Assert.DoesNotContain("10.202.0.0/24", routes);
    }

    [SkippableFact]
    public void Malformed_packets_are_counted_and_refused_and_dispose_wakes_a_blocked_reader_quietly()
    {
        SkipUnlessTunInNamespaces();
        using var ns = NetNs.Create();
        var tun = OpenIn(ns);
        var handler = new RecordingPacketHandler();
        tun.StartReading(handler);
        Assert.True(tun.IsReading);

        Assert.False(tun.Write([]));
        Assert.False(tun.Write([0x00, 0x01, 0x02, 0x03])); // IP version 0
        Assert.Equal(2, tun.Counters.WriteRejected);

        tun.Dispose(); // wakes the reading thread blocked in poll, and joins it
        Assert.False(tun.IsReading);
        Assert.Empty(handler.Failures);
        Assert.False(tun.Write(Ipv4Udp(new IPEndPoint(Peer, 1), new IPEndPoint(Local, 2), [1])));
        Assert.Throws<ObjectDisposedException>(() => tun.Read(new byte[1500]));
    }

    [SkippableFact]
    public void Writing_to_a_tun_whose_interface_was_set_down_is_a_device_failure()
    {
        SkipUnlessTunInNamespaces();
        using var ns = NetNs.Create();
        using var tun = OpenIn(ns);
        var packet = Ipv4Udp(new IPEndPoint(Peer, 1), new IPEndPoint(Local, 2), [1]);
        Assert.True(tun.Write(packet));

        ns.Ip("link", "set", tun.Name, "down");
        var failure = Assert.Throws<TunDeviceException>(() => tun.Write(packet));
        Assert.Equal(5, failure.Errno); // EIO
    }

    [SkippableFact]
    public void Root_with_the_tun_clone_device_is_told_a_tun_device_is_available()
    {
        Skip.If(!NetNs.IsRoot, NetNs.SkipReason);
        Skip.If(!File.Exists("/dev/net/tun"), "this host has no /dev/net/tun");
        Assert.Null(TunDevice.WhyUnavailable());
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("sixteen-chars-xx")]
    [InlineData("has space")]
    [InlineData("..")]
    public void Invalid_interface_names_are_refused_before_anything_is_created(string name) =>
        Assert.Throws<ArgumentException>(() => TunDevice.Open(new TunOptions { Name = name }));

    private sealed class RecordingPacketHandler : IPacketHandler
    {
        public System.Collections.Concurrent.ConcurrentQueue<TunDeviceException> Failures { get; } = new();

        public void OnPacket(ReadOnlySpan<byte> packet)
        {
        }

        public void OnFailure(TunDeviceException error) => Failures.Enqueue(error);
    }
}
