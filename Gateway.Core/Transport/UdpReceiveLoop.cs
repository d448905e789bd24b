using System.Net;
using System.Net.Sockets;

namespace Gateway.Core.Transport;

/// <summary>What a <see cref="UdpReceiveLoop"/> hands on, after it has counted and dropped bad input.</summary>
internal interface IUdpReceiveDispatch
{
    void Dispatch(ReadOnlySpan<byte> datagram, SocketAddress sender);
    void OnPeerUnreachable(SocketException error);
    void OnFatal(SocketException error);
}

/// <summary>
/// The blocking receive loop shared by <see cref="UdpDatagramPath"/> and <see cref="UdpSharedListener"/>:
/// one dedicated thread, one buffer and one <see cref="SocketAddress"/> reused for every datagram, so a
/// datagram costs no allocation. 0-byte and oversize datagrams are counted and dropped here.
/// </summary>
internal sealed class UdpReceiveLoop
{
    private readonly Socket _socket;
    private readonly int _maxDatagramLength;
    private readonly DatagramCounterSet _counters;
    private readonly IUdpReceiveDispatch _dispatch;
    private readonly Thread _thread;
    private IDatagramHandler? _handler;
    private volatile bool _stopping;

    public UdpReceiveLoop(Socket socket, int maxDatagramLength, DatagramCounterSet counters, IUdpReceiveDispatch dispatch, string threadName)
    {
        _socket = socket;
        _maxDatagramLength = maxDatagramLength;
        _counters = counters;
        _dispatch = dispatch;
        _thread = new Thread(Run) { IsBackground = true, Name = threadName };
    }

    public bool IsRunning => _thread.IsAlive;

    /// <summary>The handler captured by <see cref="Start(IDatagramHandler)"/>; null before.</summary>
    public IDatagramHandler? Handler => Volatile.Read(ref _handler);

    public void Start() => _thread.Start();

    /// <summary>Captures the owner's handler, then starts the loop; once only.</summary>
    public void Start(IDatagramHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (Interlocked.CompareExchange(ref _handler, handler, null) is not null)
            throw new InvalidOperationException("the receive loop is already started");
        _thread.Start();
    }

    /// <summary>Marks the loop as stopping; the owner then closes the socket, which wakes the blocked receive.</summary>
    public void RequestStop() => _stopping = true;

    /// <summary>Stops the loop without reporting a failure: marks it stopping, closes the socket (which wakes the receive) and waits for it.</summary>
    public void Close()
    {
        RequestStop();
        UdpSocketFactory.Close(_socket);
        Join();
    }

    /// <summary>Waits for the loop thread to end (not from the loop thread itself, e.g. a handler that disposes).</summary>
    public void Join()
    {
        if (_thread.IsAlive && Thread.CurrentThread != _thread)
            _thread.Join(TimeSpan.FromSeconds(10));
    }

    private void Run()
    {
        // One byte more than the largest accepted datagram, so that a longer one is seen as too long
        // whether or not the platform reports the truncation as an error.
        var buffer = GC.AllocateUninitializedArray<byte>(_maxDatagramLength + 1, pinned: true);
        var from = new SocketAddress(_socket.AddressFamily);
        while (!_stopping)
        {
            int length;
            try
            {
                length = _socket.ReceiveFrom(buffer, SocketFlags.None, from);
            }
            catch (SocketException) when (_stopping)
            {
                return;
            }
            catch (ObjectDisposedException) when (_stopping)
            {
                return;
            }
            catch (SocketException e) when (UdpSocketFactory.IsIcmpReported(e.SocketErrorCode))
            {
                Interlocked.Increment(ref _counters.PeerUnreachable);
                _dispatch.OnPeerUnreachable(e);
                continue;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.MessageSize)
            {
                Interlocked.Increment(ref _counters.OversizeIn);
                continue;
            }
            catch (SocketException e)
            {
                _dispatch.OnFatal(e);
                return;
            }
            catch (ObjectDisposedException)
            {
                _dispatch.OnFatal(new SocketException((int)SocketError.OperationAborted));
                return;
            }

            if (_stopping)
                return;
            if (length == 0)
                Interlocked.Increment(ref _counters.EmptyIn);
            else if (length > _maxDatagramLength)
                Interlocked.Increment(ref _counters.OversizeIn);
            else
                _dispatch.Dispatch(buffer.AsSpan(0, length), from);
        }
    }
}
