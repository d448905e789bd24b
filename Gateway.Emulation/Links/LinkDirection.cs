using System.Buffers;

namespace Gateway.Emulation.Links;

/// <summary>What <see cref="LinkDirection.Offer"/> did with a datagram.</summary>
public enum LinkVerdict : byte
{
    /// <summary>Accepted; it leaves at its departure time.</summary>
    Queued,
    /// <summary>Dropped by random loss.</summary>
    DroppedLoss,
    /// <summary>Dropped because the link is saturated: it would have waited for the rate limiter and the queue was full.</summary>
    DroppedRate,
    /// <summary>Dropped because the delay line was full (the queue byte bound), the rate limiter not being the cause.</summary>
    DroppedQueueFull,
    /// <summary>Dropped silently by the blackhole switch.</summary>
    DroppedBlackhole,
    /// <summary>Dropped because the link is hard down.</summary>
    DroppedDown,
}

/// <summary>Counters of one direction of an emulated link.</summary>
public readonly record struct LinkCounters(
    long Offered, long Forwarded, long ForwardedBytes,
    long DroppedLoss, long DroppedRate, long DroppedQueueFull, long DroppedBlackhole, long DroppedDown)
{
    /// <summary>Every datagram dropped, whatever the reason.</summary>
    public long Dropped => DroppedLoss + DroppedRate + DroppedQueueFull + DroppedBlackhole + DroppedDown;
}

/// <summary>
/// One direction of an emulated link, as pure logic on a caller-supplied clock: which datagram leaves when.
/// A datagram passes, in order: the hard-down and blackhole switches, random loss, a token-bucket rate
/// limiter (shaping: it waits for tokens, in FIFO order), then a fixed delay plus uniform jitter in
/// [0, Jitter]. Everything accepted and not yet departed is held in a queue bounded in bytes.
/// Every member is thread-safe (one lock), so settings can be changed at run time from any thread.
/// </summary>
public sealed class LinkDirection
{
    private readonly Lock _lock = new();
    private readonly Random _random;
    private const int PooledBufferSize = 2048; // holds a full-size Ethernet frame and a 1500-byte MRRU packet with headers
    private const int MaxFreeBuffers = 1024;
    private readonly PriorityQueue<Pending, (long Exit, long Sequence)> _queue = new(initialCapacity: 1024);
    private readonly Stack<byte[]> _freeBuffers = new(MaxFreeBuffers);
    private long _rateBitsPerSecond;
    private int _burstBytes = DefaultBurstBytes;
    private long _delayTicks, _jitterTicks;
    private double _lossProbability;
    private bool _blackhole, _down, _allowReordering;
    private int _queueLimitBytes = DefaultQueueLimitBytes;
    // The token bucket in its equivalent virtual-scheduling form (GCRA): the bucket is full when
    // _theoreticalArrival <= now, and a datagram of L bytes may leave once
    // now >= _theoreticalArrival + time(L) - time(burst), i.e. once the bucket holds L bytes of tokens.
    private long _theoreticalArrival;
    private long _lastExit;
    private long _sequence;
    private int _queuedBytes;
    private long _offered, _forwarded, _forwardedBytes, _droppedLoss, _droppedRate, _droppedQueueFull, _droppedBlackhole, _droppedDown;

    /// <summary>Default token-bucket depth: two full-size Ethernet frames.</summary>
    public const int DefaultBurstBytes = 3000;

    /// <summary>Default bound of the bytes held (waiting for the rate limiter or in the delay line).</summary>
    public const int DefaultQueueLimitBytes = 1 << 20;

    /// <param name="seed">Seed of the loss and jitter draws, so that a run can be repeated.</param>
    public LinkDirection(int seed = 0) => _random = new Random(seed);

    /// <summary>Rate limit in bits per second; 0 for none.</summary>
    public long RateBitsPerSecond { get => Get(ref _rateBitsPerSecond); set { ArgumentOutOfRangeException.ThrowIfNegative(value); Set(ref _rateBitsPerSecond, value); } }

    /// <summary>Token-bucket depth in bytes: how much may leave back to back after an idle period.</summary>
    public int BurstBytes { get => Get(ref _burstBytes); set { ArgumentOutOfRangeException.ThrowIfNegative(value); Set(ref _burstBytes, value); } }

    /// <summary>Fixed one-way delay.</summary>
    public TimeSpan Delay { get => TimeSpan.FromTicks(Get(ref _delayTicks)); set => Set(ref _delayTicks, NonNegative(value)); }

    /// <summary>Extra delay drawn uniformly in [0, Jitter] for each datagram.</summary>
    public TimeSpan Jitter { get => TimeSpan.FromTicks(Get(ref _jitterTicks)); set => Set(ref _jitterTicks, NonNegative(value)); }

    /// <summary>Probability in [0, 1] that a datagram is lost.</summary>
    public double LossProbability
    {
        get => Get(ref _lossProbability);
        set
        {
            if (!(value is >= 0 and <= 1))
                throw new ArgumentOutOfRangeException(nameof(value), "a probability is in [0, 1]");
            Set(ref _lossProbability, value);
        }
    }

    /// <summary>Drop every datagram silently (the queue already held still leaves).</summary>
    public bool Blackhole { get => Get(ref _blackhole); set => Set(ref _blackhole, value); }

    /// <summary>Hard down: drop every datagram, and drop what is queued now (counted as down).</summary>
    public bool Down
    {
        get => Get(ref _down);
        set
        {
            lock (_lock)
            {
                _down = value;
                if (value)
                    FlushQueue();
            }
        }
    }

    /// <summary>Let jitter reorder datagrams (like netem); off by default, as serial and ISP links keep order.</summary>
    public bool AllowReordering { get => Get(ref _allowReordering); set => Set(ref _allowReordering, value); }

    /// <summary>Most bytes held at once; a datagram that would exceed it is dropped.</summary>
    public int QueueLimitBytes { get => Get(ref _queueLimitBytes); set { ArgumentOutOfRangeException.ThrowIfNegative(value); Set(ref _queueLimitBytes, value); } }

    /// <summary>Bytes held now.</summary>
    public int QueuedBytes => Get(ref _queuedBytes);

    /// <summary>When the next datagram leaves, or null when none is held.</summary>
    public TimeSpan? NextDeparture
    {
        get
        {
            lock (_lock)
                return _queue.TryPeek(out _, out var key) ? TimeSpan.FromTicks(key.Exit) : null;
        }
    }

    /// <summary>A snapshot of the counters.</summary>
    public LinkCounters Counters
    {
        get
        {
            lock (_lock)
                return new LinkCounters(_offered, _forwarded, _forwardedBytes, _droppedLoss, _droppedRate, _droppedQueueFull, _droppedBlackhole, _droppedDown);
        }
    }

    /// <summary>Offers a datagram at <paramref name="now"/>; when accepted it is copied (into a pooled buffer) and queued.</summary>
    public LinkVerdict Offer(ReadOnlySpan<byte> datagram, TimeSpan now)
    {
        long t = now.Ticks;
        lock (_lock)
        {
            _offered++;
            if (_down)
                return Count(LinkVerdict.DroppedDown, ref _droppedDown);
            if (_blackhole)
                return Count(LinkVerdict.DroppedBlackhole, ref _droppedBlackhole);
            if (_lossProbability > 0 && _random.NextDouble() < _lossProbability)
                return Count(LinkVerdict.DroppedLoss, ref _droppedLoss);

            long leavesLimiter = t;
            long nextTheoretical = 0;
            if (_rateBitsPerSecond > 0)
            {
                long ownTicks = TransmissionTicks(datagram.Length);
                leavesLimiter = Math.Max(t, _theoreticalArrival + ownTicks - TransmissionTicks(_burstBytes));
                nextTheoretical = Math.Max(_theoreticalArrival, leavesLimiter) + ownTicks;
            }
            if ((long)_queuedBytes + datagram.Length > _queueLimitBytes)
                return leavesLimiter > t
                    ? Count(LinkVerdict.DroppedRate, ref _droppedRate)
                    : Count(LinkVerdict.DroppedQueueFull, ref _droppedQueueFull);

            if (_rateBitsPerSecond > 0)
                _theoreticalArrival = nextTheoretical;
            long exit = leavesLimiter + _delayTicks + (_jitterTicks > 0 ? _random.NextInt64(_jitterTicks + 1) : 0);
            if (!_allowReordering)
                exit = Math.Max(exit, _lastExit);
            _lastExit = Math.Max(_lastExit, exit);

            var buffer = RentBuffer(datagram.Length);
            datagram.CopyTo(buffer);
            _queue.Enqueue(new Pending(buffer, datagram.Length), (exit, _sequence++));
            _queuedBytes += datagram.Length;
            return LinkVerdict.Queued;
        }
    }

    /// <summary>
    /// Takes the next datagram whose departure time is at or before <paramref name="now"/>, copying it into
    /// <paramref name="destination"/> (which must hold the largest datagram offered). False when none is due.
    /// </summary>
    public bool TryTakeDue(TimeSpan now, Span<byte> destination, out int length)
    {
        lock (_lock)
        {
            if (!_queue.TryPeek(out var pending, out var key) || key.Exit > now.Ticks)
            {
                length = 0;
                return false;
            }
            _queue.Dequeue();
            _queuedBytes -= pending.Length;
            pending.Buffer.AsSpan(0, pending.Length).CopyTo(destination);
            ReturnBuffer(pending.Buffer);
            length = pending.Length;
            _forwarded++;
            _forwardedBytes += length;
            return true;
        }
    }

    // Datagrams are copied in on a receive thread and out on the scheduler thread: ArrayPool.Shared keeps
    // per-thread caches, so that pattern would make it allocate; a free list under our own lock does not.
    private byte[] RentBuffer(int length) =>
        length <= PooledBufferSize
            ? _freeBuffers.TryPop(out var buffer) ? buffer : new byte[PooledBufferSize]
            : ArrayPool<byte>.Shared.Rent(length);

    private void ReturnBuffer(byte[] buffer)
    {
        if (buffer.Length == PooledBufferSize)
        {
            if (_freeBuffers.Count < MaxFreeBuffers)
                _freeBuffers.Push(buffer);
        }
        else
            ArrayPool<byte>.Shared.Return(buffer);
    }

    private long TransmissionTicks(int bytes) =>
        (long)bytes * 8 * TimeSpan.TicksPerSecond / _rateBitsPerSecond;

    private void FlushQueue()
    {
        while (_queue.TryDequeue(out var pending, out _))
        {
            ReturnBuffer(pending.Buffer);
            _droppedDown++;
        }
        _queuedBytes = 0;
        // What was dropped no longer occupies the line: the rate limiter and the ordering start afresh.
        _theoreticalArrival = 0;
        _lastExit = 0;
    }

    private static LinkVerdict Count(LinkVerdict verdict, ref long counter)
    {
        counter++;
        return verdict;
    }

    private static long NonNegative(TimeSpan value) =>
        value >= TimeSpan.Zero ? value.Ticks : throw new ArgumentOutOfRangeException(nameof(value), "must not be negative");

    private T Get<T>(ref T field)
    {
        lock (_lock)
            return field;
    }

    private void Set<T>(ref T field, T value)
    {
        lock (_lock)
            field = value;
    }

    private readonly record struct Pending(byte[] Buffer, int Length);
}
