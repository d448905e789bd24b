using System.Net;
using System.Net.Sockets;
using Gateway.Core.Transport;

namespace Gateway.Emulation.Links;

/// <summary>
/// A UDP relay that emulates one link: datagrams from the client to <see cref="ListenEndPoint"/> go on to
/// the server (<see cref="Upstream"/>), the server's replies go back to the client that spoke last
/// (<see cref="Downstream"/>), each direction impaired by its own <see cref="LinkDirection"/>.
/// Three threads: one receive loop per socket and one <see cref="LinkScheduler"/> that sends each datagram at its
/// departure time (within about a millisecond).
/// <para>
/// <b>Hard down</b> (<see cref="HardDown"/>) means what a dead link means to a UDP sender: the relay drops
/// what it holds and closes both of its sockets, so the kernel answers anything sent to them with ICMP port
/// unreachable (a connected sender sees ECONNREFUSED at once, an unconnected one sees nothing). Bringing it
/// back up binds both sockets again on the same ports. <b>Blackhole</b> is the silent failure: sockets stay
/// open and every datagram is dropped.
/// </para>
/// </summary>
public sealed class UdpLinkRelay : IDisposable
{
    private const int MaxDatagram = ushort.MaxValue;

    private readonly IPEndPoint _server;
    private readonly Lock _socketLock = new();
    private readonly LinkScheduler _scheduler;
    private readonly DatagramCounterSet _clientCounters = new(), _serverCounters = new();
    private Sockets _sockets;
    private volatile SocketAddress? _client;
    private volatile bool _hardDown, _disposed;

    /// <param name="listen">Where the client sends (e.g. 127.0.0.1:0 for any free port).</param>
    /// <param name="server">Where datagrams are forwarded.</param>
    /// <param name="seed">Seed of both directions' loss and jitter draws.</param>
    public UdpLinkRelay(IPEndPoint listen, IPEndPoint server, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(listen);
        _server = server ?? throw new ArgumentNullException(nameof(server));
        Upstream = new LinkDirection(seed);
        Downstream = new LinkDirection(unchecked(seed * 31 + 17));
        _scheduler = new LinkScheduler($"link relay {listen}->{server}", MaxDatagram,
            (Upstream, d => SendQuietly(toClient: false, d)), (Downstream, d => SendQuietly(toClient: true, d)));
        try
        {
            _sockets = OpenSockets(listen, new IPEndPoint(listen.Address, 0));
        }
        catch
        {
            _scheduler.Dispose();
            throw;
        }
        ListenEndPoint = (IPEndPoint)_sockets.Client.LocalEndPoint!;
        UpstreamLocalEndPoint = (IPEndPoint)_sockets.Server.LocalEndPoint!;
    }

    /// <summary>Where the client sends.</summary>
    public IPEndPoint ListenEndPoint { get; }

    /// <summary>The relay's own address as the server sees it.</summary>
    public IPEndPoint UpstreamLocalEndPoint { get; }

    /// <summary>Client to server.</summary>
    public LinkDirection Upstream { get; }

    /// <summary>Server to client.</summary>
    public LinkDirection Downstream { get; }

    /// <summary>Socket counters on the client side (received from / sent to the client; 0-byte datagrams included as EmptyIn).</summary>
    public DatagramCounters ClientSocketCounters => _clientCounters.Snapshot();

    /// <summary>Socket counters on the server side.</summary>
    public DatagramCounters ServerSocketCounters => _serverCounters.Snapshot();

    /// <summary>A socket failure that ended a receive loop without HardDown or Dispose (a relay bug or a closed descriptor); null normally.</summary>
    public SocketException? LastSocketFailure { get; private set; }

    /// <summary>Blackhole both directions (silent loss of everything; sockets stay open).</summary>
    public bool Blackhole
    {
        get => Upstream.Blackhole && Downstream.Blackhole;
        set
        {
            Upstream.Blackhole = value;
            Downstream.Blackhole = value;
        }
    }

    /// <summary>Hard down both directions: drop everything and close both sockets; false re-opens them on the same ports.</summary>
    public bool HardDown
    {
        get => _hardDown;
        set
        {
            lock (_socketLock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (value == _hardDown)
                    return;
                _hardDown = value;
                Upstream.Down = value;
                Downstream.Down = value;
                if (value)
                    _sockets.Close();
                else
                    _sockets = OpenSockets(ListenEndPoint, UpstreamLocalEndPoint);
            }
        }
    }

    private Sockets OpenSockets(IPEndPoint listen, IPEndPoint upstreamLocal)
    {
        var client = UdpSocketFactory.Create(listen.AddressFamily, null, 4 << 20, 4 << 20);
        var server = UdpSocketFactory.Create(_server.AddressFamily, null, 4 << 20, 4 << 20);
        try
        {
            client.Bind(listen);
            server.Bind(upstreamLocal);
            server.Connect(_server);
        }
        catch
        {
            client.Dispose();
            server.Dispose();
            throw;
        }
        var sockets = new Sockets(client, server);
        sockets.ClientLoop = new UdpReceiveLoop(client, MaxDatagram, _clientCounters, new Ingress(this, Upstream, _clientCounters, fromClient: true), "link relay client side");
        sockets.ServerLoop = new UdpReceiveLoop(server, MaxDatagram, _serverCounters, new Ingress(this, Downstream, _serverCounters, fromClient: false), "link relay server side");
        sockets.ClientLoop.Start();
        sockets.ServerLoop.Start();
        return sockets;
    }

    private void OnIngress(LinkDirection direction, ReadOnlySpan<byte> datagram) => _scheduler.Offer(direction, datagram);

    // A failed send on an emulated link is one more lost datagram (counted); the endpoints' own sockets report their errors.
    private void SendQuietly(bool toClient, ReadOnlySpan<byte> datagram)
    {
        var sockets = _sockets;
        var counters = toClient ? _clientCounters : _serverCounters;
        if (toClient && _client is null)
            return;
        var error = toClient
            ? UdpSocketFactory.SendOne(sockets.Client, datagram, _client)
            : UdpSocketFactory.SendOne(sockets.Server, datagram, null);
        if (error == SocketError.Success)
            counters.CountOut(datagram.Length);
        else
            Interlocked.Increment(ref counters.SendErrors);
    }

    /// <summary>Stops every thread and closes the sockets.</summary>
    public void Dispose()
    {
        lock (_socketLock)
        {
            if (_disposed)
                return;
            _disposed = true;
            _sockets.Close();
        }
        _scheduler.Dispose();
        Upstream.Down = true;
        Downstream.Down = true;
    }

    private sealed class Sockets(Socket client, Socket server)
    {
        public Socket Client { get; } = client;
        public Socket Server { get; } = server;
        public UdpReceiveLoop? ClientLoop { get; set; }
        public UdpReceiveLoop? ServerLoop { get; set; }

        public void Close()
        {
            ClientLoop!.Close();
            ServerLoop!.Close();
        }
    }

    private sealed class Ingress(UdpLinkRelay relay, LinkDirection direction, DatagramCounterSet counters, bool fromClient) : IUdpReceiveDispatch
    {
        public void Dispatch(ReadOnlySpan<byte> datagram, SocketAddress sender)
        {
            if (fromClient && !sender.Equals(relay._client))
                relay._client = UdpSocketFactory.CopyOf(sender); // a new client: replies go to it from now on
            counters.CountIn(datagram.Length);
            relay.OnIngress(direction, datagram);
        }

        // The server's port is closed: on a real link that is the far end's business, not the link's.
        public void OnPeerUnreachable(SocketException error)
        {
        }

        // Only when a socket fails under the relay without HardDown or Dispose; that side stops receiving.
        public void OnFatal(SocketException error) => relay.LastSocketFailure = error;
    }
}
