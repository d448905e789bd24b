using System.Threading.Channels;

namespace Gateway.Emulation.Modem;

/// <summary>
/// Runs a <see cref="HayesModem"/> over a real byte stream (the computer side: a pseudo-terminal opened
/// with <see cref="NullModemCable.OpenPort"/>, or any <see cref="Stream"/>) with a real clock, joining
/// answered calls to an <see cref="IModemAnswerer"/>. All core calls happen on the single
/// <see cref="RunAsync"/> loop; readers only post what they read. Reads from the computer side stop
/// while the modem's line queue is full, so a fast writer is held back by the pseudo-terminal's own
/// buffer (the effect of hardware flow control) instead of losing data.
/// </summary>
public sealed class HayesModemHost
{
    private const int ReadSize = 4096;

    private readonly HayesModem modem;
    private readonly Stream dte;
    private readonly IModemAnswerer answerer;
    private readonly TimeProvider time;
    private readonly long startTimestamp;
    private readonly Channel<Input> inputs = Channel.CreateUnbounded<Input>();
    private readonly SemaphoreSlim dteReadPermit = new(1);
    private bool dteReadPaused;

    private Stream? remote;
    private int callGeneration;
    private TimeSpan? deadline;

    public HayesModemHost(HayesModem modem, Stream dte, IModemAnswerer answerer, TimeProvider? time = null)
    {
        this.modem = modem;
        this.dte = dte;
        this.answerer = answerer;
        this.time = time ?? TimeProvider.System;
        startTimestamp = this.time.GetTimestamp();
    }

    /// <summary>The core, for inspection (read it only from the loop's side or after it ends).</summary>
    public HayesModem Modem => modem;

    /// <summary>The shortest sleep between pacing steps.</summary>
    public static readonly TimeSpan PacingQuantum = TimeSpan.FromMilliseconds(2);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>The computer side drops DTR (a line with modem control hanging up): see <see cref="HayesModem.DtrDropped"/>.</summary>
    public void DropDtr() => inputs.Writer.TryWrite(new Input(InputKind.DtrDropped, [], 0));

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled or the computer side ends.
    /// Device errors (<see cref="IOException"/>) on the computer side end the loop quietly as an end of stream.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reader = ReadDteAsync(stop.Token);
        try
        {
            Task<bool>? waitForInput = null;
            while (!stop.IsCancellationRequested)
            {
                if (waitForInput is null || waitForInput.IsCompleted)
                    waitForInput = inputs.Reader.WaitToReadAsync(stop.Token).AsTask();
                if (deadline is { } d)
                {
                    // At line speed a byte is due every few microseconds; waking for each would spin a core.
                    // Sleep at least a timer quantum and release every byte due by then in one go: the pace over
                    // any interval longer than the quantum stays exact.
                    var delay = d - Now;
                    if (delay > TimeSpan.Zero)
                        await Task.WhenAny(waitForInput, Task.Delay(Max(delay, PacingQuantum), time, stop.Token)).ConfigureAwait(false);
                }
                else
                {
                    await waitForInput.ConfigureAwait(false);
                }

                while (inputs.Reader.TryRead(out var input))
                {
                    if (input.Kind == InputKind.DteClosed)
                        return;
                    await ApplyAsync(input, stop.Token).ConfigureAwait(false);
                }
                await ExecuteAsync(modem.Tick(Now), stop.Token).ConfigureAwait(false);
                ResumeDteReads();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            DropRemote();
            dteReadPermit.Release();
            try
            {
                await reader.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private TimeSpan Now => time.GetElapsedTime(startTimestamp);

    private async Task ApplyAsync(Input input, CancellationToken ct)
    {
        switch (input.Kind)
        {
            case InputKind.FromDte:
                await ExecuteAsync(modem.FromDte(input.Bytes, Now), ct).ConfigureAwait(false);
                if (modem.DteInputRoom >= ReadSize)
                    dteReadPermit.Release();
                else
                    dteReadPaused = true;
                break;
            case InputKind.FromRemote when input.Generation == callGeneration:
                await ExecuteAsync(modem.FromLine(input.Bytes, Now), ct).ConfigureAwait(false);
                break;
            case InputKind.DtrDropped:
                await ExecuteAsync(modem.DtrDropped(Now), ct).ConfigureAwait(false);
                break;
            case InputKind.RemoteClosed when input.Generation == callGeneration:
                DropRemote();
                await ExecuteAsync(modem.RemoteHungUp(Now), ct).ConfigureAwait(false);
                break;
        }
    }

    private void ResumeDteReads()
    {
        if (dteReadPaused && modem.DteInputRoom >= ReadSize)
        {
            dteReadPaused = false;
            dteReadPermit.Release();
        }
    }

    private async Task ExecuteAsync(ModemStep step, CancellationToken ct)
    {
        deadline = step.NextDeadline;
        if (!step.ToDte.IsEmpty)
        {
            await dte.WriteAsync(step.ToDte, ct).ConfigureAwait(false);
            await dte.FlushAsync(ct).ConfigureAwait(false);
        }
        if (!step.ToLine.IsEmpty && remote is { } r)
        {
            try
            {
                await r.WriteAsync(step.ToLine, ct).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // the remote went away; its reader reports the hang-up
            }
        }
        foreach (var e in step.Events)
        {
            switch (e.Kind)
            {
                case ModemEventKind.Connected:
                    var stream = await answerer.AnswerAsync(e.Number ?? "", e.Speed, ct).ConfigureAwait(false);
                    if (stream is null)
                    {
                        await ExecuteAsync(modem.RemoteHungUp(Now), ct).ConfigureAwait(false);
                        break;
                    }
                    remote = stream;
                    _ = ReadRemoteAsync(stream, ++callGeneration, ct);
                    break;
                case ModemEventKind.CarrierLost:
                case ModemEventKind.HungUp:
                    DropRemote();
                    break;
            }
        }
    }

    private void DropRemote()
    {
        callGeneration++;
        remote?.Dispose();
        remote = null;
    }

    private async Task ReadDteAsync(CancellationToken ct)
    {
        var buffer = new byte[ReadSize];
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await dteReadPermit.WaitAsync(ct).ConfigureAwait(false);
                var n = await dte.ReadAsync(buffer, ct).ConfigureAwait(false);
                if (n <= 0)
                    break;
                inputs.Writer.TryWrite(new Input(InputKind.FromDte, buffer.AsSpan(0, n).ToArray(), 0));
            }
        }
        catch (IOException)
        {
            // the pseudo-terminal's other side closed (EIO): end of stream
        }
        catch (ObjectDisposedException)
        {
        }
        inputs.Writer.TryWrite(new Input(InputKind.DteClosed, [], 0));
    }

    private async Task ReadRemoteAsync(Stream stream, int generation, CancellationToken ct)
    {
        var buffer = new byte[ReadSize];
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var n = await stream.ReadAsync(buffer, ct).ConfigureAwait(false);
                if (n <= 0)
                    break;
                inputs.Writer.TryWrite(new Input(InputKind.FromRemote, buffer.AsSpan(0, n).ToArray(), generation));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
        }
        inputs.Writer.TryWrite(new Input(InputKind.RemoteClosed, [], generation));
    }

    private enum InputKind : byte
    {
        FromDte,
        DteClosed,
        FromRemote,
        RemoteClosed,
        DtrDropped,
    }

    private readonly record struct Input(InputKind Kind, byte[] Bytes, int Generation);
}
