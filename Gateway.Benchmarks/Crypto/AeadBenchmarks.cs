using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using NSec.Cryptography;

namespace Gateway.Benchmarks.Crypto;

/// <summary>
/// The bare AEADs NSec (libsodium) offers on this CPU, encrypting one packet with a counter nonce: what choosing one
/// for <see cref="Gateway.Core.Crypto.TransportCipher"/> would cost. AES-256-GCM runs only with AES hardware and is
/// skipped (0 ns) without it. One operation is one packet.
/// </summary>
[MemoryDiagnoser]
public class AeadBenchmarks
{
    private AeadAlgorithm aead = null!;
    private Key? key;
    private byte[] packet = null!;
    private byte[] ciphertext = null!;
    private byte[] nonce = null!;
    private ulong counter;

    [Params(64, 1400)]
    public int PacketSize { get; set; }

    [Params("ChaCha20-Poly1305", "AEGIS-256", "AES-256-GCM")]
    public string Algorithm { get; set; } = "";

    private AeadAlgorithm Named => Algorithm switch
    {
        "AEGIS-256" => AeadAlgorithm.Aegis256,
        "AES-256-GCM" => AeadAlgorithm.Aes256Gcm,
        _ => AeadAlgorithm.ChaCha20Poly1305,
    };

    [GlobalSetup]
    public void Setup()
    {
        aead = Named;
        if (Algorithm != "AES-256-GCM" || Aes256Gcm.IsSupported)
            key = Key.Create(aead);
        packet = new byte[PacketSize];
        new Random(1).NextBytes(packet);
        ciphertext = new byte[PacketSize + aead.TagSize];
        nonce = new byte[aead.NonceSize];
    }

    [GlobalCleanup]
    public void Cleanup() => key?.Dispose();

    [Benchmark]
    public void Encrypt()
    {
        if (key is null)
            return;
        BinaryPrimitives.WriteUInt64LittleEndian(nonce.AsSpan(4), ++counter);
        aead.Encrypt(key, nonce, default, packet, ciphertext);
    }
}
