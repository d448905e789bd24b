using BenchmarkDotNet.Attributes;
using Gateway.Core.Ppp.Multilink;

namespace Gateway.Benchmarks.Multilink;

/// <summary>
/// Fragment + reassemble throughput: one packet through <see cref="MpFragmenter"/> and every fragment
/// straight into <see cref="MpReassembler"/> (no loss, in order), members of equal weight with MRU 1500.
/// One operation is one packet.
/// </summary>
[MemoryDiagnoser]
public class MultilinkBenchmarks
{
    private const int PacketsPerInvoke = 4096;
    private static readonly TimeSpan Now = TimeSpan.FromSeconds(1);

    private MpFragmenter fragmenter = null!;
    private MpReassembler reassembler = null!;
    private CountingSink sink = null!;
    private byte[] packet = null!;

    [Params(64, 1500)]
    public int PacketSize { get; set; }

    [Params(1, 2, 4, 8)]
    public int Members { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        fragmenter = new MpFragmenter(new MpFragmenterOptions { PeerMrru = 1500 });
        reassembler = new MpReassembler(new MpReassemblerOptions { Mrru = 1500 });
        for (int m = 0; m < Members; m++)
        {
            fragmenter.AddMember(m, 1500, 1_000_000);
            reassembler.AddMember(m);
        }
        sink = new CountingSink();
        packet = new byte[PacketSize];
        new Random(1).NextBytes(packet);
    }

    [Benchmark(OperationsPerInvoke = PacketsPerInvoke)]
    public long FragmentAndReassemble()
    {
        var f = fragmenter;
        var r = reassembler;
        for (int i = 0; i < PacketsPerInvoke; i++)
        {
            f.Fragment(0x0021, packet);
            foreach (var x in f.Fragments)
                r.Receive(x.Member, f.Bytes(x), Now, sink);
        }
        return sink.Bytes;
    }

    private sealed class CountingSink : IMpPacketSink
    {
        public long Bytes;

        public void Deliver(ushort protocol, ReadOnlySpan<byte> information) => Bytes += information.Length;
    }
}
