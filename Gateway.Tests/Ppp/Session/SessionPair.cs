using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Session;

namespace Gateway.Tests.Ppp.Session;

/// <summary>
/// Two sessions back to back over an in-memory pipe, on a virtual clock: frames from one side are queued to the
/// other (as a byte stream, optionally cut into pieces, or as datagrams), timers fire when the clock reaches them.
/// A filter may drop or alter frames in flight.
/// </summary>
internal sealed class SessionPair
{
    private readonly Queue<(End To, byte[] Bytes)> wire = new();
    private readonly Random cutter;

    public SessionPair(SessionSettings a, SessionSettings b, int? cutSeed = null)
    {
        cutter = new Random(cutSeed ?? 0);
        CutStream = cutSeed is not null;
        A = new End(this, "A");
        B = new End(this, "B");
        A.Peer = B;
        B.Peer = A;
        A.Session = new PppSession(a, A);
        B.Session = new PppSession(b, B);
    }

    public End A { get; }

    public End B { get; }

    public TimeSpan Now { get; private set; }

    /// <summary>Deliver a byte stream in random pieces (async framing only).</summary>
    public bool CutStream { get; }

    /// <summary>Returns false to drop a frame sent by <paramref name="from"/>.</summary>
    public Func<End, byte[], bool>? Filter { get; set; }

    public void Start()
    {
        A.Session.Start();
        B.Session.Start();
    }

    /// <summary>Moves frames and fires timers until both sides are quiet and no timer is due before <paramref name="limit"/>.</summary>
    public void Run(TimeSpan limit)
    {
        var end = Now + limit;
        for (int steps = 0; steps < 100_000; steps++)
        {
            if (wire.Count > 0)
            {
                var (to, bytes) = wire.Dequeue();
                to.Deliver(bytes);
                continue;
            }
            var next = new[] { A.NextTimer(), B.NextTimer() }.Where(t => t is not null).Min();
            if (next is null || next.Value.Due > end)
            {
                Now = end;
                return;
            }
            Now = next.Value.Due;
            next.Value.Owner.Fire(next.Value.Timer);
        }
        throw new InvalidOperationException("the pair never went quiet");
    }

    /// <summary>Runs until <paramref name="condition"/> holds, or fails after <paramref name="limit"/> of virtual time.</summary>
    public void RunUntil(Func<bool> condition, TimeSpan limit)
    {
        var end = Now + limit;
        while (!condition())
        {
            if (Now >= end)
                throw new Xunit.Sdk.XunitException(
                    $"condition not reached within {limit} of virtual time; A {A.Session.Phase}, B {B.Session.Phase}\nA: "
                    + string.Join("\n   ", A.Events) + "\nB: " + string.Join("\n   ", B.Events));
            Run(TimeSpan.FromMilliseconds(100));
        }
    }

    internal readonly record struct PendingTimer(TimeSpan Due, SessionTimer Timer, End Owner) : IComparable<PendingTimer>
    {
        public int CompareTo(PendingTimer other) => Due.CompareTo(other.Due);
    }

    internal sealed class End(SessionPair pair, string name) : ISessionHandler
    {
        private readonly Dictionary<SessionTimer, TimeSpan> timers = new();

        public string Name { get; } = name;

        public End Peer { get; set; } = null!;

        public PppSession Session { get; set; } = null!;

        public List<SessionEvent> Events { get; } = new();

        public List<(PppProtocol Protocol, byte[] Data)> Packets { get; } = new();

        public List<byte[]> Sent { get; } = new();

        public T? Last<T>() where T : SessionEvent => Events.OfType<T>().LastOrDefault();

        public void SendFrame(ReadOnlySpan<byte> frame)
        {
            var bytes = frame.ToArray();
            Sent.Add(bytes);
            if (pair.Filter?.Invoke(this, bytes) == false)
                return;
            if (pair.CutStream && Session.Framing == FramingMode.Async)
            {
                // A byte stream: cut the frame into random pieces, as a serial line would.
                int offset = 0;
                while (offset < bytes.Length)
                {
                    int size = Math.Min(bytes.Length - offset, pair.cutter.Next(1, 8));
                    pair.wire.Enqueue((Peer, bytes[offset..(offset + size)]));
                    offset += size;
                }
                return;
            }
            pair.wire.Enqueue((Peer, bytes));
        }

        /// <summary>Every timer the session asked for, in order, with its interval.</summary>
        public List<(SessionTimer Timer, TimeSpan Interval)> TimersStarted { get; } = new();

        public void StartTimer(SessionTimer timer, TimeSpan interval)
        {
            TimersStarted.Add((timer, interval));
            timers[timer] = pair.Now + interval;
        }

        public void StopTimer(SessionTimer timer) => timers.Remove(timer);

        public void OnEvent(SessionEvent sessionEvent) => Events.Add(sessionEvent);

        /// <summary>Called with each packet as it arrives, before the next frame is decoded (e.g. to feed LQRs to a monitor).</summary>
        public Action<PppProtocol, byte[]>? PacketArrived { get; set; }

        public void OnPacket(PppProtocol protocol, ReadOnlySpan<byte> information)
        {
            var data = information.ToArray();
            Packets.Add((protocol, data));
            PacketArrived?.Invoke(protocol, data);
        }

        internal PendingTimer? NextTimer() =>
            timers.Count == 0 ? null : timers.Select(t => new PendingTimer(t.Value, t.Key, this)).Min();

        internal void Fire(SessionTimer timer)
        {
            timers.Remove(timer);
            Session.TimerExpired(timer);
        }

        internal void Deliver(byte[] bytes)
        {
            if (Session.Framing == FramingMode.Sync)
                Session.ReceiveDatagram(bytes);
            else
                Session.ReceiveBytes(bytes);
        }
    }
}
