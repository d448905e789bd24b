using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Gateway.Bench;

/// <summary>
/// One bulk TCP stream, plain or MPTCP (IPPROTO_MPTCP, 262: the kernel bonds it over the subflows its path manager
/// opens), from a sender in one namespace to a receiver in another, both in this process. The receiver counts what
/// arrives; goodput is read from that count over a window.
/// </summary>
public sealed partial class TcpBulk : IDisposable
{
    private const int AfInet = 2, SockStream = 1; // <sys/socket.h>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    public const ProtocolType Mptcp = (ProtocolType)262; // IPPROTO_MPTCP, <linux/in.h>
    private readonly Socket listener;
    private readonly Thread acceptThread;
    private readonly List<Socket> open = [];
    private Socket? sender;
    private Thread? sendThread;
    private long received;
    private volatile bool stopping;

    /// <summary>Listens on <paramref name="listen"/> in <paramref name="receiverNetns"/>.</summary>
    /// <param name="maxSegment">TCP_MAXSEG on both ends (0: the path's own), so that runs over paths of different
    /// MTUs compare the same segment size.</param>
    public TcpBulk(IPEndPoint listen, string? receiverNetns, bool mptcp, int maxSegment = 0)
    {
        Protocol = mptcp ? Mptcp : ProtocolType.Tcp;
        MaxSegment = maxSegment;
        listener = Namespaces.RunIn(receiverNetns, () =>
        {
            var s = Open(Protocol);
            s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            LimitSegment(s);
            s.Bind(listen);
            s.Listen(4);
            return s;
        });
        acceptThread = new Thread(Accept) { IsBackground = true, Name = "bulk receiver" };
        acceptThread.Start();
    }

    public ProtocolType Protocol { get; }

    public int MaxSegment { get; }

    private const int IpProtoTcp = 6, TcpMaxSeg = 2; // <netinet/in.h>, <netinet/tcp.h>; .NET has no name for TCP_MAXSEG

    private void LimitSegment(Socket s)
    {
        if (MaxSegment > 0)
            s.SetRawSocketOption(IpProtoTcp, TcpMaxSeg, BitConverter.GetBytes(MaxSegment));
    }

    public long Received => Interlocked.Read(ref received);

    /// <summary>The error that ended the sender early, if any.</summary>
    public Exception? SendError { get; private set; }

    /// <summary>Connects from <paramref name="senderNetns"/> (bound to <paramref name="localAddress"/> if given) and writes until disposed.</summary>
    public void StartSending(IPEndPoint destination, string? senderNetns, IPAddress? localAddress = null)
    {
        sender = Namespaces.RunIn(senderNetns, () =>
        {
            var s = Open(Protocol);
            LimitSegment(s);
            if (localAddress is not null)
                s.Bind(new IPEndPoint(localAddress, 0));
            s.Connect(destination);
            // Blocking calls return now and then, so that no Dispose has to interrupt one (closing an MPTCP socket
            // under a blocked call hangs in .NET's close, which cannot abort it). Set after the connect: on Linux
            // SO_SNDTIMEO bounds connect() too, and a path with 200 ms of round trip would not connect at all.
            s.SendTimeout = (int)PollInterval.TotalMilliseconds;
            return s;
        });
        sendThread = new Thread(() =>
        {
            var chunk = new byte[64 * 1024];
            Random.Shared.NextBytes(chunk);
            try
            {
                while (!stopping)
                {
                    try
                    {
                        sender.Send(chunk);
                    }
                    catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
                    {
                    }
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (!stopping)
                    SendError = e;
            }
        }) { IsBackground = true, Name = "bulk sender" };
        sendThread.Start();
    }

    /// <summary>
    /// A stream socket of <paramref name="protocol"/>. .NET's Socket constructor refuses protocol numbers it does not
    /// know (EPROTONOSUPPORT for 262), so an MPTCP socket is made with socket(2) and wrapped.
    /// </summary>
    private static Socket Open(ProtocolType protocol)
    {
        if (protocol != Mptcp)
            return new Socket(AddressFamily.InterNetwork, SocketType.Stream, protocol);
        int fd = SocketCall(AfInet, SockStream, (int)Mptcp);
        if (fd < 0)
            throw new SocketException(Marshal.GetLastPInvokeError());
        return new Socket(new SafeSocketHandle(fd, ownsHandle: true));
    }

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int SocketCall(int domain, int type, int protocol);

    private void Accept()
    {
        while (!stopping)
        {
            Socket connection;
            try
            {
                if (!listener.Poll(PollInterval, SelectMode.SelectRead))
                    continue;
                connection = listener.Accept();
                connection.ReceiveTimeout = (int)PollInterval.TotalMilliseconds;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            lock (open)
                open.Add(connection);
            new Thread(() => Drain(connection)) { IsBackground = true, Name = "bulk drain" }.Start();
        }
    }

    private void Drain(Socket connection)
    {
        var buffer = new byte[256 * 1024];
        try
        {
            while (!stopping)
            {
                int n;
                try
                {
                    n = connection.Receive(buffer);
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
                {
                    continue;
                }
                if (n == 0)
                    return;
                Interlocked.Add(ref received, n);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Goodput in bits per second over a window of <paramref name="seconds"/> starting now.</summary>
    public double Measure(double seconds)
    {
        long before = Received;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        return (Received - before) * 8 / watch.Elapsed.TotalSeconds;
    }

    public void Dispose()
    {
        stopping = true;
        sendThread?.Join(2000);
        acceptThread.Join(2000);
        Thread.Sleep(PollInterval);
        sender?.Dispose();
        listener.Dispose();
        lock (open)
        {
            foreach (var s in open)
                s.Dispose();
        }
    }
}
