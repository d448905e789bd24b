using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Gateway.Core.Crypto;

/// <summary>The first byte of every datagram of an encrypted sublink (WireGuard 5.4.2 to 5.4.6 use the same values).</summary>
public enum MessageType : byte
{
    /// <summary>Not one of ours: wrong type, wrong length for its type, or reserved bytes set.</summary>
    Invalid = 0,
    Initiation = 1,
    Response = 2,
    CookieReply = 3,
    Transport = 4,
}

/// <summary>
/// The datagram layouts of the encrypted sublink and the two MACs every handshake message carries, after WireGuard's
/// (whitepaper sections 5.4.2 to 5.4.7) with SHA-256 in place of BLAKE2s. Integers are little-endian, as in WireGuard,
/// so the transport counter on the wire is the nonce's counter byte for byte. Byte offsets:
/// <code>
/// Initiation (148): 0 type=1 | 1 flags | 2 reserved(2) | 4 sender index | 8 ephemeral(32) | 40 enc static(32+16)
///                   | 88 enc timestamp(12+16) | 116 mac1(16) | 132 mac2(16)
/// Response    (92): 0 type=2 | 1 flags | 2 reserved(2) | 4 sender index | 8 receiver index | 12 ephemeral(32)
///                   | 44 enc empty(0+16) | 60 mac1(16) | 76 mac2(16)
/// Cookie reply(64): 0 type=3 | 1 reserved(3) | 4 receiver index | 8 nonce(24) | 32 enc cookie(16+16)
/// Transport (32+n): 0 type=4 | 1 reserved(3) | 4 receiver index | 8 counter(8) | 16 enc packet(n+16)
///      or (48+n) with AEGIS-256, whose tag is 32 bytes
/// </code>
/// The flags byte is WireGuard's first reserved byte (zero there): only <see cref="FlagAegis256"/> is defined, in
/// the initiation (offered) and the response (chosen); anything else set, or a flag in another message, is invalid.
/// </summary>
public static class HandshakeMessages
{
    /// <summary>
    /// The Noise prologue (section 6): our own protocol identifier, so a handshake of this protocol can never be taken
    /// for one of another protocol that happens to share keys (WireGuard mixes its own identifier the same way).
    /// </summary>
    public static ReadOnlySpan<byte> Prologue => "Gateway encrypted sublink v1"u8;

    /// <summary>WireGuard's LABEL_MAC1: the MAC1 key is HASH(label || receiver's static public key).</summary>
    public static ReadOnlySpan<byte> LabelMac1 => "mac1----"u8;

    /// <summary>WireGuard's LABEL_COOKIE: the cookie-encryption key is HASH(label || sender-of-the-cookie's static public key).</summary>
    public static ReadOnlySpan<byte> LabelCookie => "cookie--"u8;

    /// <summary>MAC1, MAC2 and cookies are 16 bytes (WireGuard 5.4.4: MAC is a 16-byte keyed hash).</summary>
    public const int MacLength = 16;
    public const int IndexLength = 4;
    public const int ReservedLength = 3;
    /// <summary>The flags byte of the initiation and the response (WireGuard's first reserved byte).</summary>
    public const int FlagsOffset = 1;
    /// <summary>Initiation: the initiator can seal with AEGIS-256; response: this session does (<see cref="TransportCipher"/>).</summary>
    public const byte FlagAegis256 = 0x01;

    public const int InitiationLength = 148;
    public const int InitiationSenderOffset = 4;
    /// <summary>Where the Noise message (e, enc s, enc timestamp) starts and how long it is.</summary>
    public const int InitiationNoiseOffset = 8;
    public static readonly int InitiationNoiseLength = NoiseHandshake.InitiationLength(Tai64N.Length);
    public const int InitiationMac1Offset = 116;
    public const int InitiationMac2Offset = 132;

    public const int ResponseLength = 92;
    public const int ResponseSenderOffset = 4;
    public const int ResponseReceiverOffset = 8;
    public const int ResponseNoiseOffset = 12;
    public static readonly int ResponseNoiseLength = NoiseHandshake.ResponseLength(0);
    public const int ResponseMac1Offset = 60;
    public const int ResponseMac2Offset = 76;

    public const int CookieReplyLength = 64;
    public const int CookieReplyReceiverOffset = 4;
    public const int CookieReplyNonceOffset = 8;
    /// <summary>XChaCha20-Poly1305 nonce (WireGuard 5.4.7), random per reply.</summary>
    public const int CookieNonceLength = 24;
    public const int CookieReplyCookieOffset = 32;

    /// <summary>Type, reserved, receiver index, counter (WireGuard 5.4.6).</summary>
    public const int TransportHeaderLength = 16;
    public const int TransportReceiverOffset = 4;
    public const int TransportCounterOffset = 8;
    /// <summary>The shortest AEAD tag after the encrypted packet (Poly1305's; AEGIS-256's is 32).</summary>
    public const int TransportTagLength = 16;
    public const int TransportMinLength = TransportHeaderLength + TransportTagLength;

    /// <summary>
    /// What a datagram claims to be, from its type byte, reserved bytes and length alone (no cryptography): the
    /// dispatch of a receive loop. Fixed-length messages must have their exact length.
    /// </summary>
    public static MessageType Classify(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < TransportMinLength || datagram[2] != 0 || datagram[3] != 0)
            return MessageType.Invalid;
        var flags = datagram[FlagsOffset];
        if (flags != 0 && (flags != FlagAegis256 || (MessageType)datagram[0] is not (MessageType.Initiation or MessageType.Response)))
            return MessageType.Invalid;
        return (MessageType)datagram[0] switch
        {
            MessageType.Initiation when datagram.Length == InitiationLength => MessageType.Initiation,
            MessageType.Response when datagram.Length == ResponseLength => MessageType.Response,
            MessageType.CookieReply when datagram.Length == CookieReplyLength => MessageType.CookieReply,
            MessageType.Transport => MessageType.Transport,
            _ => MessageType.Invalid,
        };
    }

    internal static void WriteHeader(Span<byte> datagram, MessageType type, byte flags = 0)
    {
        datagram[0] = (byte)type;
        datagram.Slice(1, ReservedLength).Clear();
        datagram[FlagsOffset] = flags;
    }

    /// <summary>The cipher a handshake message's flags byte names (offered in an initiation, chosen in a response).</summary>
    internal static TransportCipher CipherOf(ReadOnlySpan<byte> datagram) =>
        (datagram[FlagsOffset] & FlagAegis256) != 0 ? TransportCipher.Aegis256 : TransportCipher.ChaCha20Poly1305;

    internal static byte FlagsFor(TransportCipher cipher) => cipher == TransportCipher.Aegis256 ? FlagAegis256 : (byte)0;

    internal static uint ReadIndex(ReadOnlySpan<byte> datagram, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(datagram[offset..]);

    internal static void WriteIndex(Span<byte> datagram, int offset, uint index) => BinaryPrimitives.WriteUInt32LittleEndian(datagram[offset..], index);

    /// <summary>HASH(label || public key): the MAC1 key (LABEL_MAC1) or the cookie-encryption key (LABEL_COOKIE) of a peer.</summary>
    internal static void DeriveKey(ReadOnlySpan<byte> label, X25519PublicKey publicKey, Span<byte> key)
    {
        Span<byte> input = stackalloc byte[label.Length + X25519PublicKey.Length];
        label.CopyTo(input);
        publicKey.Bytes.CopyTo(input[label.Length..]);
        SHA256.HashData(input, key);
    }

    /// <summary>
    /// WireGuard's MAC(key, input), here HMAC-SHA256 truncated to 16 bytes (RFC 2104 section 5 allows truncation to
    /// half the hash or more).
    /// </summary>
    internal static void Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> mac)
    {
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, input, full);
        full[..MacLength].CopyTo(mac);
    }

    /// <summary>Checks a MAC in constant time.</summary>
    internal static bool VerifyMac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, ReadOnlySpan<byte> mac)
    {
        Span<byte> expected = stackalloc byte[MacLength];
        Mac(key, input, expected);
        return CryptographicOperations.FixedTimeEquals(expected, mac);
    }
}
