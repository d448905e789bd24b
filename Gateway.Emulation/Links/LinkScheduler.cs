using System.Diagnostics;

namespace Gateway.Emulation.Links;

/// <summary>
/// The departure side of an emulated link: one thread that sends each queued datagram of its
/// <see cref="LinkDirection"/>s at its departure time (within about a millisecond: it sends what is due in the next
/// half millisecond and otherwise sleeps until the earliest departure, or until <see cref="Offer"/> queues one while it
/// sleeps). Shared by the UDP relay (<see cref="UdpLinkRelay"/>) and the tun delay line (<see cref="TunDelayLine"/>).
/// </summary>
internal sealed class LinkScheduler : IDisposable
{
    /// <summary>Sends one datagram that left its direction (from the scheduler's thread; the span is valid during the call).</summary>
    public delegate void Departure(ReadOnlySpan<byte> datagram);

    private static readonly TimeSpan SendAhead = TimeSpan.FromMilliseconds(0.5);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly AutoResetEvent _wake = new(false);
    private readonly (LinkDirection Direction, Departure Send)[] _lanes;
    private readonly int _maxDatagram;
    private readonly Thread _thread;
    private volatile bool _sleeping, _disposed;

    public LinkScheduler(string name, int maxDatagram, params (LinkDirection Direction, Departure Send)[] lanes)
    {
        _lanes = lanes;
        _maxDatagram = maxDatagram;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Offers a datagram to one of the scheduler's directions now; wakes the thread when it was asleep.</summary>
    public LinkVerdict Offer(LinkDirection direction, ReadOnlySpan<byte> datagram)
    {
        // Offer takes a lock (a full fence), so either the thread sees this datagram before it sleeps, or this
        // thread sees it sleeping and wakes it: no wake-up system call while it is busy sending.
        var verdict = direction.Offer(datagram, _clock.Elapsed);
        if (verdict == LinkVerdict.Queued && _sleeping && !_disposed)
        {
            try
            {
                _wake.Set();
            }
            catch (ObjectDisposedException)
            {
                // disposed meanwhile: nothing leaves any more
            }
        }
        return verdict;
    }

    private void Run()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(_maxDatagram, pinned: true);
        while (!_disposed)
        {
            var horizon = _clock.Elapsed + SendAhead;
            TimeSpan? next = null;
            foreach (var (direction, send) in _lanes)
            {
                while (direction.TryTakeDue(horizon, buffer, out int length))
                    send(buffer.AsSpan(0, length));
            }
            _sleeping = true;
            Interlocked.MemoryBarrier();
            foreach (var (direction, _) in _lanes)
            {
                if (direction.NextDeparture is { } d && (next is null || d < next))
                    next = d;
            }
            if (next is null)
                _wake.WaitOne();
            else
            {
                var wait = next.Value - _clock.Elapsed - SendAhead;
                if (wait > TimeSpan.Zero)
                    _wake.WaitOne(Math.Max(1, (int)wait.TotalMilliseconds));
            }
            _sleeping = false;
        }
    }

    /// <summary>Stops the thread (waits for it, unless called from it).</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _wake.Set();
        if (Thread.CurrentThread != _thread)
            _thread.Join(TimeSpan.FromSeconds(10));
        _wake.Dispose();
    }
}
