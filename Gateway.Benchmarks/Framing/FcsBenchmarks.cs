using BenchmarkDotNet.Attributes;
using Gateway.Core.Ppp.Framing;

namespace Gateway.Benchmarks.Framing;

/// <summary>The payload length for the FCS benchmarks.</summary>
public sealed record FcsCase(int PayloadBytes) : IPayloadSize
{
    public override string ToString() => $"{PayloadBytes} random";
}

/// <summary>FCS-16 and FCS-32 (RFC 1662 appendix C) over a full-size frame.</summary>
[Config(typeof(FramingBenchmarkConfig))]
public class FcsBenchmarks
{
    private byte[] data = [];

    [ParamsSource(nameof(Cases))]
    public FcsCase Case { get; set; } = null!;

    public static IEnumerable<FcsCase> Cases() => [new(1500)];

    [GlobalSetup]
    public void Setup()
    {
        data = new byte[Case.PayloadBytes];
        new Random(1662).NextBytes(data);
    }

    [Benchmark]
    public ushort Fcs16Compute() => Fcs16.Compute(data);

    [Benchmark]
    public uint Fcs32Compute() => Fcs32.Compute(data);
}
