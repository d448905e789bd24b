using System.Net;
using System.Net.Sockets;
using Gateway.Core.Transport;

namespace Gateway.Tests.Transport;

public sealed class UdpDatagramPathTests
{
    private static readonly IPEndPoint AnyLoopback = new(IPAddress.Loopback, 0);

    private static UdpSharedListener StartListener(RecordingDatagramHandler unexpected, int maxPeers = 16)
    {
        var listener = new UdpSharedListener(new UdpListenerOptions { LocalEndPoint = AnyLoopback, MaxPeers = maxPeers });
        listener.Start(unexpected);
        return listener;
    }

    private static UdpDatagramPath StartPath(IPEndPoint remote, RecordingDatagramHandler handler, bool connected = true, int maxDatagramLength = ushort.MaxValue)
    {
        var path = new UdpDatagramPath(new UdpPathOptions
        {
            Remote = remote, LocalBind = AnyLoopback, Connected = connected, MaxDatagramLength = maxDatagramLength,
            ReceiveBufferBytes = 4 << 20,
        });
        path.Start(handler);
        return path;
    }

    /// <summary>An unused loopback port: bound, then released.</summary>
    private static IPEndPoint ClosedLoopbackPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(AnyLoopback);
        return (IPEndPoint)probe.LocalEndPoint!;
    }

    [Fact]
    public void Datagrams_make_a_round_trip_between_a_sublink_path_and_the_shared_listener()
    {
        var unexpected = new RecordingDatagramHandler();
        var atReceiver = new RecordingDatagramHandler();
        var atSublink = new RecordingDatagramHandler();
        using var listener = StartListener(unexpected);
        using var path = StartPath(listener.LocalEndPoint, atSublink);
        using var peer = listener.Register(path.LocalEndPoint, atReceiver);
        Assert.NotNull(peer);

        Assert.True(path.Send([0xFF, 0x03, 0xC0, 0x21, 1, 2, 3]));
        var (data, sender) = atReceiver.NextDatagram();
        Assert.Equal([0xFF, 0x03, 0xC0, 0x21, 1, 2, 3], data);
        Assert.Equal(path.LocalEndPoint, sender);

        Assert.True(peer.Send([9, 8, 7]));
        var reply = atSublink.NextDatagram();
        Assert.Equal([9, 8, 7], reply.Data);
        Assert.Equal(listener.LocalEndPoint, reply.Sender);

        Assert.Equal(1, path.Counters.DatagramsOut);
        Assert.Equal(1, path.Counters.DatagramsIn);
        Assert.Equal(1, peer.Counters.DatagramsIn);
        Assert.Equal(1, peer.Counters.DatagramsOut);
        Assert.Empty(unexpected.Datagrams);
    }

    [Fact]
    public void The_shared_listener_hands_each_senders_datagrams_to_that_senders_handler_only()
    {
        var unexpected = new RecordingDatagramHandler();
        using var listener = StartListener(unexpected);
        var handlers = new[] { new RecordingDatagramHandler(), new RecordingDatagramHandler(), new RecordingDatagramHandler() };
        var paths = handlers.Select(_ => StartPath(listener.LocalEndPoint, new RecordingDatagramHandler())).ToArray();
        var peers = paths.Select((p, i) => listener.Register(p.LocalEndPoint, handlers[i])!).ToArray();
        using var stranger = StartPath(listener.LocalEndPoint, new RecordingDatagramHandler());
        try
        {
            for (int round = 0; round < 20; round++)
                for (int i = 0; i < paths.Length; i++)
                    Assert.True(paths[i].Send([(byte)i, (byte)round]));
            Assert.True(stranger.Send([0xEE]));

            for (int i = 0; i < handlers.Length; i++)
                for (int round = 0; round < 20; round++)
                {
                    var (data, sender) = handlers[i].NextDatagram();
                    Assert.Equal([(byte)i, (byte)round], data);
                    Assert.Equal(paths[i].LocalEndPoint, sender);
                }
            var (strangeData, strangeSender) = unexpected.NextDatagram();
            Assert.Equal([0xEE], strangeData);
            Assert.Equal(stranger.LocalEndPoint, strangeSender);
            Assert.All(handlers, h => Assert.Empty(h.Datagrams));
            Assert.Equal(60, listener.Counters.DatagramsIn);
            Assert.Equal(1, listener.Counters.UnexpectedSenderIn);
            Assert.Equal(3, listener.PeerCount);
        }
        finally
        {
            foreach (var p in paths)
                p.Dispose();
        }
    }

    [Fact]
    public void The_listener_refuses_a_second_registration_and_more_peers_than_its_bound()
    {
        using var listener = StartListener(new RecordingDatagramHandler(), maxPeers: 2);
        var handler = new RecordingDatagramHandler();
        var a = new IPEndPoint(IPAddress.Loopback, 40001);
        Assert.NotNull(listener.Register(a, handler));
        Assert.Null(listener.Register(a, handler));
        var b = listener.Register(new IPEndPoint(IPAddress.Loopback, 40002), handler);
        Assert.NotNull(b);
        Assert.Null(listener.Register(new IPEndPoint(IPAddress.Loopback, 40003), handler));
        b.Dispose();
        Assert.Equal(1, listener.PeerCount);
        Assert.NotNull(listener.Register(new IPEndPoint(IPAddress.Loopback, 40003), handler));
    }

    [Fact]
    public void Datagrams_from_unexpected_senders_reach_the_owner_at_most_at_the_configured_rate()
    {
        var clock = new ManualClock();
        var unexpected = new RecordingDatagramHandler();
        var known = new RecordingDatagramHandler();
        using var listener = new UdpSharedListener(new UdpListenerOptions { LocalEndPoint = AnyLoopback, MaxUnexpectedPerSecond = 5, Clock = clock });
        listener.Start(unexpected);
        using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        stranger.Bind(AnyLoopback);
        using var path = StartPath(listener.LocalEndPoint, new RecordingDatagramHandler());
        listener.Register(path.LocalEndPoint, known);

        for (int i = 0; i < 20; i++)
            stranger.SendTo([(byte)i], listener.LocalEndPoint);
        path.Send([0xAA]); // queued behind the 20 on loopback: once it arrives, they have been handled
        Assert.Equal([0xAA], known.NextDatagram().Data);
        Assert.Equal(20, listener.Counters.UnexpectedSenderIn);
        Assert.Equal(15, listener.Counters.UnexpectedSenderDropped);
        Assert.Equal(5, unexpected.Datagrams.Count);
        for (int i = 0; i < 5; i++)
            Assert.Equal([(byte)i], unexpected.NextDatagram().Data);

        clock.Advance(TimeSpan.FromSeconds(1)); // a new window
        stranger.SendTo([0xBB], listener.LocalEndPoint);
        Assert.Equal([0xBB], unexpected.NextDatagram().Data);
        Assert.Equal(15, listener.Counters.UnexpectedSenderDropped);
    }

    [Fact]
    public void A_thousand_random_datagrams_from_fifty_spoofed_ports_leave_peer_state_bounded_and_the_real_peer_served()
    {
        var clock = new ManualClock();
        var unexpected = new RecordingDatagramHandler();
        var known = new RecordingDatagramHandler();
        using var listener = new UdpSharedListener(new UdpListenerOptions
        {
            LocalEndPoint = AnyLoopback, MaxUnexpectedPerSecond = 100, MaxPeers = 8, Clock = clock, ReceiveBufferBytes = 4 << 20,
        });
        listener.Start(unexpected);
        using var path = StartPath(listener.LocalEndPoint, new RecordingDatagramHandler());
        listener.Register(path.LocalEndPoint, known);
        var strangers = Enumerable.Range(0, 50).Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)).ToArray();
        try
        {
            var random = new Random(1990);
            int empty = 0;
            for (int i = 0; i < 1000; i++)
            {
                var datagram = new byte[random.Next(0, 513)];
                random.NextBytes(datagram);
                empty += datagram.Length == 0 ? 1 : 0;
                strangers[i % strangers.Length].SendTo(datagram, listener.LocalEndPoint);
            }
            path.Send([0x11]);

            Assert.Equal([0x11], known.NextDatagram().Data);
            var counters = listener.Counters;
            Assert.Equal(1000, counters.UnexpectedSenderIn + counters.EmptyIn);
            Assert.Equal(empty, counters.EmptyIn);
            Assert.Equal(100, unexpected.Datagrams.Count);
            Assert.Equal(1000 - empty - 100, counters.UnexpectedSenderDropped);
            Assert.Equal(1, listener.PeerCount);
            Assert.True(path.Send([0x22]));
            Assert.Equal([0x22], known.NextDatagram().Data);
        }
        finally
        {
            foreach (var stranger in strangers)
                stranger.Dispose();
        }
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }

    [Fact]
    public void A_socket_closed_under_the_receive_loop_is_reported_as_a_fatal_failure()
    {
        var handler = new RecordingDatagramHandler();
        using var path = StartPath(ClosedLoopbackPort(), handler);
        path.Socket.Dispose();

        var failure = handler.NextFailure();
        Assert.Equal(DatagramFailureKind.SocketFailed, failure.Kind);
        Assert.True(failure.Fatal);
        Assert.False(path.Send([1, 2, 3]));
    }

    [Fact]
    public void A_shared_socket_closed_under_the_loop_is_reported_to_the_listener_and_every_peer()
    {
        var unexpected = new RecordingDatagramHandler();
        var peerHandler = new RecordingDatagramHandler();
        using var listener = StartListener(unexpected);
        listener.Register(new IPEndPoint(IPAddress.Loopback, 40009), peerHandler);
        listener.Socket.Dispose();

        Assert.True(unexpected.NextFailure().Fatal);
        var peerFailure = peerHandler.NextFailure();
        Assert.True(peerFailure.Fatal);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 40009), peerFailure.Remote);
    }

    [Fact]
    public void Disposing_a_path_stops_its_loop_without_reporting_a_failure()
    {
        var handler = new RecordingDatagramHandler();
        var path = StartPath(ClosedLoopbackPort(), handler);
        path.Dispose();
        Assert.False(path.IsReceiving);
        Assert.Empty(handler.Failures);
    }

    [Fact]
    public void Icmp_port_unreachable_is_reported_once_and_the_loop_keeps_receiving()
    {
        var handler = new RecordingDatagramHandler();
        var deadPort = ClosedLoopbackPort();
        using var path = StartPath(deadPort, handler);

        path.Send([1]);
        path.Send([2]);
        var failure = handler.NextFailure();
        Assert.Equal(DatagramFailureKind.PeerUnreachable, failure.Kind);
        Assert.False(failure.Fatal);
        Assert.Equal(SocketError.ConnectionRefused, failure.Error.SocketErrorCode);

        // The peer comes back on the same port: the loop is still there to hear it.
        using var revived = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        revived.Bind(deadPort);
        revived.SendTo([0x42], path.LocalEndPoint);
        Assert.Equal([0x42], handler.NextDatagram().Data);
        Assert.True(path.IsReceiving);
        Assert.True(path.Counters.PeerUnreachable >= 1);
        Assert.All(handler.Failures, f => Assert.False(f.Fatal));
    }

    [Fact]
    public void Empty_and_oversize_datagrams_are_counted_and_dropped_and_the_largest_udp_payload_passes()
    {
        var handler = new RecordingDatagramHandler();
        var smallHandler = new RecordingDatagramHandler();
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(AnyLoopback);
        var peerEndPoint = (IPEndPoint)peer.LocalEndPoint!;
        using var path = StartPath(peerEndPoint, handler);
        using var small = StartPath(peerEndPoint, smallHandler, maxDatagramLength: 2048);

        var largest = new byte[UdpPathOptions.MaxUdpPayload];
        new Random(7).NextBytes(largest);
        peer.SendTo([], path.LocalEndPoint);
        peer.SendTo(largest, path.LocalEndPoint);
        peer.SendTo(largest, small.LocalEndPoint);
        peer.SendTo(new byte[2049], small.LocalEndPoint);
        peer.SendTo(new byte[2048], small.LocalEndPoint);

        Assert.Equal(largest, handler.NextDatagram().Data);
        Assert.Equal(2048, smallHandler.NextDatagram().Data.Length);
        Assert.Equal(1, path.Counters.EmptyIn);
        Assert.Equal(1, path.Counters.DatagramsIn);
        Assert.Equal(2, small.Counters.OversizeIn);
        Assert.Equal(1, small.Counters.DatagramsIn);
        Assert.Empty(handler.Failures);
        Assert.Empty(smallHandler.Failures);
    }

    [Fact]
    public void An_unconnected_path_counts_and_drops_datagrams_from_unexpected_senders()
    {
        var handler = new RecordingDatagramHandler();
        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        receiver.Bind(AnyLoopback);
        using var stranger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        stranger.Bind(AnyLoopback);
        using var path = StartPath((IPEndPoint)receiver.LocalEndPoint!, handler, connected: false);

        Assert.True(path.Send([5, 5]));
        var buffer = new byte[16];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        receiver.ReceiveTimeout = (int)RecordingDatagramHandler.Patience.TotalMilliseconds;
        Assert.Equal(2, receiver.ReceiveFrom(buffer, ref from));
        Assert.Equal(path.LocalEndPoint, from);

        for (int i = 0; i < 5; i++)
            stranger.SendTo([0xBA, 0xD0], path.LocalEndPoint);
        stranger.Close();
        receiver.SendTo([0x60, 0x0D], path.LocalEndPoint);

        Assert.Equal([0x60, 0x0D], handler.NextDatagram().Data);
        Assert.Equal(5, path.Counters.UnexpectedSenderIn);
        Assert.Equal(1, path.Counters.DatagramsIn);
    }

    [Fact]
    public void Sending_and_receiving_allocate_nothing_per_datagram()
    {
        const int Warmup = 200, Measured = 2000;
        var counting = new AllocationCountingHandler(Warmup, Warmup + Measured);
        var unexpected = new RecordingDatagramHandler();
        using var listener = new UdpSharedListener(new UdpListenerOptions { LocalEndPoint = AnyLoopback, ReceiveBufferBytes = 4 << 20 });
        listener.Start(unexpected);
        using var path = StartPath(listener.LocalEndPoint, new RecordingDatagramHandler());
        using var peer = listener.Register(path.LocalEndPoint, counting)!;

        var payload = new byte[1400];
        for (int i = 0; i < Warmup; i++)
            path.Send(payload);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Measured; i++)
            path.Send(payload);
        long sendAllocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(counting.Done.Wait(RecordingDatagramHandler.Patience), $"only {counting.Count} datagrams arrived");
        Assert.Equal(0, sendAllocated);
        Assert.Equal(0, counting.AllocatedWhileMeasuring);
    }

    /// <summary>Measures, on the receive thread, the bytes allocated between two datagram counts.</summary>
    private sealed class AllocationCountingHandler(int startAt, int stopAt) : IDatagramHandler
    {
        private long _startBytes;
        public int Count;
        public long AllocatedWhileMeasuring = -1;
        public ManualResetEventSlim Done { get; } = new();

        public void OnDatagram(ReadOnlySpan<byte> datagram, System.Net.SocketAddress sender)
        {
            int n = ++Count;
            if (n == startAt)
                _startBytes = GC.GetAllocatedBytesForCurrentThread();
            else if (n == stopAt)
            {
                AllocatedWhileMeasuring = GC.GetAllocatedBytesForCurrentThread() - _startBytes;
                Done.Set();
            }
        }

        public void OnFailure(DatagramPathFailure failure)
        {
        }
    }
}
