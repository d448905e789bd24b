using Gateway.Core.Ppp.Fsm;

namespace Gateway.Tests.Ppp.Fsm;

/// <summary>
/// Wires two control protocols back to back in memory: packets one sends are delivered to the other,
/// restart timers run on a virtual clock. A filter may drop or rewrite packets in flight.
/// </summary>
public sealed class ControlPump
{
    private readonly Queue<(ControlProtocol To, byte[] Packet)> inFlight = new();
    private readonly Dictionary<ControlProtocol, TimeSpan?> deadlines = new();

    public ControlPump(ControlProtocol a, ControlProtocol b)
    {
        A = a;
        B = b;
        deadlines[a] = null;
        deadlines[b] = null;
    }

    public ControlProtocol A { get; }

    public ControlProtocol B { get; }

    public TimeSpan Now { get; private set; }

    /// <summary>Every output each side produced, in order.</summary>
    public List<(ControlProtocol From, ControlOutput Output)> Log { get; } = [];

    /// <summary>Returns the bytes to deliver, or null to drop the packet.</summary>
    public Func<ControlProtocol, byte[], byte[]?> Filter { get; set; } = (_, packet) => packet;

    public ControlProtocol Other(ControlProtocol side) => side == A ? B : A;

    public IReadOnlyList<ControlOutput> Process(ControlProtocol from, IReadOnlyList<ControlOutput> outputs)
    {
        foreach (var output in outputs)
        {
            Log.Add((from, output));
            switch (output)
            {
                case SendControlPacket send:
                    if (Filter(from, send.Packet) is { } delivered)
                        inFlight.Enqueue((Other(from), delivered));
                    break;
                case StartRestartTimer start:
                    deadlines[from] = Now + start.Interval;
                    break;
                case StopRestartTimer:
                    deadlines[from] = null;
                    break;
            }
        }
        return outputs;
    }

    public void Start()
    {
        Process(A, A.Up());
        Process(B, B.Up());
        Process(A, A.Open());
        Process(B, B.Open());
    }

    /// <summary>Delivers packets and fires due timers until nothing is left or the step budget runs out.</summary>
    public void Run(int maxSteps = 1000, TimeSpan? until = null)
    {
        var limit = until is { } u ? Now + u : TimeSpan.MaxValue;
        for (var step = 0; step < maxSteps; step++)
        {
            if (inFlight.TryDequeue(out var item))
            {
                Process(item.To, item.To.Receive(item.Packet));
                continue;
            }
            var next = deadlines.Where(d => d.Value is not null).OrderBy(d => d.Value).FirstOrDefault();
            if (next.Key is null || next.Value > limit)
                return;
            Now = next.Value!.Value;
            deadlines[next.Key] = null;
            Process(next.Key, next.Key.RestartTimerExpired());
        }
    }

    public IEnumerable<T> OutputsOf<T>(ControlProtocol side) => Log.Where(l => l.From == side).Select(l => l.Output).OfType<T>();
}
