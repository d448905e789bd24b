using BenchmarkDotNet.Attributes;
using Gateway.Core.Crypto;

namespace Gateway.Benchmarks.Crypto;

/// <summary>
/// The cost an encrypted sublink adds per datagram (issue 13): <see cref="TransportSession.Seal"/> and
/// <see cref="TransportSession.Open"/> of one packet (header, counter nonce, replay window, AEAD) under each
/// <see cref="TransportCipher"/>. <see cref="AeadBenchmarks"/> gives the bare ciphers for the same packets, so the two
/// tables say what the framing costs over the cipher. One operation is one packet.
/// </summary>
[MemoryDiagnoser]
public class TransportSessionBenchmarks
{
    private static readonly TimeSpan Now = TimeSpan.FromSeconds(1);
    private TransportSession sender = null!;
    private TransportSession receiver = null!;
    private byte[] packet = null!;
    private byte[] datagram = null!;
    private byte[] opened = null!;

    [Params(64, 1400)]
    public int PacketSize { get; set; }

    [Params(TransportCipher.ChaCha20Poly1305, TransportCipher.Aegis256)]
    public TransportCipher Cipher { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var a = new byte[32];
        var b = new byte[32];
        Random.Shared.NextBytes(a);
        Random.Shared.NextBytes(b);
        sender = new TransportSession(a, b, localIndex: 1, remoteIndex: 2, isInitiator: true, Now, cipher: Cipher);
        receiver = new TransportSession(b, a, localIndex: 2, remoteIndex: 1, isInitiator: false, Now, cipher: Cipher);
        packet = new byte[PacketSize];
        new Random(1).NextBytes(packet);
        datagram = new byte[sender.SealedLength(PacketSize)];
        opened = new byte[PacketSize];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        sender.Dispose();
        receiver.Dispose();
    }

    [Benchmark(Baseline = true)]
    public int Seal()
    {
        sender.Seal(packet, datagram, Now, out var written);
        return written;
    }

    /// <summary>Seal and open, as one packet costs the two ends together.</summary>
    [Benchmark]
    public int SealAndOpen()
    {
        sender.Seal(packet, datagram, Now, out _);
        receiver.Open(datagram, opened, Now, out var written);
        return written;
    }
}
