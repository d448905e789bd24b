using System.Diagnostics;

namespace Gateway.Bench;

/// <summary>A window of traffic counted at a sink, with the CPU time the measured processes used meanwhile.</summary>
public readonly record struct Window(double Seconds, long Packets, long Bytes, double CpuSeconds)
{
    public double BitsPerSecond => Bytes * 8 / Seconds;

    public double PacketsPerSecond => Packets / Seconds;

    /// <summary>CPU seconds per 10^9 octets delivered.</summary>
    public double CpuSecondsPerGigabyte => Bytes == 0 ? double.NaN : CpuSeconds / (Bytes / 1e9);

    /// <summary>Counts <paramref name="sink"/> for <paramref name="seconds"/>, and the CPU of <paramref name="pids"/> (or of this process when empty).</summary>
    public static Window Of(UdpSink sink, double seconds, IReadOnlyCollection<int> pids)
    {
        double Cpu() => pids.Count > 0 ? ProcStats.CpuSeconds(pids) : ProcStats.CpuSeconds(Environment.ProcessId) ?? 0;
        long p0 = sink.Packets, b0 = sink.Bytes;
        double c0 = Cpu();
        var watch = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        long p1 = sink.Packets, b1 = sink.Bytes;
        double c1 = Cpu();
        return new Window(watch.Elapsed.TotalSeconds, p1 - p0, b1 - b0, c1 - c0);
    }
}
