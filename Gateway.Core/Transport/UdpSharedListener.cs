using System.Net;
using System.Net.Sockets;

namespace Gateway.Core.Transport;

/// <summary>How the receiver's shared UDP socket is set up.</summary>
public sealed record UdpListenerOptions
{
    /// <summary>Address and port to listen on (the seed's vpn-in uses port 6671).</summary>
    public required IPEndPoint LocalEndPoint { get; init; }

    /// <summary>Interface to bind with SO_BINDTODEVICE; null for none.</summary>
    public string? BindToDevice { get; init; }

    /// <summary>Most peers registered at once; <see cref="UdpSharedListener.Register"/> refuses more.</summary>
    public int MaxPeers { get; init; } = 1024;

    /// <summary>
    /// Most datagrams from unregistered senders handed to the unknown-sender handler per second; more are
    /// counted and dropped, so a flood of spoofed sources cannot flood the owner.
    /// </summary>
    public int MaxUnexpectedPerSecond { get; init; } = 1000;

    /// <summary>
    /// The same bound, counted apart, for unregistered senders whose address is in <see cref="UdpSharedListener.KnownSources"/>
    /// (a gateway whose sublink authenticated before, on a new port): strangers cannot use up its budget.
    /// </summary>
    public int MaxUnexpectedFromKnownPerSecond { get; init; } = 1000;

    /// <summary>The clock of the unexpected-sender rate bound (a fake one in tests).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Datagrams longer than this are counted and dropped.</summary>
    public int MaxDatagramLength { get; init; } = ushort.MaxValue;

    /// <summary>
    /// SO_RCVBUF in bytes (the kernel caps it at net.core.rmem_max); 0 keeps the system default. The default,
    /// 4 MiB, absorbs the bursts of every gateway's sublinks while the receive loop catches up.
    /// </summary>
    public int ReceiveBufferBytes { get; init; } = 4 << 20;

    /// <summary>SO_SNDBUF in bytes; 0 keeps the system default.</summary>
    public int SendBufferBytes { get; init; }
}

/// <summary>
/// The receiver's one UDP socket: datagrams are demultiplexed by the sender's address and port to the
/// handler registered for that peer; datagrams from anyone else go (rate-bounded) to the listener's own
/// handler, which may register the new peer. Lookups are lock-free and allocation-free.
/// </summary>
public sealed class UdpSharedListener : IDisposable, IUdpReceiveDispatch
{
    private readonly UdpListenerOptions _options;
    private readonly DatagramCounterSet _counters = new();
    private readonly UdpReceiveLoop _loop;
    private readonly Lock _registrationLock = new();
    // Copy-on-write: the receive thread reads a dictionary that is never changed after it is published.
    private volatile Dictionary<SocketAddress, UdpListenerPeer> _peers = new();
    // Touched only by the receive thread.
    private OneSecondWindow _strangers;
    private OneSecondWindow _known;
    private int _disposed;

    /// <summary>Creates and binds the socket. Throws <see cref="SocketException"/> if that fails.</summary>
    public UdpSharedListener(UdpListenerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDatagramLength, 1);
        _options = options;
        Socket = UdpSocketFactory.Create(options.LocalEndPoint.AddressFamily, options.BindToDevice, options.ReceiveBufferBytes, options.SendBufferBytes);
        try
        {
            Socket.Bind(options.LocalEndPoint);
        }
        catch
        {
            Socket.Dispose();
            throw;
        }
        LocalEndPoint = (IPEndPoint)Socket.LocalEndPoint!;
        _loop = new UdpReceiveLoop(Socket, options.MaxDatagramLength, _counters, this, $"udp listen {LocalEndPoint}");
    }

    /// <summary>The bound address and port.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>A snapshot of the socket-wide counters (per-peer counters are on each <see cref="UdpListenerPeer"/>).</summary>
    public DatagramCounters Counters => _counters.Snapshot();

    /// <summary>
    /// Addresses the owner vouches for: their datagrams from unregistered ports are bounded by
    /// <see cref="UdpListenerOptions.MaxUnexpectedFromKnownPerSecond"/> instead of the strangers' bound.
    /// </summary>
    public SourceAddressSet KnownSources { get; } = new();

    /// <summary>Peers registered now.</summary>
    public int PeerCount => _peers.Count;

    /// <summary>True while the receive loop runs.</summary>
    public bool IsReceiving => _loop.IsRunning;

    internal Socket Socket { get; }

    /// <summary>
    /// Starts the receive loop. <paramref name="unexpectedSenderHandler"/> gets datagrams from unregistered
    /// senders (rate-bounded) and socket failures, from the loop's thread.
    /// </summary>
    public void Start(IDatagramHandler unexpectedSenderHandler)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        _loop.Start(unexpectedSenderHandler);
    }

    /// <summary>
    /// Routes datagrams from <paramref name="remote"/> to <paramref name="handler"/> and returns the peer's
    /// sender; null when that peer is already registered or <see cref="UdpListenerOptions.MaxPeers"/> is reached.
    /// The handler also receives a fatal failure of the shared socket.
    /// </summary>
    public UdpListenerPeer? Register(IPEndPoint remote, IDatagramHandler handler)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(handler);
        var key = remote.Serialize();
        lock (_registrationLock)
        {
            var current = _peers;
            if (_disposed != 0 || current.Count >= _options.MaxPeers || current.ContainsKey(key))
                return null;
            var peer = new UdpListenerPeer(this, remote, key, handler);
            _peers = new Dictionary<SocketAddress, UdpListenerPeer>(current) { [key] = peer };
            return peer;
        }
    }

    /// <summary>Register, for a sender just seen in <see cref="IDatagramHandler.OnDatagram"/>.</summary>
    public UdpListenerPeer? Register(SocketAddress sender, IDatagramHandler handler) =>
        Register(UdpSocketFactory.ToEndPoint(sender), handler);

    internal void Unregister(UdpListenerPeer peer)
    {
        lock (_registrationLock)
        {
            var current = _peers;
            if (!current.TryGetValue(peer.Key, out var registered) || registered != peer)
                return;
            var next = new Dictionary<SocketAddress, UdpListenerPeer>(current);
            next.Remove(peer.Key);
            _peers = next;
        }
    }

    internal bool SendTo(ReadOnlySpan<byte> datagram, UdpListenerPeer peer)
    {
        if (_disposed != 0)
            return false;
        var error = UdpSocketFactory.SendOne(Socket, datagram, peer.Key);
        if (error == SocketError.Success)
        {
            _counters.CountOut(datagram.Length);
            peer.CounterSet.CountOut(datagram.Length);
            return true;
        }
        if (UdpSocketFactory.IsBufferFull(error))
        {
            Interlocked.Increment(ref _counters.SendDropped);
            Interlocked.Increment(ref peer.CounterSet.SendDropped);
        }
        else if (_disposed == 0)
        {
            Interlocked.Increment(ref _counters.SendErrors);
            Interlocked.Increment(ref peer.CounterSet.SendErrors);
            peer.Handler.OnFailure(new DatagramPathFailure(DatagramFailureKind.SendFailed, new SocketException((int)error), peer.RemoteEndPoint));
        }
        return false;
    }

    /// <summary>
    /// Sends <paramref name="datagram"/> to <paramref name="to"/>, registered or not (a handshake's response or cookie
    /// reply, from the receive thread). False when it was not sent (counted); never throws for network errors.
    /// </summary>
    public bool Reply(ReadOnlySpan<byte> datagram, SocketAddress to)
    {
        if (_disposed != 0)
            return false;
        var error = UdpSocketFactory.SendOne(Socket, datagram, to);
        if (error == SocketError.Success)
        {
            _counters.CountOut(datagram.Length);
            return true;
        }
        Interlocked.Increment(ref UdpSocketFactory.IsBufferFull(error) ? ref _counters.SendDropped : ref _counters.SendErrors);
        return false;
    }

    void IUdpReceiveDispatch.Dispatch(ReadOnlySpan<byte> datagram, SocketAddress sender)
    {
        if (_peers.TryGetValue(sender, out var peer))
        {
            _counters.CountIn(datagram.Length);
            peer.CounterSet.CountIn(datagram.Length);
            peer.Handler.OnDatagram(datagram, sender);
            return;
        }

        Interlocked.Increment(ref _counters.UnexpectedSenderIn);
        bool admitted = KnownSources.Contains(sender)
            ? _known.Admit(_options.Clock, _options.MaxUnexpectedFromKnownPerSecond)
            : _strangers.Admit(_options.Clock, _options.MaxUnexpectedPerSecond);
        if (!admitted)
        {
            Interlocked.Increment(ref _counters.UnexpectedSenderDropped);
            return;
        }
        _loop.Handler!.OnDatagram(datagram, sender);
    }

    // An unconnected socket is not told of ICMP errors on Linux; Windows reports them, and they name no peer.
    void IUdpReceiveDispatch.OnPeerUnreachable(SocketException error)
    {
    }

    void IUdpReceiveDispatch.OnFatal(SocketException error)
    {
        var failure = new DatagramPathFailure(DatagramFailureKind.SocketFailed, error, null);
        _loop.Handler!.OnFailure(failure);
        foreach (var peer in _peers.Values)
            peer.Handler.OnFailure(failure with { Remote = peer.RemoteEndPoint });
    }

    /// <summary>Stops the receive loop (without reporting a failure), closes the socket and forgets every peer.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _loop.Close();
        lock (_registrationLock)
            _peers = new Dictionary<SocketAddress, UdpListenerPeer>();
    }
}

/// <summary>One peer of a <see cref="UdpSharedListener"/>: its sender through the shared socket, and its counters.</summary>
public sealed class UdpListenerPeer : IDatagramSender, IDisposable
{
    private readonly UdpSharedListener _listener;

    internal UdpListenerPeer(UdpSharedListener listener, IPEndPoint remote, SocketAddress key, IDatagramHandler handler)
    {
        _listener = listener;
        RemoteEndPoint = remote;
        Key = key;
        Handler = handler;
    }

    /// <summary>The peer's address and port.</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>A snapshot of this peer's counters.</summary>
    public DatagramCounters Counters => CounterSet.Snapshot();

    internal SocketAddress Key { get; }
    internal IDatagramHandler Handler { get; }
    internal DatagramCounterSet CounterSet { get; } = new();

    /// <inheritdoc />
    public bool Send(ReadOnlySpan<byte> datagram) => _listener.SendTo(datagram, this);

    /// <summary>Unregisters the peer: its datagrams count as unexpected again.</summary>
    public void Dispose() => _listener.Unregister(this);
}
