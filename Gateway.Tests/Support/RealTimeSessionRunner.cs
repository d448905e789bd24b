using System.Collections.Concurrent;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Session;

namespace Gateway.Tests.Support;

/// <summary>
/// Runs a <see cref="PppSession"/> over a real byte stream (a pseudo-terminal) with real timers, for interop tests
/// against peers we did not write. One lock serialises everything the session sees. The actors do the same job in
/// the product; this stays small so protocol tests need no actor system.
/// </summary>
internal sealed class RealTimeSessionRunner : ISessionHandler, IDisposable
{
    private readonly object gate = new();
    private readonly Stream stream;
    private readonly Dictionary<SessionTimer, Timer> timers = new();
    private readonly Thread reader;
    private readonly CancellationTokenSource stop = new();
    private readonly BlockingCollection<SessionEvent> events = new();

    public RealTimeSessionRunner(SessionSettings settings, Stream stream)
    {
        this.stream = stream;
        Session = new PppSession(settings, this);
        reader = new Thread(ReadLoop) { IsBackground = true, Name = $"ppp-read-{settings.Name}" };
    }

    public PppSession Session { get; }

    public List<SessionEvent> Seen { get; } = new();

    public ConcurrentQueue<(PppProtocol Protocol, byte[] Data)> Packets { get; } = new();

    public void Start()
    {
        reader.Start();
        Do(s => s.Start());
    }

    /// <summary>Runs <paramref name="action"/> on the session under the runner's lock.</summary>
    public void Do(Action<PppSession> action)
    {
        lock (gate)
            action(Session);
    }

    /// <summary>Waits for an event matching <paramref name="match"/>; fails the test with everything seen when it does not come.</summary>
    public T WaitFor<T>(Func<T, bool> match, TimeSpan timeout) where T : SessionEvent
    {
        lock (Seen)
        {
            if (Seen.OfType<T>().FirstOrDefault(match) is { } already)
                return already;
        }
        var deadline = DateTime.UtcNow + timeout;
        while (events.TryTake(out var next, Remaining(deadline)))
        {
            if (next is T t && match(t))
                return t;
        }
        string seen;
        lock (Seen)
            seen = string.Join("\n  ", Seen);
        throw new Xunit.Sdk.XunitException($"no {typeof(T).Name} within {timeout}; seen:\n  {seen}");
    }

    private static TimeSpan Remaining(DateTime deadline)
    {
        var left = deadline - DateTime.UtcNow;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    void ISessionHandler.SendFrame(ReadOnlySpan<byte> frame)
    {
        stream.Write(frame);
        stream.Flush();
    }

    void ISessionHandler.StartTimer(SessionTimer timer, TimeSpan interval)
    {
        if (!timers.TryGetValue(timer, out var t))
        {
            t = new Timer(_ => Fire(timer));
            timers[timer] = t;
        }
        t.Change(interval, Timeout.InfiniteTimeSpan);
    }

    void ISessionHandler.StopTimer(SessionTimer timer)
    {
        if (timers.TryGetValue(timer, out var t))
            t.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    void ISessionHandler.OnEvent(SessionEvent sessionEvent)
    {
        lock (Seen)
            Seen.Add(sessionEvent);
        events.Add(sessionEvent);
    }

    void ISessionHandler.OnPacket(PppProtocol protocol, ReadOnlySpan<byte> information) =>
        Packets.Enqueue((protocol, information.ToArray()));

    private void Fire(SessionTimer timer)
    {
        if (stop.IsCancellationRequested)
            return;
        lock (gate)
            Session.TimerExpired(timer);
    }

    private void ReadLoop()
    {
        var buffer = new byte[4096];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                int n = stream.Read(buffer, 0, buffer.Length);
                if (n <= 0)
                    break;
                lock (gate)
                    Session.ReceiveBytes(buffer.AsSpan(0, n));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The peer closed the terminal: the lower layer is gone.
        }
        if (!stop.IsCancellationRequested)
            Do(s => s.LowerDown("the terminal closed"));
    }

    public void Dispose()
    {
        stop.Cancel();
        lock (gate)
        {
            foreach (var t in timers.Values)
                t.Dispose();
        }
        stream.Dispose();
    }
}
