using System.Security.Cryptography;
using NSec.Cryptography;

namespace Gateway.Core.Crypto;

/// <summary>
/// The AEAD that seals a session's transport datagrams. ChaCha20-Poly1305 (12-byte nonce, 16-byte tag) is WireGuard's
/// and the Noise protocol's, and fast without AES hardware. AEGIS-256 (32-byte nonce, 32-byte tag; RFC draft
/// irtf-cfrg-aegis-aead) is used when both ends have AES in hardware (AES-NI, or the ARMv8 crypto extensions): on
/// the bench machine it seals a 1400-byte packet in about a seventh of ChaCha20-Poly1305's time
/// (Gateway.Benchmarks <c>TransportSessionBenchmarks</c>, <c>AeadBenchmarks</c>), which is what lets an encrypted bundle keep most of the
/// clear one's throughput. The initiator offers it in the initiation's flags byte and the responder answers with
/// its choice in the response's (see <see cref="HandshakeMessages.FlagAegis256"/>). The nonce is the 64-bit counter
/// in both (Noise 12.3, zero-padded to the AEAD's nonce size).
/// </summary>
public enum TransportCipher : byte
{
    ChaCha20Poly1305 = 0,
    Aegis256 = 1,
}

public static class TransportCiphers
{
    /// <summary>The longest tag of the two (AEGIS-256's).</summary>
    public const int MaxTagLength = 32;

    /// <summary>
    /// Whether this machine has AES in hardware, as libsodium sees it (its AES-256-GCM runs only on AES-NI and CLMUL
    /// or the ARMv8 crypto extensions); AEGIS-256 runs everywhere but is slow without it.
    /// </summary>
    public static bool HardwareAes { get; } = Aes256Gcm.IsSupported;

    /// <summary>What this end offers or accepts: AEGIS-256 where the hardware has AES.</summary>
    public static TransportCipher Preferred => HardwareAes ? TransportCipher.Aegis256 : TransportCipher.ChaCha20Poly1305;

    public static AeadAlgorithm Algorithm(TransportCipher cipher) => cipher switch
    {
        TransportCipher.Aegis256 => AeadAlgorithm.Aegis256,
        _ => AeadAlgorithm.ChaCha20Poly1305,
    };

    public static string Name(TransportCipher cipher) => cipher switch
    {
        TransportCipher.Aegis256 => "AEGIS-256",
        _ => "ChaCha20-Poly1305",
    };

    /// <summary>
    /// Imports a transport key (a Noise Split output) for <paramref name="cipher"/>. ChaCha20-Poly1305 takes the key as
    /// Noise gives it, as WireGuard does; AEGIS-256 takes HKDF-Expand-SHA-256(key, "Gateway transport aegis-256"), so
    /// one key is never used by two ciphers: a response whose flags byte was altered on the path leaves the two ends
    /// with unrelated keys, and the first datagram fails its tag.
    /// </summary>
    public static Key Import(TransportCipher cipher, ReadOnlySpan<byte> key)
    {
        var algorithm = Algorithm(cipher);
        if (cipher == TransportCipher.ChaCha20Poly1305)
            return Key.Import(algorithm, key, KeyBlobFormat.RawSymmetricKey);
        Span<byte> derived = stackalloc byte[32];
        try
        {
            HKDF.Expand(HashAlgorithmName.SHA256, key, derived, "Gateway transport aegis-256"u8);
            return Key.Import(algorithm, derived, KeyBlobFormat.RawSymmetricKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(derived);
        }
    }
}
