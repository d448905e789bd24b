namespace Gateway.Core.Transport;

/// <summary>
/// The read loop of a serial line, on its own task: each read goes out as a pooled <see cref="Packet"/> (its
/// <see cref="Packet.Tag"/> the reader's generation), and the end of the line, once, with the reason. While the
/// consumer has <see cref="PacketLane.Limit"/> reads unconsumed the loop waits instead of reading on: the line's own
/// buffer then holds the bytes back, as hardware flow control would, and none is lost. It never touches the
/// consumer's state (STYLE.md rule 7).
/// </summary>
public sealed class LineReader : IDisposable
{
    private const int ReadSize = 4096;
    private static readonly TimeSpan Backoff = TimeSpan.FromMilliseconds(1);

    private readonly CancellationTokenSource stop = new();

    private LineReader()
    {
    }

    /// <summary>Reads cut into packets of at most this lane's buffers.</summary>
    public PacketLane Lane { get; } = new(limit: 64, bufferSize: ReadSize);

    /// <summary>Starts reading <paramref name="line"/>; <paramref name="onData"/> takes each read (and must release it), <paramref name="onEnded"/> the reason it ended.</summary>
    public static LineReader Start(IModemLine line, int generation, Action<Packet> onData, Action<int, string> onEnded)
    {
        var reader = new LineReader();
        // A thread of its own: a serial device's reads block it (SerialPortLine), and a blocked pool thread would starve others.
        _ = Task.Factory.StartNew(() => reader.RunAsync(line, generation, onData, onEnded), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        return reader;
    }

    private async Task RunAsync(IModemLine line, int generation, Action<Packet> onData, Action<int, string> onEnded)
    {
        var buffer = new byte[ReadSize];
        string why = "end of stream";
        try
        {
            while (!stop.IsCancellationRequested)
            {
                int n = await line.ReadAsync(buffer, stop.Token).ConfigureAwait(false);
                if (n <= 0)
                    break;
                Packet? packet;
                while ((packet = Lane.TryRent(buffer.AsSpan(0, n))) is null)
                {
                    // On the reader's own thread (a serial device's synchronous reads) a sleep costs nothing; a
                    // Task.Delay would allocate at every pause of a loaded link. A pool thread is not held, though.
                    if (Thread.CurrentThread.IsThreadPoolThread)
                        await Task.Delay(Backoff, stop.Token).ConfigureAwait(false);
                    else
                    {
                        Thread.Sleep(Backoff);
                        stop.Token.ThrowIfCancellationRequested();
                    }
                }
                packet.Tag = generation;
                onData(packet);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or UnauthorizedAccessException)
        {
            why = e.Message;
        }
        if (!stop.IsCancellationRequested)
            onEnded(generation, why);
    }

    /// <summary>Stops the loop; a read under way ends when the line is closed.</summary>
    public void Dispose() => stop.Cancel();
}
