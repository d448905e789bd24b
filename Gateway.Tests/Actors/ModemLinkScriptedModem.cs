using System.Text;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Framing;
using Gateway.Core.Transport;
using Gateway.Emulation.Isp;
using Gateway.Emulation.Modem;

namespace Gateway.Tests.Actors;

/// <summary>
/// A hostile modem written for tests: it answers each AT command line with whatever <see cref="Answer"/> returns,
/// written chunk by chunk (so result codes arrive split across reads), echoes commands when asked, and after a
/// command starting with <c>ATD</c> goes online: bytes are then joined to an <see cref="IspEndpoint"/> (or dropped
/// when there is none) until <c>ATH</c>. <see cref="Inject"/> writes anything towards the computer at any time.
/// </summary>
internal sealed class ScriptedModem : IAsyncDisposable
{
    private readonly InMemoryLine cable = new();
    private readonly Lock writeGate = new();
    private readonly CancellationTokenSource stop = new();
    private readonly IspEndpoint? isp;
    private readonly HdlcDecoder decoder = new();
    private readonly Task run;
    private Stream? ispLine;
    private bool online;

    public ScriptedModem(Func<string, IEnumerable<byte[]>> answer, IspEndpoint? isp = null, bool echo = false)
    {
        Answer = answer;
        this.isp = isp;
        Echo = echo;
        run = Task.Run(RunAsync);
    }

    public Func<string, IEnumerable<byte[]>> Answer { get; }

    public bool Echo { get; }

    /// <summary>While true, nothing the ISP sends reaches the computer (a line that went deaf one way).</summary>
    public bool Mute { get; set; }

    /// <summary>LCP Configure-Requests the computer sent during each call, in call order.</summary>
    public int[] LcpConfigureRequestsByCall
    {
        get
        {
            lock (requestsByCall)
                return [.. requestsByCall];
        }
    }

    private readonly List<int> requestsByCall = [];

    /// <summary>Number of <c>ATD</c> commands seen.</summary>
    public int Dials => Volatile.Read(ref dials);

    private int dials;

    public IModemLineFactory Lines => new DelegateModemLineFactory((device, settings) => new SerialStreamLine(device, new ForwardingStream(cable.RemoteSide, null, disposeInner: false), settings));

    /// <summary>The usual answers: OK to everything, CONNECT to ATD.</summary>
    public static IEnumerable<byte[]> Hayes(string command) =>
        command.StartsWith("ATD", StringComparison.Ordinal) ? ["\r\nCONNECT 115200\r\n"u8.ToArray()] : ["\r\nOK\r\n"u8.ToArray()];

    public void Inject(ReadOnlySpan<byte> bytes)
    {
        lock (writeGate)
            cable.ModemSide.Write(bytes);
    }

    private async Task RunAsync()
    {
        var buffer = new byte[4096];
        var line = new StringBuilder();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var n = await cable.ModemSide.ReadAsync(buffer, stop.Token);
                if (n <= 0)
                    return;
                var bytes = buffer.AsSpan(0, n);
                if (online)
                {
                    Online(bytes, line);
                    continue;
                }
                if (Echo)
                    Inject(bytes);
                foreach (var b in bytes)
                {
                    if (b != '\r')
                    {
                        line.Append((char)b);
                        continue;
                    }
                    var command = line.ToString().Trim().TrimStart('+');
                    line.Clear();
                    if (command.Length == 0)
                        continue;
                    foreach (var chunk in Answer(command))
                        Inject(chunk);
                    if (command.StartsWith("ATD", StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref dials);
                        GoOnline();
                        break;
                    }
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    private void GoOnline()
    {
        online = true;
        decoder.Reset();
        lock (requestsByCall)
            requestsByCall.Add(0);
        if (isp is null)
            return;
        var toIsp = new InMemoryLine();
        ispLine = toIsp.ModemSide;
        isp.Serve(toIsp.RemoteSide);
        var from = toIsp.ModemSide;
        _ = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            try
            {
                int n;
                while ((n = await from.ReadAsync(buffer, stop.Token)) > 0)
                {
                    if (!Mute)
                        Inject(buffer.AsSpan(0, n));
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
            {
            }
        });
    }

    private void Online(ReadOnlySpan<byte> bytes, StringBuilder line)
    {
        ispLine?.Write(bytes);
        var input = bytes;
        while (decoder.TryReadFrame(ref input, out var frame))
        {
            if (frame.Protocol == (ushort)PppProtocol.Lcp && frame.Information.Length > 0 && frame.Information[0] == 1)
            {
                lock (requestsByCall)
                    requestsByCall[^1]++;
            }
        }
        // The hang-up: +++ then ATH<CR> (no PPP frame contains a bare "ATH\r": CR is escaped under the default ACCM).
        foreach (var b in bytes)
            line.Append((char)b);
        var text = line.ToString();
        if (text.Contains("ATH\r", StringComparison.Ordinal))
        {
            line.Clear();
            online = false;
            ispLine?.Dispose();
            ispLine = null;
            Inject("\r\nOK\r\n"u8);
        }
        else if (line.Length > 64)
        {
            line.Remove(0, line.Length - 8);
        }
    }

    public async ValueTask DisposeAsync()
    {
        stop.Cancel();
        ispLine?.Dispose();
        cable.ModemSide.Dispose();
        await run.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
    }
}
