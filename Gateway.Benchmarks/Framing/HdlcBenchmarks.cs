using BenchmarkDotNet.Attributes;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Framing;

namespace Gateway.Benchmarks.Framing;

/// <summary>One payload shape for the HDLC benchmarks.</summary>
public sealed record HdlcCase(string Name, int PayloadBytes, uint Accm, bool AllEscaped) : IPayloadSize
{
    public override string ToString() => Name;
}

/// <summary>Async HDLC-like framing (RFC 1662): encode and decode of one IP frame per operation.</summary>
[Config(typeof(FramingBenchmarkConfig))]
public class HdlcBenchmarks
{
    private readonly HdlcEncoder encoder = new();
    private readonly HdlcDecoder decoder = new();
    private byte[] payload = [];
    private byte[] wire = [];
    private byte[] destination = [];

    [ParamsSource(nameof(Cases))]
    public HdlcCase Case { get; set; } = null!;

    public static IEnumerable<HdlcCase> Cases() =>
    [
        new("64 random, ACCM ffffffff", 64, Hdlc.DefaultAccm, false),
        new("1500 random, ACCM ffffffff", 1500, Hdlc.DefaultAccm, false),
        new("64 random, ACCM 0", 64, 0, false),
        new("1500 random, ACCM 0", 1500, 0, false),
        new("1500 all escaped", 1500, Hdlc.DefaultAccm, true),
    ];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1662);
        payload = new byte[Case.PayloadBytes];
        random.NextBytes(payload);
        if (Case.AllEscaped)
        {
            byte[] escaped = [.. Enumerable.Range(0, 0x20).Select(i => (byte)i), Hdlc.Flag, Hdlc.ControlEscape];
            for (int i = 0; i < payload.Length; i++)
                payload[i] = escaped[random.Next(escaped.Length)];
        }

        encoder.SendAccm = Case.Accm;
        decoder.ReceiveAccm = Case.Accm;
        destination = new byte[HdlcEncoder.MaxEncodedLength(payload.Length)];
        wire = destination[..encoder.Encode(PppProtocol.Ip, payload, destination)];
    }

    [Benchmark]
    public int Encode() => encoder.Encode(PppProtocol.Ip, payload, destination);

    [Benchmark]
    public int Decode()
    {
        ReadOnlySpan<byte> input = wire;
        int decoded = 0;
        while (decoder.TryReadFrame(ref input, out PppFrame frame))
            decoded += frame.Information.Length;
        return decoded;
    }
}
