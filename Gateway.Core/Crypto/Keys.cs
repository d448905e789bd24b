using System.Buffers.Binary;
using System.Security.Cryptography;
using NSec.Cryptography;

namespace Gateway.Core.Crypto;

/// <summary>
/// A static X25519 public key (RFC 7748 section 5): 32 bytes, compared by value so it can key an allow-list.
/// Public keys are not secret; the type exists so that a key cannot be confused with other 32-byte values.
/// </summary>
public sealed class X25519PublicKey : IEquatable<X25519PublicKey>
{
    /// <summary>RFC 7748 section 5: X25519 public keys are 32 bytes.</summary>
    public const int Length = 32;

    private readonly byte[] bytes;

    public X25519PublicKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != Length)
            throw new ArgumentException($"an X25519 public key is {Length} bytes, not {key.Length}", nameof(key));
        bytes = key.ToArray();
    }

    public ReadOnlySpan<byte> Bytes => bytes;

    public string ToBase64() => Convert.ToBase64String(bytes);

    /// <summary>Reads a key written by <see cref="ToBase64"/> (WireGuard's 44-character form).</summary>
    public static bool TryParse(string? text, out X25519PublicKey key)
    {
        key = null!;
        Span<byte> raw = stackalloc byte[Length];
        if (!KeyEncoding.TryDecode(text, raw))
            return false;
        key = new X25519PublicKey(raw);
        return true;
    }

    public bool Equals(X25519PublicKey? other) => other is not null && bytes.AsSpan().SequenceEqual(other.bytes);

    public override bool Equals(object? obj) => Equals(obj as X25519PublicKey);

    public override int GetHashCode() => BinaryPrimitives.ReadInt32LittleEndian(bytes);

    public override string ToString() => ToBase64();
}

/// <summary>
/// A static X25519 key pair. The private half lives in libsodium's guarded memory (an NSec <see cref="Key"/>) and is
/// wiped when the pair is disposed.
/// </summary>
public sealed class KeyPair : IDisposable
{
    /// <summary>RFC 7748 section 5: X25519 private keys (scalars) are 32 bytes.</summary>
    public const int PrivateKeyLength = 32;

    private KeyPair(Key key)
    {
        PrivateKey = key;
        PublicKey = new X25519PublicKey(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    internal Key PrivateKey { get; }

    public X25519PublicKey PublicKey { get; }

    /// <summary>A fresh key pair from libsodium's CSPRNG (exportable, so that <c>gateway keygen</c> can print it).</summary>
    public static KeyPair Generate() => new(Key.Create(KeyAgreementAlgorithm.X25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>The pair for a 32-byte private key (libsodium clamps the scalar as RFC 7748 section 5 says).</summary>
    public static KeyPair FromPrivateKey(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != PrivateKeyLength)
            throw new ArgumentException($"an X25519 private key is {PrivateKeyLength} bytes, not {privateKey.Length}", nameof(privateKey));
        return new KeyPair(Key.Import(KeyAgreementAlgorithm.X25519, privateKey, KeyBlobFormat.RawPrivateKey,
            new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
    }

    /// <summary>Reads a private key written by <see cref="PrivateKeyToBase64"/>.</summary>
    public static bool TryParse(string? text, out KeyPair pair)
    {
        pair = null!;
        Span<byte> raw = stackalloc byte[PrivateKeyLength];
        try
        {
            if (!KeyEncoding.TryDecode(text, raw))
                return false;
            pair = FromPrivateKey(raw);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }
    }

    /// <summary>The private key in base64, the one line of a private-key file. Handle the string as the secret it is.</summary>
    public string PrivateKeyToBase64()
    {
        Span<byte> raw = stackalloc byte[PrivateKeyLength];
        try
        {
            if (!PrivateKey.TryExport(KeyBlobFormat.RawPrivateKey, raw, out _))
                throw new InvalidOperationException("the private key cannot be exported");
            return Convert.ToBase64String(raw);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }
    }

    public void Dispose() => PrivateKey.Dispose();
}

/// <summary>Base64 of 32-byte keys, as WireGuard writes them (44 characters, one '=' of padding).</summary>
public static class KeyEncoding
{
    /// <summary>Characters of a 32-byte key in base64.</summary>
    public const int Base64Length = 44;

    /// <summary>
    /// Decodes exactly <paramref name="destination"/>.Length bytes; false for anything else (wrong length, bad
    /// characters, whitespace inside). Surrounding whitespace is the caller's to trim.
    /// </summary>
    public static bool TryDecode(string? text, Span<byte> destination)
    {
        if (string.IsNullOrEmpty(text))
            return false;
        Span<byte> buffer = stackalloc byte[destination.Length + 3];
        try
        {
            if (!Convert.TryFromBase64String(text, buffer, out var written) || written != destination.Length)
                return false;
            // Convert accepts embedded whitespace; a key is one token, so round-trip to refuse it.
            if (text.Length != Base64LengthOf(destination.Length))
                return false;
            buffer[..written].CopyTo(destination);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    private static int Base64LengthOf(int bytes) => (bytes + 2) / 3 * 4;
}
