using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Auth;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Lqr;
using Gateway.Core.Ppp.Session;
using Gateway.Core.Isp;
using Gateway.Emulation.Modem;

namespace Gateway.Emulation.Isp;

/// <summary>How an emulated ISP authenticates its callers.</summary>
public enum IspAuthentication : byte
{
    None,

    /// <summary><c>enable pap</c>.</summary>
    Pap,

    /// <summary><c>enable chap</c> (CHAP-MD5).</summary>
    Chap,
}

/// <summary>
/// The seed's <c>isp-in-N</c> label: <c>set ifaddr MYADDR HISADDR</c>, <c>enable pap</c> or <c>enable chap</c>
/// against ppp.secret, and ppp's default <c>accept lqr</c> (optionally <c>enable lqr</c>).
/// </summary>
/// <param name="Name">The label, for logs (e.g. <c>isp-in-7</c>).</param>
/// <param name="LocalAddress">The ISP's own address (first <c>set ifaddr</c> address).</param>
/// <param name="PeerAddress">The address assigned to the caller (second <c>set ifaddr</c> address).</param>
public sealed record IspEndpointOptions(string Name, IPAddress LocalAddress, IPAddress PeerAddress)
{
    public IspAuthentication Authentication { get; init; } = IspAuthentication.None;

    /// <summary>The secrets callers are checked against.</summary>
    public ISecretStore? Secrets { get; init; }

    /// <summary>At most this many UDP flows are forwarded at once per call (one socket each); older ones are closed.</summary>
    public int MaxFlows { get; init; } = 64;

    /// <summary>
    /// <c>enable lqr</c>: the ISP asks its callers for LQRs too, every <see cref="LqrPeriod"/>. Without it the ISP
    /// still accepts a caller's request (<c>accept lqr</c>) and sends its reports on the period the caller asked.
    /// </summary>
    public bool EnableLqr { get; init; }

    /// <summary><c>set lqrperiod</c>, for <see cref="EnableLqr"/>.</summary>
    public TimeSpan LqrPeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Periods in a row without a caller's report before the ISP closes the call (ppp's limit of 5).</summary>
    public int MaxMissedLqrs { get; init; } = 5;
}

/// <summary>The LQR figures of an ISP's latest call that ran LQR (<see cref="LqrMonitor"/>), copied as they were.</summary>
/// <param name="OutLqrs">Reports the ISP sent.</param>
/// <param name="InLqrs">Valid reports it received.</param>
/// <param name="LastPeriod">The figures of the last period between two received reports.</param>
public sealed record IspLqrFigures(uint OutLqrs, uint InLqrs, LqrPeriodStatistics? LastPeriod);

/// <summary>
/// An emulated ISP: our own PPP session in the answering role behind a Hayes modem emulator (or directly on a line),
/// forwarding the UDP its callers send to the same port on 127.0.0.1 with real sockets (one per inner flow) and the
/// replies back, answering ICMP echo itself. LQR (RFC 1989) runs when a caller asks for it or, with
/// <see cref="IspEndpointOptions.EnableLqr"/>, agrees to it. Several can run in one process (the demo's N ISPs).
/// </summary>
public sealed class IspEndpoint : IModemAnswerer, IDisposable
{
    private readonly IspEndpointOptions options;
    private readonly Action<string>? log;
    private readonly List<IspCall> calls = [];
    private readonly Lock gate = new();

    public IspEndpoint(IspEndpointOptions options, Action<string>? log = null)
    {
        this.options = options;
        this.log = log;
    }

    public IspEndpointOptions Options => options;

    /// <summary>How many callers reached the Network phase with IPCP Opened.</summary>
    public int NetworkUps => Volatile.Read(ref networkUps);

    private int networkUps;

    /// <summary>Total calls answered.</summary>
    public int Calls { get; private set; }

    /// <summary>
    /// While true the ISP's LQR machine stands still: no report goes out (on its timer or in answer) and those that
    /// arrive are dropped unseen, as on a line that loses them. For tests of a caller's LQR failure.
    /// </summary>
    public bool LqrSuspended
    {
        get => Volatile.Read(ref lqrSuspended);
        set => Volatile.Write(ref lqrSuspended, value);
    }

    private bool lqrSuspended;

    /// <summary>The LQR figures of the latest call that ran LQR, as of its latest report sent or received; null before any.</summary>
    public IspLqrFigures? LastLqr => Volatile.Read(ref lastLqr);

    private IspLqrFigures? lastLqr;

    public ValueTask<Stream?> AnswerAsync(string number, int speed, CancellationToken cancellationToken)
    {
        var line = new InMemoryLine();
        Serve(line.RemoteSide);
        return ValueTask.FromResult<Stream?>(line.ModemSide);
    }

    /// <summary>Answers on <paramref name="line"/> (already connected: after CONNECT, or a direct cable) until it ends.</summary>
    public void Serve(Stream line)
    {
        var call = new IspCall(this, line);
        lock (gate)
        {
            calls.RemoveAll(c => c.Ended);
            calls.Add(call);
            Calls++;
        }
        call.Start();
    }

    internal void Log(string line) => log?.Invoke($"{options.Name}: {line}");

    internal void CountNetworkUp() => Interlocked.Increment(ref networkUps);

    internal void Record(LqrMonitor monitor) =>
        Volatile.Write(ref lastLqr, new IspLqrFigures(monitor.OutLqrs, monitor.InLqrs, monitor.LastPeriod));

    internal SessionSettings SessionSettings() => new()
    {
        Name = options.Name,
        Framing = FramingMode.Async,
        Lcp = LcpSettings.Default with
        {
            EnablePap = options.Authentication == IspAuthentication.Pap,
            EnableChap = options.Authentication == IspAuthentication.Chap,
            EnableLqr = options.EnableLqr,
            AcceptLqr = true,
            LqrPeriod = LqrOptions.OptionFromPeriod(options.LqrPeriod),
        },
        Ipcp = IpcpSettings.Default with { LocalAddress = options.LocalAddress, PeerAddress = options.PeerAddress },
        Compression = CompressionControl.RefuseAll,
        AuthName = options.Name,
        Secrets = options.Secrets,
    };

    public void Dispose()
    {
        IspCall[] all;
        lock (gate)
            all = [.. calls];
        foreach (var c in all)
            c.Dispose();
    }

    /// <summary>One answered call: a session (run by a <see cref="SessionDriver"/>), its timers and its UDP flows, all under one lock.</summary>
    private sealed class IspCall : ISessionPort, ISessionOwner, IIpDelivery, IDisposable
    {
        private readonly IspEndpoint owner;
        private readonly Stream line;
        private readonly Lock gate = new();
        private readonly SessionDriver driver;
        private readonly IspIpStack stack;
        private readonly Dictionary<SessionTimer, Timer> timers = [];
        private readonly Dictionary<(uint, ushort, uint, ushort), Socket> flows = [];
        private readonly Queue<(uint, ushort, uint, ushort)> flowOrder = new();
        private readonly CancellationTokenSource stop = new();
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private Timer? keepaliveTimer;

        public IspCall(IspEndpoint owner, Stream line)
        {
            this.owner = owner;
            this.line = line;
            // ppp's default `accept lqr`: LQR runs when the caller asks for it (or we do, with enable lqr); no echo.
            // FreeBSD's datalink_Down on an answering link: LCP Terminate, and the caller hangs up.
            driver = new SessionDriver(owner.SessionSettings(),
                new KeepaliveOptions { Lqr = true, Period = owner.options.LqrPeriod, MaxMisses = owner.options.MaxMissedLqrs },
                KeepaliveFailure.Close, this, this);
            stack = new IspIpStack(IspIpStack.ToUInt32(owner.options.LocalAddress), acceptAnyDestination: true);
        }

        public bool Ended => stop.IsCancellationRequested;

        private PppSession Session => driver.Session;

        public void Start()
        {
            lock (gate)
                Session.Start();
            _ = Task.Run(ReadLoopAsync);
        }

        private async Task ReadLoopAsync()
        {
            var buffer = new byte[4096];
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var n = await line.ReadAsync(buffer, stop.Token).ConfigureAwait(false);
                    if (n <= 0)
                        break;
                    lock (gate)
                    {
                        driver.KeepaliveSuspended = owner.LqrSuspended;
                        Session.ReceiveBytes(buffer.AsSpan(0, n));
                        RecordLqr();
                    }
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
            {
            }
            lock (gate)
            {
                if (!stop.IsCancellationRequested)
                    Session.LowerDown("the caller hung up");
            }
            Dispose();
        }

        TimeSpan ISessionPort.Now => clock.Elapsed;

        void ISessionPort.Send(ReadOnlySpan<byte> frame)
        {
            try
            {
                line.Write(frame);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // the call is gone; the reader ends it
            }
        }

        void ISessionPort.StartTimer(SessionTimer timer, TimeSpan interval)
        {
            if (stop.IsCancellationRequested)
                return;
            if (!timers.TryGetValue(timer, out var t))
                timers[timer] = t = new Timer(_ => Fire(timer));
            t.Change(interval, Timeout.InfiniteTimeSpan);
        }

        void ISessionPort.StopTimer(SessionTimer timer)
        {
            if (timers.TryGetValue(timer, out var t))
                t.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        void ISessionPort.SetKeepaliveTimer(TimeSpan? period)
        {
            keepaliveTimer?.Dispose();
            keepaliveTimer = period is { } p && !stop.IsCancellationRequested ? new Timer(_ => KeepaliveTick(), null, p, p) : null;
        }

        private void Fire(SessionTimer timer)
        {
            lock (gate)
            {
                if (!stop.IsCancellationRequested)
                    driver.TimerExpired(timer);
            }
        }

        private void KeepaliveTick()
        {
            lock (gate)
            {
                if (stop.IsCancellationRequested)
                    return;
                driver.KeepaliveSuspended = owner.LqrSuspended;
                driver.KeepaliveTick();
                RecordLqr();
            }
        }

        private void RecordLqr()
        {
            if (driver.Keepalive?.Lqr is { } lqr && !owner.LqrSuspended)
                owner.Record(lqr.Monitor);
        }

        void ISessionOwner.OnEvent(SessionEvent e)
        {
            switch (e)
            {
                case LinkDown or PhaseChanged or ProtocolStateChanged or KeepaliveStarted or KeepaliveFailed:
                    owner.Log(e.ToString()!);
                    break;
                case NetworkUp up:
                    owner.Log($"IPCP: {up.Addresses}");
                    owner.CountNetworkUp();
                    break;
                case Authenticated a:
                    owner.Log($"{a.Protocol}: {a.Name} authenticated");
                    break;
            }
        }

        void ISessionOwner.OnPacket(PppProtocol protocol, ReadOnlySpan<byte> information)
        {
            if (protocol == PppProtocol.Ip)
                stack.Receive(information, this);
        }

        void IIpDelivery.SendIp(ReadOnlySpan<byte> packet) => Session.SendPacket(PppProtocol.Ip, packet);

        void IIpDelivery.OnEchoReply(uint source, ushort identifier, ushort sequence, ReadOnlySpan<byte> data)
        {
        }

        void IIpDelivery.OnUdp(uint source, ushort sourcePort, uint destination, ushort destinationPort, ReadOnlySpan<byte> payload)
        {
            var key = (source, sourcePort, destination, destinationPort);
            if (!flows.TryGetValue(key, out var socket))
            {
                socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                socket.Connect(new IPEndPoint(IPAddress.Loopback, destinationPort));
                flows[key] = socket;
                flowOrder.Enqueue(key);
                while (flowOrder.Count > owner.options.MaxFlows && flowOrder.TryDequeue(out var oldest))
                {
                    if (flows.Remove(oldest, out var old))
                        old.Dispose();
                }
                _ = Task.Run(() => ForwardRepliesAsync(socket, key));
            }
            try
            {
                socket.Send(payload);
            }
            catch (SocketException)
            {
                // nobody listens on that port (ICMP port unreachable from a previous send): drop, as a router would
            }
        }

        private async Task ForwardRepliesAsync(Socket socket, (uint Source, ushort SourcePort, uint Destination, ushort DestinationPort) flow)
        {
            var buffer = new byte[IspIpStack.MaxPacket];
            while (!stop.IsCancellationRequested)
            {
                int n;
                try
                {
                    n = await socket.ReceiveAsync(buffer, SocketFlags.None, stop.Token).ConfigureAwait(false);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
                {
                    continue;
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
                {
                    return;
                }
                lock (gate)
                {
                    if (stop.IsCancellationRequested)
                        return;
                    var packet = stack.BuildUdp(flow.Destination, flow.DestinationPort, flow.Source, flow.SourcePort, buffer.AsSpan(0, n));
                    if (!packet.IsEmpty)
                        Session.SendPacket(PppProtocol.Ip, packet);
                }
            }
        }

        public void Dispose()
        {
            lock (gate)
            {
                if (stop.IsCancellationRequested)
                    return;
                stop.Cancel();
                foreach (var t in timers.Values)
                    t.Dispose();
                keepaliveTimer?.Dispose();
                keepaliveTimer = null;
                foreach (var s in flows.Values)
                    s.Dispose();
                flows.Clear();
            }
            line.Dispose();
        }
    }
}
