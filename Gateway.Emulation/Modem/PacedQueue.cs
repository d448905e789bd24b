namespace Gateway.Emulation.Modem;

/// <summary>
/// A bounded byte queue released at a serial line's rate: 10 bits per byte on the wire (8N1: start,
/// 8 data, stop), so 115200 baud carries 11,520 bytes per second. A byte is released when its last
/// bit has been sent. Bytes beyond the bound are dropped and counted (a real modem overruns too).
/// </summary>
public sealed class PacedQueue
{
    /// <summary>Bits on the wire per byte with 8N1 framing.</summary>
    public const int BitsPerByte = 10;

    private readonly byte[] ring;
    private int head;
    private int count;
    private int bitsPerSecond;
    private TimeSpan epoch;      // start of the current busy period
    private long releasedSinceEpoch;

    public PacedQueue(int capacity, int bitsPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(bitsPerSecond, 1);
        ring = new byte[capacity];
        this.bitsPerSecond = bitsPerSecond;
    }

    /// <summary>The line rate in bits per second.</summary>
    public int BitsPerSecond => bitsPerSecond;

    /// <summary>Changes the rate from <paramref name="now"/> on (bytes already due stay due).</summary>
    public void SetRate(int newBitsPerSecond, TimeSpan now, List<byte> output)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(newBitsPerSecond, 1);
        Release(now, output);
        bitsPerSecond = newBitsPerSecond;
        Restart(now);
    }

    public int Count => count;
    public int Free => ring.Length - count;

    /// <summary>Bytes dropped because the queue was full.</summary>
    public long Overruns { get; private set; }

    /// <summary>Queues bytes that arrived at <paramref name="now"/>; returns how many were accepted.</summary>
    public int Enqueue(ReadOnlySpan<byte> bytes, TimeSpan now)
    {
        if (count == 0)
            Restart(now);
        var accepted = Math.Min(bytes.Length, Free);
        for (var i = 0; i < accepted; i++)
            ring[(head + count + i) % ring.Length] = bytes[i];
        count += accepted;
        Overruns += bytes.Length - accepted;
        return accepted;
    }

    /// <summary>Moves every byte whose transmission has completed by <paramref name="now"/> to <paramref name="output"/>.</summary>
    public void Release(TimeSpan now, List<byte> output)
    {
        if (count == 0)
            return;
        var due = (int)Math.Min(count, Math.Max(0, AllowedBy(now) - releasedSinceEpoch));
        for (var i = 0; i < due; i++)
        {
            output.Add(ring[head]);
            head = (head + 1) % ring.Length;
        }
        count -= due;
        releasedSinceEpoch += due;
    }

    /// <summary>Empties the queue (carrier lost).</summary>
    public void Clear()
    {
        head = 0;
        count = 0;
    }

    /// <summary>When the next queued byte will have been sent; null when empty.</summary>
    public TimeSpan? NextReleaseAt =>
        count == 0 ? null : epoch + TimeSpan.FromTicks(CeilDiv((releasedSinceEpoch + 1) * BitsPerByte * TimeSpan.TicksPerSecond, bitsPerSecond));

    private void Restart(TimeSpan now)
    {
        epoch = now;
        releasedSinceEpoch = 0;
    }

    private long AllowedBy(TimeSpan now)
    {
        if (now <= epoch)
            return 0;
        var ticks = (Int128)(now - epoch).Ticks * bitsPerSecond;
        return (long)(ticks / ((Int128)BitsPerByte * TimeSpan.TicksPerSecond));
    }

    private static long CeilDiv(long a, long b) => (a + b - 1) / b;
}
