using System.Net;
using System.Net.Sockets;

namespace Gateway.Core.Transport;

/// <summary>How a NIC-mode sublink's UDP socket is set up.</summary>
public sealed record UdpPathOptions
{
    /// <summary>The largest UDP payload over IPv4 (65535 - 20 - 8).</summary>
    public const int MaxUdpPayload = 65507;

    /// <summary>The receiver's address and port.</summary>
    public required IPEndPoint Remote { get; init; }

    /// <summary>Local address and port to bind; null lets the kernel choose.</summary>
    public IPEndPoint? LocalBind { get; init; }

    /// <summary>Interface to bind with SO_BINDTODEVICE (Linux, needs CAP_NET_RAW); null for none.</summary>
    public string? BindToDevice { get; init; }

    /// <summary>
    /// Connect the socket to <see cref="Remote"/> (the default): the kernel then drops datagrams from other
    /// senders and reports ICMP port unreachable. Unconnected, the path drops other senders itself (counted).
    /// </summary>
    public bool Connected { get; init; } = true;

    /// <summary>Datagrams longer than this are counted and dropped (the receive buffer is one byte longer).</summary>
    public int MaxDatagramLength { get; init; } = ushort.MaxValue;

    /// <summary>SO_RCVBUF in bytes (the kernel caps it at net.core.rmem_max); 0 keeps the system default.</summary>
    public int ReceiveBufferBytes { get; init; } = 1 << 20;

    /// <summary>SO_SNDBUF in bytes (capped at net.core.wmem_max); 0 keeps the system default.</summary>
    public int SendBufferBytes { get; init; } = 1 << 20;
}

/// <summary>
/// One sublink's UDP socket in NIC mode: sends datagrams to the receiver and runs a receive loop on its own
/// thread that hands every datagram to the <see cref="IDatagramHandler"/> given to <see cref="Start"/>.
/// No allocation per datagram either way. Socket errors reach the handler as <see cref="DatagramPathFailure"/>;
/// nothing a peer sends can throw out of the loop.
/// </summary>
public sealed class UdpDatagramPath : IDatagramSender, IDisposable, IUdpReceiveDispatch
{
    private readonly UdpPathOptions _options;
    private readonly SocketAddress _remote;
    private readonly DatagramCounterSet _counters = new();
    private readonly UdpReceiveLoop _loop;
    private int _unreachableReported; // 1 after PeerUnreachable was reported, until the peer is heard again
    private int _disposed;

    /// <summary>Creates, binds and (by default) connects the socket. Throws <see cref="SocketException"/> if that fails.</summary>
    public UdpDatagramPath(UdpPathOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDatagramLength, 1);
        _options = options;
        _remote = options.Remote.Serialize();
        Socket = UdpSocketFactory.Create(options.Remote.AddressFamily, options.BindToDevice, options.ReceiveBufferBytes, options.SendBufferBytes);
        try
        {
            if (options.LocalBind is not null)
                Socket.Bind(options.LocalBind);
            if (options.Connected)
                Socket.Connect(options.Remote);
            else if (options.LocalBind is null)
                Socket.Bind(new IPEndPoint(options.Remote.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
        }
        catch
        {
            Socket.Dispose();
            throw;
        }
        LocalEndPoint = (IPEndPoint)Socket.LocalEndPoint!;
        _loop = new UdpReceiveLoop(Socket, options.MaxDatagramLength, _counters, this, $"udp {LocalEndPoint}->{options.Remote}");
    }

    /// <summary>The receiver this path sends to.</summary>
    public IPEndPoint Remote => _options.Remote;

    /// <summary>The local address and port the socket is bound to.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>A snapshot of the counters.</summary>
    public DatagramCounters Counters => _counters.Snapshot();

    /// <summary>True while the receive loop runs.</summary>
    public bool IsReceiving => _loop.IsRunning;

    internal Socket Socket { get; }

    /// <summary>Starts the receive loop; <paramref name="handler"/> is captured now and called from the loop's thread.</summary>
    public void Start(IDatagramHandler handler)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        _loop.Start(handler);
    }

    /// <inheritdoc />
    public bool Send(ReadOnlySpan<byte> datagram)
    {
        if (_disposed != 0)
            return false;
        var to = _options.Connected ? null : _remote;
        var error = UdpSocketFactory.SendOne(Socket, datagram, to);
        if (UdpSocketFactory.IsPeerUnreachable(error))
        {
            // Linux hands a pending ICMP error to whichever call comes next, and that call sends nothing:
            // the error belongs to an earlier datagram, so report it and send this one after all.
            Interlocked.Increment(ref _counters.PeerUnreachable);
            ReportUnreachable(new SocketException((int)error));
            error = UdpSocketFactory.SendOne(Socket, datagram, to);
        }
        if (error == SocketError.Success)
        {
            _counters.CountOut(datagram.Length);
            return true;
        }
        if (UdpSocketFactory.IsBufferFull(error))
        {
            Interlocked.Increment(ref _counters.SendDropped);
        }
        else if (UdpSocketFactory.IsPeerUnreachable(error))
        {
            Interlocked.Increment(ref _counters.PeerUnreachable);
            ReportUnreachable(new SocketException((int)error));
        }
        else if (_disposed == 0)
        {
            Interlocked.Increment(ref _counters.SendErrors);
            _loop.Handler?.OnFailure(new DatagramPathFailure(DatagramFailureKind.SendFailed, new SocketException((int)error), Remote));
        }
        return false;
    }

    private void ReportUnreachable(SocketException error)
    {
        if (Interlocked.Exchange(ref _unreachableReported, 1) == 0)
            _loop.Handler?.OnFailure(new DatagramPathFailure(DatagramFailureKind.PeerUnreachable, error, Remote));
    }

    void IUdpReceiveDispatch.Dispatch(ReadOnlySpan<byte> datagram, SocketAddress sender)
    {
        if (!_options.Connected && !sender.Equals(_remote))
        {
            Interlocked.Increment(ref _counters.UnexpectedSenderIn);
            return;
        }
        _unreachableReported = 0;
        _counters.CountIn(datagram.Length);
        _loop.Handler!.OnDatagram(datagram, sender);
    }

    void IUdpReceiveDispatch.OnPeerUnreachable(SocketException error) => ReportUnreachable(error);

    void IUdpReceiveDispatch.OnFatal(SocketException error) =>
        _loop.Handler!.OnFailure(new DatagramPathFailure(DatagramFailureKind.SocketFailed, error, Remote));

    /// <summary>Stops the receive loop (without reporting a failure) and closes the socket.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _loop.Close();
    }
}
