using System.Net;
using System.Net.Sockets;
using Gateway.Core.Transport;
using Gateway.Emulation.Links;
using Gateway.Tests.Transport;

namespace Gateway.Tests.Emulation.Links;

/// <summary>The relay on real loopback sockets: waits on events with generous timeouts, never on timing.</summary>
public sealed class UdpLinkRelayTests
{
    private static readonly IPEndPoint AnyLoopback = new(IPAddress.Loopback, 0);

    /// <summary>A server that echoes every datagram back to its sender.</summary>
    private sealed class EchoServer : IDatagramHandler, IDisposable
    {
        private readonly UdpSharedListener _listener;

        public EchoServer()
        {
            _listener = new UdpSharedListener(new UdpListenerOptions { LocalEndPoint = AnyLoopback, MaxUnexpectedPerSecond = int.MaxValue });
            _listener.Start(this);
        }

        public IPEndPoint EndPoint => _listener.LocalEndPoint;

        public void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress sender) =>
            _listener.Socket.SendTo(datagram, SocketFlags.None, sender);

        public void OnFailure(DatagramPathFailure failure)
        {
        }

        public void Dispose() => _listener.Dispose();
    }

    private static bool WaitUntil(Func<bool> condition) =>
        SpinWait.SpinUntil(condition, RecordingDatagramHandler.Patience);

    [Fact]
    public void The_relay_forwards_both_ways_and_its_switches_act_on_real_sockets()
    {
        using var server = new EchoServer();
        using var relay = new UdpLinkRelay(AnyLoopback, server.EndPoint, seed: 3);
        relay.Upstream.Delay = TimeSpan.FromMilliseconds(5);
        relay.Downstream.Jitter = TimeSpan.FromMilliseconds(5);
        var atClient = new RecordingDatagramHandler();
        using var client = new UdpDatagramPath(new UdpPathOptions { Remote = relay.ListenEndPoint });
        client.Start(atClient);

        Assert.True(client.Send([1, 2, 3]));
        var echo = atClient.NextDatagram();
        Assert.Equal([1, 2, 3], echo.Data);
        Assert.Equal(relay.ListenEndPoint, echo.Sender);
        Assert.Equal(1, relay.Upstream.Counters.Forwarded);
        Assert.True(WaitUntil(() => relay.Downstream.Counters.Forwarded == 1));

        // Blackhole: silently dropped, counted; the client hears nothing and sees no error.
        relay.Blackhole = true;
        client.Send([4]);
        Assert.True(WaitUntil(() => relay.Upstream.Counters.DroppedBlackhole == 1));
        relay.Blackhole = false;
        client.Send([5]);
        Assert.Equal([5], atClient.NextDatagram().Data);
        Assert.Empty(atClient.Failures);

        // Hard down: the relay's port is closed, so the connected client is told ICMP port unreachable.
        relay.HardDown = true;
        client.Send([6]);
        client.Send([7]);
        var failure = atClient.NextFailure();
        Assert.Equal(DatagramFailureKind.PeerUnreachable, failure.Kind);

        relay.HardDown = false;
        client.Send([8]);
        Assert.Equal([8], atClient.NextDatagram().Data);
        Assert.Null(relay.LastSocketFailure);
    }
}
