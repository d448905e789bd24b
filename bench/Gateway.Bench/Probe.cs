using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Gateway.Bench;

/// <summary>What a probe stream saw: sent, delivered, the longest time with nothing delivered, one-way delay.</summary>
public sealed record ProbeReport(long Sent, long Delivered, long Duplicates, double LongestGapMs, double GapStartSeconds, double MedianDelayMs, double MaxDelayMs)
{
    public long Lost => Sent - Delivered;
}

/// <summary>
/// A 1000 packets/s probe: a sender in one namespace and a receiver in another, both in this process, so one clock
/// stamps each probe's departure and arrival. Each probe carries its sequence number and send time (16 octets).
/// </summary>
public sealed class ProbeStream : IDisposable
{
    private const int PayloadLength = 16;
    private readonly Socket sender;
    private readonly Socket receiver;
    private readonly Thread sendThread;
    private readonly Thread receiveThread;
    private readonly double rate;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly long[] arrivals;
    private readonly long[] delays;
    private long sent;
    private long delivered;
    private long duplicates;
    private volatile bool stopping;
    private volatile bool sending = true;

    public ProbeStream(IPEndPoint destination, string? senderNetns, string? receiverNetns, double packetsPerSecond = 1000, TimeSpan? capacity = null)
    {
        rate = packetsPerSecond;
        int slots = (int)(rate * (capacity ?? TimeSpan.FromMinutes(2)).TotalSeconds) + 1;
        arrivals = new long[slots];
        delays = new long[slots];
        receiver = Namespaces.RunIn(receiverNetns, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 1 << 20 };
            s.Bind(new IPEndPoint(IPAddress.Any, destination.Port));
            return s;
        });
        sender = Namespaces.RunIn(senderNetns, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Connect(destination);
            return s;
        });
        receiveThread = new Thread(Receive) { IsBackground = true, Name = "probe receiver" };
        sendThread = new Thread(Send) { IsBackground = true, Name = "probe sender", Priority = ThreadPriority.Highest };
        receiveThread.Start();
        sendThread.Start();
    }

    public long Sent => Interlocked.Read(ref sent);

    public long Delivered => Interlocked.Read(ref delivered);

    public TimeSpan Now => clock.Elapsed;

    private void Send()
    {
        var payload = new byte[PayloadLength];
        while (!stopping)
        {
            long due = (long)(clock.Elapsed.TotalSeconds * rate);
            while (sending && sent < due && sent < arrivals.Length)
            {
                BinaryPrimitives.WriteInt64BigEndian(payload, sent);
                BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(8), clock.ElapsedTicks);
                try
                {
                    sender.Send(payload);
                }
                catch (SocketException)
                {
                    // A probe that cannot leave is a lost probe: the gap shows it.
                }
                Interlocked.Increment(ref sent);
            }
            Thread.Sleep(1);
        }
    }

    private void Receive()
    {
        var buffer = new byte[2048];
        while (!stopping)
        {
            int n;
            try
            {
                n = receiver.Receive(buffer);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            long now = clock.ElapsedTicks;
            if (n < PayloadLength)
                continue;
            long seq = BinaryPrimitives.ReadInt64BigEndian(buffer);
            if (seq < 0 || seq >= arrivals.Length)
                continue;
            if (arrivals[seq] != 0)
            {
                duplicates++;
                continue;
            }
            arrivals[seq] = now;
            delays[seq] = now - BinaryPrimitives.ReadInt64BigEndian(buffer.AsSpan(8));
            Interlocked.Increment(ref delivered);
        }
    }

    /// <summary>Stops sending, waits <paramref name="drain"/> for the last probes, and reports on those sent since <paramref name="from"/>.</summary>
    public ProbeReport Finish(TimeSpan from, TimeSpan drain)
    {
        sending = false;
        Thread.Sleep(drain);
        long total = Sent;
        long first = Math.Min(total, (long)(from.TotalSeconds * rate));
        var times = new List<long>();
        var oneWay = new List<double>();
        for (long i = first; i < total; i++)
        {
            if (arrivals[i] != 0)
            {
                times.Add(arrivals[i]);
                oneWay.Add(delays[i] * 1000.0 / Stopwatch.Frequency);
            }
        }
        times.Sort();
        oneWay.Sort();
        double longest = 0, gapStart = 0;
        for (int i = 1; i < times.Count; i++)
        {
            double gap = (times[i] - times[i - 1]) * 1000.0 / Stopwatch.Frequency;
            if (gap > longest)
            {
                longest = gap;
                gapStart = (double)times[i - 1] / Stopwatch.Frequency;
            }
        }
        if (times.Count == 0)
            longest = (total - first) * 1000.0 / rate;
        return new ProbeReport(total - first, times.Count, duplicates, longest, gapStart,
            oneWay.Count > 0 ? oneWay[oneWay.Count / 2] : double.NaN, oneWay.Count > 0 ? oneWay[^1] : double.NaN);
    }

    public void Dispose()
    {
        stopping = true;
        sender.Dispose();
        receiver.Dispose();
        sendThread.Join(1000);
        receiveThread.Join(1000);
    }
}
