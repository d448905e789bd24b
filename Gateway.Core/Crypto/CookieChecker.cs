using System.Buffers.Binary;
using System.Security.Cryptography;
using NSec.Cryptography;
using static Gateway.Core.Crypto.HandshakeMessages;

namespace Gateway.Core.Crypto;

/// <summary>
/// The responder's half of WireGuard's denial-of-service defence (whitepaper 5.3 and 5.4.7), kept apart from the
/// handshake so that it runs before any Diffie-Hellman:
/// <list type="bullet">
/// <item>MAC1, keyed by HASH(LABEL_MAC1 || our static public key), is always checked: a datagram from someone who does
/// not know our public key is dropped for the price of one HMAC.</item>
/// <item>Under load (the caller says when), an initiation must also carry MAC2 keyed by a cookie that proves the
/// sender receives at its source address: cookie = MAC(R, source address || port), R a random secret replaced every
/// <see cref="SecretLifetime"/>. Without it the initiation gets a cookie reply instead: the cookie encrypted with
/// XChaCha20-Poly1305 under HASH(LABEL_COOKIE || our static public key), the initiation's MAC1 as associated data, so
/// only the holder of that initiation can use it. No state is kept per sender.</item>
/// </list>
/// The secret is taken from the CSPRNG when first needed and when the caller's <c>now</c> shows it is too old.
/// </summary>
public sealed class CookieChecker : IDisposable
{
    /// <summary>WireGuard 5.4.7: the cookie secret changes every two minutes (COOKIE_SECRET_MAX_AGE).</summary>
    public static readonly TimeSpan SecretLifetime = TimeSpan.FromSeconds(120);

    /// <summary>
    /// A cookie is used by the initiator for <see cref="SecretLifetime"/> minus this (the Linux implementation's
    /// COOKIE_SECRET_LATENCY), so that it is not used against a secret that has just been replaced.
    /// </summary>
    public static readonly TimeSpan SecretLatency = TimeSpan.FromSeconds(5);

    /// <summary>Largest source address taken (IPv6).</summary>
    public const int MaxAddressLength = 16;

    private const int SecretLength = 32;
    private static readonly AeadAlgorithm CookieAead = AeadAlgorithm.XChaCha20Poly1305;

    private readonly byte[] mac1Key = new byte[SecretLength];
    private readonly Key cookieKey;
    private readonly byte[] secret = new byte[SecretLength];
    private TimeSpan? secretBornAt;

    public CookieChecker(X25519PublicKey responderStatic)
    {
        ArgumentNullException.ThrowIfNull(responderStatic);
        DeriveKey(LabelMac1, responderStatic, mac1Key);
        Span<byte> key = stackalloc byte[SecretLength];
        DeriveKey(LabelCookie, responderStatic, key);
        cookieKey = Key.Import(CookieAead, key, KeyBlobFormat.RawSymmetricKey);
    }

    /// <summary>Whether the MAC1 field at <paramref name="mac1Offset"/> is right for the bytes before it.</summary>
    public bool Mac1Valid(ReadOnlySpan<byte> message, int mac1Offset) =>
        VerifyMac(mac1Key, message[..mac1Offset], message.Slice(mac1Offset, MacLength));

    /// <summary>Whether the MAC2 field is keyed by the cookie this source address would get now.</summary>
    public bool Mac2Valid(ReadOnlySpan<byte> message, int mac2Offset, ReadOnlySpan<byte> sourceAddress, ushort sourcePort, TimeSpan now)
    {
        Span<byte> cookie = stackalloc byte[MacLength];
        CurrentCookie(sourceAddress, sourcePort, now, cookie);
        return VerifyMac(cookie, message[..mac2Offset], message.Slice(mac2Offset, MacLength));
    }

    /// <summary>
    /// Writes the cookie reply (64 bytes) to <paramref name="initiation"/>, whose MAC1 must already have been checked,
    /// for the datagram's source address. Returns the bytes written.
    /// </summary>
    public int WriteCookieReply(ReadOnlySpan<byte> initiation, ReadOnlySpan<byte> sourceAddress, ushort sourcePort, TimeSpan now, Span<byte> reply)
    {
        if (reply.Length < CookieReplyLength)
            throw new ArgumentException($"a cookie reply needs {CookieReplyLength} bytes", nameof(reply));
        Span<byte> cookie = stackalloc byte[MacLength];
        CurrentCookie(sourceAddress, sourcePort, now, cookie);
        WriteHeader(reply, MessageType.CookieReply);
        WriteIndex(reply, CookieReplyReceiverOffset, ReadIndex(initiation, InitiationSenderOffset));
        var nonce = reply.Slice(CookieReplyNonceOffset, CookieNonceLength);
        RandomNumberGenerator.Fill(nonce);
        CookieAead.Encrypt(cookieKey, nonce, initiation.Slice(InitiationMac1Offset, MacLength), cookie,
            reply.Slice(CookieReplyCookieOffset, MacLength + CookieAead.TagSize));
        CryptographicOperations.ZeroMemory(cookie);
        return CookieReplyLength;
    }

    public void Dispose()
    {
        cookieKey.Dispose();
        CryptographicOperations.ZeroMemory(secret);
        CryptographicOperations.ZeroMemory(mac1Key);
    }

    private void CurrentCookie(ReadOnlySpan<byte> sourceAddress, ushort sourcePort, TimeSpan now, Span<byte> cookie)
    {
        if (sourceAddress.Length is 0 or > MaxAddressLength)
            throw new ArgumentException($"a source address is 1 to {MaxAddressLength} bytes", nameof(sourceAddress));
        if (secretBornAt is not { } born || now - born >= SecretLifetime || now < born)
        {
            RandomNumberGenerator.Fill(secret);
            secretBornAt = now;
        }
        Span<byte> source = stackalloc byte[MaxAddressLength + sizeof(ushort)];
        sourceAddress.CopyTo(source);
        BinaryPrimitives.WriteUInt16BigEndian(source[sourceAddress.Length..], sourcePort);
        Mac(secret, source[..(sourceAddress.Length + sizeof(ushort))], cookie);
    }

    /// <summary>
    /// The initiator's side (5.4.7): decrypts a cookie reply sent by the responder whose static key is
    /// <paramref name="responderStatic"/>, to an initiation whose MAC1 was <paramref name="initiationMac1"/>.
    /// </summary>
    internal static bool TryOpenCookie(ReadOnlySpan<byte> reply, X25519PublicKey responderStatic, ReadOnlySpan<byte> initiationMac1, Span<byte> cookie)
    {
        Span<byte> keyBytes = stackalloc byte[SecretLength];
        DeriveKey(LabelCookie, responderStatic, keyBytes);
        using var key = Key.Import(CookieAead, keyBytes, KeyBlobFormat.RawSymmetricKey);
        CryptographicOperations.ZeroMemory(keyBytes);
        return CookieAead.Decrypt(key, reply.Slice(CookieReplyNonceOffset, CookieNonceLength), initiationMac1,
            reply[CookieReplyCookieOffset..CookieReplyLength], cookie[..MacLength]);
    }
}
