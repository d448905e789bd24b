using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Gateway.Core.Config;
using Gateway.Core.Isp;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Auth;
using Gateway.Core.Ppp.Framing;
using Gateway.Core.Transport;
using Gateway.Emulation.Isp;
using Gateway.Emulation.Modem;

namespace Gateway.Tests.Actors;

/// <summary>The seed's ISP profiles and the far ends the modem link actor is tested against.</summary>
internal static class ModemLinkRig
{
    /// <summary>The seed's <c>set dial</c> (ppp.conf.span-isp, one quoting level removed).</summary>
    public const string SeedDial = "ABORT BUSY ABORT NO\\sCARRIER ABORT NO\\sDIAL\\sTONE TIMEOUT 4 \"\" ATZ OK-ATZ-OK ATDT\\T TIMEOUT 60 CONNECT \\c \\n";

    /// <summary><c>set redial 3 5</c>.</summary>
    public static readonly RedialSpec SeedRedial = new(TimeSpan.FromSeconds(3), TimeSpan.Zero, 10, TimeSpan.FromSeconds(3), 5);

    public static readonly IPAddress SlirpHost = IPAddress.Parse("10.0.2.2");

    /// <summary>The seed's <c>isp1</c> label with its <c>default</c> section.</summary>
    public static IspLinkOptions Isp1(params string[] devices) => new("isp1", devices)
    {
        Speed = 115200,
        DialScript = SeedDial,
        Phone = "1234567",
        Redial = SeedRedial,
        AuthName = "isp1name",
        AuthKey = Secret.FromText("isp1key"),
        EnableLqr = true,
        EnableEcho = true,
        QualityPeriod = TimeSpan.FromSeconds(15),
    };

    /// <summary>The seed's <c>isp-in-7</c> label (<c>set ifaddr 127.0.2.7 127.0.3.7</c>) with the seed's ppp.secret.</summary>
    /// <param name="lqrPeriod">Adds <c>enable lqr</c> and <c>set lqrperiod</c>; null leaves ppp's default <c>accept lqr</c> alone.</param>
    public static IspEndpoint IspIn7(IspAuthentication auth, Action<string>? log = null, TimeSpan? lqrPeriod = null) =>
        new(new IspEndpointOptions("isp-in-7", IPAddress.Parse("127.0.2.7"), IPAddress.Parse("127.0.3.7"))
        {
            Authentication = auth,
            Secrets = new InMemorySecretStore().Add("isp1name", Secret.FromText("isp1key")),
            EnableLqr = lqrPeriod is not null,
            LqrPeriod = lqrPeriod ?? TimeSpan.FromSeconds(30),
        }, log);

    public static NumberBehaviour Quick(CallOutcome outcome, TimeSpan? dropAfter = null) =>
        new(outcome) { Delay = TimeSpan.FromMilliseconds(200), DropCarrierAfter = dropAfter };
}

/// <summary>A UDP echo server on 127.0.0.1 that records what it received.</summary>
internal sealed class UdpEchoServer : IDisposable
{
    private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource stop = new();

    public UdpEchoServer()
    {
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _ = Task.Run(LoopAsync);
    }

    public ushort Port => (ushort)((IPEndPoint)socket.LocalEndPoint!).Port;

    public TaskCompletionSource<byte[]> FirstReceived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task LoopAsync()
    {
        var buffer = new byte[2048];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), stop.Token);
                var data = buffer.AsSpan(0, r.ReceivedBytes).ToArray();
                FirstReceived.TrySetResult(data);
                byte[] reply = [.. "echo:"u8, .. data];
                await socket.SendToAsync(reply, SocketFlags.None, r.RemoteEndPoint, stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        socket.Dispose();
    }
}

/// <summary>
/// The Hayes emulator on one end of a socat pseudo-terminal pair, answered by <paramref name="answerer"/>; the
/// link under test opens <see cref="Device"/> through System.IO.Ports.
/// </summary>
internal sealed class EmulatedModemOnPty : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private NullModemCable cable;
    private Task run;

    private EmulatedModemOnPty(string directory, NullModemCable cable, Task run)
    {
        Directory = directory;
        this.cable = cable;
        this.run = run;
    }

    public string Directory { get; }

    public string Device => cable.PortB;

    public int SocatPid => cable.ProcessId;

    public static async Task<EmulatedModemOnPty> StartAsync(ModemDirectory numbers, IModemAnswerer answerer)
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("modem-").FullName;
        var (cable, run) = await StartCableAsync(dir, numbers, answerer, CancellationToken.None);
        return new EmulatedModemOnPty(dir, cable, run);
    }

    private static async Task<(NullModemCable, Task)> StartCableAsync(string dir, ModemDirectory numbers, IModemAnswerer answerer, CancellationToken ct)
    {
        var cable = await NullModemCable.StartAsync(dir);
        var modem = new HayesModem(new ModemOptions(), numbers, new Random(1));
        var host = new HayesModemHost(modem, NullModemCable.OpenPort(cable.PortA), answerer);
        return (cable, Task.Run(() => host.RunAsync(ct)));
    }

    /// <summary>Kills socat (the device vanishes) by its own pid.</summary>
    public void KillCable() => cable.Dispose();

    /// <summary>A new cable and modem at the same paths (the device comes back).</summary>
    public async Task RestartAsync(ModemDirectory numbers, IModemAnswerer answerer)
    {
        (cable, run) = await StartCableAsync(Directory, numbers, answerer, stop.Token);
    }

    public static string? WhyUnavailable() => NullModemCable.FindSocat(out var reason) is null ? reason : null;

    public async ValueTask DisposeAsync()
    {
        stop.Cancel();
        cable.Dispose();
        try
        {
            await run.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or IOException)
        {
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Wraps an answerer so a test learns when the line to the ISP is hung up (the carrier dropped).</summary>
internal sealed class WatchedAnswerer(IModemAnswerer inner) : IModemAnswerer
{
    private TaskCompletionSource<long> hungUp = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with a <see cref="Stopwatch"/> timestamp when the current call's line is disposed.</summary>
    public Task<long> HungUp => hungUp.Task;

    public void Rearm() => hungUp = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask<Stream?> AnswerAsync(string number, int speed, CancellationToken cancellationToken)
    {
        var stream = await inner.AnswerAsync(number, speed, cancellationToken);
        var tcs = hungUp;
        return stream is null ? null : new ForwardingStream(stream, () => tcs.TrySetResult(Stopwatch.GetTimestamp()), disposeInner: true);
    }
}

/// <summary>A stream passed through, with a hook on dispose; <paramref name="disposeInner"/> false leaves the inner
/// stream open (a device node that outlives one open of it).</summary>
internal sealed class ForwardingStream(Stream inner, Action? disposed, bool disposeInner) : Stream
{
    public delegate void BytesSeen(ReadOnlySpan<byte> bytes);

    /// <summary>Sees what each read returned.</summary>
    public BytesSeen? BytesRead { get; init; }

    /// <summary>Sees what each write passes on, before it does.</summary>
    public BytesSeen? BytesWritten { get; init; }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count)
    {
        int n = inner.Read(buffer, offset, count);
        BytesRead?.Invoke(buffer.AsSpan(offset, n));
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await inner.ReadAsync(buffer, cancellationToken);
        BytesRead?.Invoke(buffer.Span[..n]);
        return n;
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        BytesWritten?.Invoke(buffer.AsSpan(offset, count));
        inner.Write(buffer, offset, count);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        BytesWritten?.Invoke(buffer.Span);
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => inner.Flush();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            disposed?.Invoke();
            if (disposeInner)
                inner.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>
/// Wraps an answerer and decodes the PPP frames crossing each answered line, both ways, with decoders of its own: what
/// went over the wire, whatever either end believes it sent. Counts LQRs and LCP Echo-Requests per direction.
/// </summary>
internal sealed class PppWireTap(IModemAnswerer inner) : IModemAnswerer
{
    private readonly Lock gate = new();
    private int lqrsToIsp, lqrsFromIsp, echoRequestsToIsp, echoRequestsFromIsp;

    public int LqrsToIsp { get { lock (gate) return lqrsToIsp; } }

    public int LqrsFromIsp { get { lock (gate) return lqrsFromIsp; } }

    public int EchoRequestsToIsp { get { lock (gate) return echoRequestsToIsp; } }

    public int EchoRequestsFromIsp { get { lock (gate) return echoRequestsFromIsp; } }

    /// <summary>The modem's side of the ISP's line: what the modem writes goes to the ISP, what it reads came from it.</summary>
    public async ValueTask<Stream?> AnswerAsync(string number, int speed, CancellationToken cancellationToken)
    {
        var stream = await inner.AnswerAsync(number, speed, cancellationToken);
        if (stream is null)
            return null;
        // LCP escapes every control character whatever was agreed, so an empty receive ACCM decodes the whole call.
        var toIsp = new HdlcDecoder { ReceiveAccm = 0 };
        var fromIsp = new HdlcDecoder { ReceiveAccm = 0 };
        return new ForwardingStream(stream, null, disposeInner: true)
        {
            BytesRead = bytes => Count(fromIsp, bytes, toIsp: false),
            BytesWritten = bytes => Count(toIsp, bytes, toIsp: true),
        };
    }

    private void Count(HdlcDecoder decoder, ReadOnlySpan<byte> bytes, bool toIsp)
    {
        lock (gate)
        {
            while (decoder.TryReadFrame(ref bytes, out var frame))
            {
                if (frame.Protocol == (ushort)PppProtocol.Lqr)
                {
                    if (toIsp)
                        lqrsToIsp++;
                    else
                        lqrsFromIsp++;
                }
                else if (frame.Protocol == (ushort)PppProtocol.Lcp && frame.Information.Length > 0 && frame.Information[0] == (byte)ControlCode.EchoRequest)
                {
                    if (toIsp)
                        echoRequestsToIsp++;
                    else
                        echoRequestsFromIsp++;
                }
            }
        }
    }
}

/// <summary>A datagram that arrived for a test's UDP port over an ISP link.</summary>
internal sealed record UdpReceived(ushort LocalPort, byte[] Payload);

/// <summary>A test's own UDP flow over an ISP link, as a sublink binds one: what arrives is told to the target.</summary>
internal static class IspUdpFlow
{
    public static Gateway.Core.Isp.IspUdpPorts.IBoundDatagramSender Bind(Gateway.Core.Actors.Messages.IspMessages.IspLinkUp up, ushort localPort,
        IPEndPoint remote, Akka.Actor.IActorRef target) =>
        up.Udp.Bind(localPort, remote, new ToActor(localPort, target)) ?? throw new InvalidOperationException($"port {localPort} is taken");

    private sealed class ToActor(ushort port, Akka.Actor.IActorRef target) : IDatagramHandler
    {
        public void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress sender) => target.Tell(new UdpReceived(port, datagram.ToArray()), Akka.Actor.ActorRefs.NoSender);

        public void OnFailure(DatagramPathFailure failure)
        {
        }
    }
}
