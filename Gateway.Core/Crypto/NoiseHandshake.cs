using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace Gateway.Core.Crypto;

/// <summary>
/// One run of the Noise handshake <c>Noise_IKpsk2_25519_ChaChaPoly_SHA256</c> (the Noise Protocol Framework,
/// revision 34): the HandshakeState, SymmetricState and CipherState of sections 5.1 to 5.3 for the IK pattern
/// (section 7.5) with the <c>psk2</c> modifier (section 9), which is the pattern WireGuard uses:
/// <code>
/// IKpsk2:
///   &lt;- s
///   ...
///   -> e, es, s, ss
///   &lt;- e, ee, se, psk
/// </code>
/// It knows nothing of the datagram layout around the Noise messages (<see cref="HandshakeMessages"/> does); it
/// takes payloads and writes <c>e || enc(s) || enc(payload)</c> and <c>e || enc(payload)</c>, so that the published
/// test vectors for this protocol name can be checked byte for byte.
/// <para>
/// A responder's instance is created per initiation and thrown away on any failure; an initiator's instance survives a
/// response that fails (<see cref="ReadResponse"/> restores its state), so a forged response cannot cancel a
/// handshake in progress. Secrets are wiped on <see cref="Dispose"/>.
/// </para>
/// </summary>
internal sealed class NoiseHandshake : IDisposable
{
    public const string ProtocolName = "Noise_IKpsk2_25519_ChaChaPoly_SHA256";

    /// <summary>HASHLEN of SHA-256 (Noise section 12.5).</summary>
    public const int HashLength = 32;
    /// <summary>DHLEN of Curve25519 (Noise section 12.1).</summary>
    public const int DhLength = 32;
    /// <summary>Cipher keys are 32 bytes (Noise section 5.1).</summary>
    public const int CipherKeyLength = 32;
    /// <summary>ChaChaPoly's authentication tag (Noise section 12.3, RFC 8439).</summary>
    public const int TagLength = 16;
    /// <summary>Pre-shared keys are 32 bytes (Noise section 9.2).</summary>
    public const int PskLength = 32;
    /// <summary>ChaChaPoly nonce: 32 zero bits then the 64-bit little-endian counter n (Noise section 12.3).</summary>
    public const int NonceLength = 12;

    private static readonly AeadAlgorithm Aead = AeadAlgorithm.ChaCha20Poly1305;
    private static readonly KeyAgreementAlgorithm Dh = KeyAgreementAlgorithm.X25519;

    private readonly bool initiator;
    private readonly KeyPair localStatic;
    private readonly System.Security.Cryptography.IncrementalHash hasher = System.Security.Cryptography.IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] chainingKey = new byte[HashLength];
    private readonly byte[] hash = new byte[HashLength];
    private readonly byte[] cipherKey = new byte[CipherKeyLength];
    private readonly byte[] remoteEphemeral = new byte[DhLength];
    private bool hasCipherKey;
    private ulong nonce;
    private Key? ephemeral;
    private X25519PublicKey? remoteStatic;
    private Step step;

    private enum Step : byte { Start, InitiationDone, ResponseDone, Failed }

    /// <summary>Length of message 1 with a payload of <paramref name="payloadLength"/> bytes: e, enc(s), enc(payload).</summary>
    public static int InitiationLength(int payloadLength) => DhLength + DhLength + TagLength + payloadLength + TagLength;

    /// <summary>Length of message 2 with a payload of <paramref name="payloadLength"/> bytes: e, enc(payload).</summary>
    public static int ResponseLength(int payloadLength) => DhLength + payloadLength + TagLength;

    private NoiseHandshake(bool initiator, KeyPair localStatic, X25519PublicKey? remoteStatic, ReadOnlySpan<byte> prologue)
    {
        this.initiator = initiator;
        this.localStatic = localStatic;
        this.remoteStatic = remoteStatic;

        // InitializeSymmetric (5.2): the name is longer than HASHLEN, so h = HASH(name); ck = h.
        Span<byte> name = stackalloc byte[ProtocolName.Length];
        Encoding.ASCII.GetBytes(ProtocolName, name);
        SHA256.HashData(name, hash);
        hash.CopyTo(chainingKey);
        MixHash(prologue);
        // pre-message pattern "<- s" (7.5): both sides hash the responder's static public key.
        MixHash(initiator ? remoteStatic!.Bytes : localStatic.PublicKey.Bytes);
    }

    public static NoiseHandshake Initiator(KeyPair localStatic, X25519PublicKey responderStatic, ReadOnlySpan<byte> prologue) =>
        new(true, localStatic, responderStatic ?? throw new ArgumentNullException(nameof(responderStatic)), prologue);

    public static NoiseHandshake Responder(KeyPair localStatic, ReadOnlySpan<byte> prologue) =>
        new(false, localStatic, null, prologue);

    /// <summary>h after the last message: the handshake hash of section 11.2 (channel binding; checked by the test vectors).</summary>
    public ReadOnlySpan<byte> HandshakeHash => hash;

    /// <summary>The initiator's static public key: given to an initiator, learnt by a responder in <see cref="ReadInitiationStatic"/>.</summary>
    public X25519PublicKey? RemoteStatic => remoteStatic;

    /// <summary>
    /// Message 1, <c>-> e, es, s, ss</c>, then the payload. <paramref name="ephemeralKey"/> is for test vectors only
    /// (ownership passes to this object); otherwise a fresh ephemeral comes from libsodium's CSPRNG.
    /// </summary>
    public DatagramStatus WriteInitiation(ReadOnlySpan<byte> payload, Span<byte> message, Key? ephemeralKey = null)
    {
        Expect(initiator && step == Step.Start);
        var length = InitiationLength(payload.Length);
        if (message.Length < length)
            throw new ArgumentException($"message 1 needs {length} bytes", nameof(message));
        step = Step.Failed;

        WriteEphemeral(message[..DhLength], ephemeralKey);
        if (!MixDh(ephemeral!, remoteStatic!.Bytes))                           // es
            return DatagramStatus.BadKey;
        EncryptAndHash(localStatic.PublicKey.Bytes, message.Slice(DhLength, DhLength + TagLength)); // s
        if (!MixDh(localStatic.PrivateKey, remoteStatic.Bytes))                 // ss
            return DatagramStatus.BadKey;
        EncryptAndHash(payload, message.Slice(2 * DhLength + TagLength, payload.Length + TagLength));
        step = Step.InitiationDone;
        return DatagramStatus.Ok;
    }

    /// <summary>
    /// The first half of reading message 1: <c>e, es, s</c>. On <see cref="DatagramStatus.Ok"/> the initiator's static
    /// key is known (one Diffie-Hellman spent) and the caller decides, before the second, whether it is allowed.
    /// </summary>
    public DatagramStatus ReadInitiationStatic(ReadOnlySpan<byte> message, out X25519PublicKey initiatorStatic)
    {
        Expect(!initiator && step == Step.Start);
        initiatorStatic = null!;
        if (message.Length < InitiationLength(0))
            return DatagramStatus.Malformed;
        step = Step.Failed;

        ReadEphemeral(message[..DhLength]);
        if (!MixDh(localStatic.PrivateKey, remoteEphemeral))                    // es
            return DatagramStatus.BadKey;
        Span<byte> staticKey = stackalloc byte[DhLength];
        if (!DecryptAndHash(message.Slice(DhLength, DhLength + TagLength), staticKey)) // s
            return DatagramStatus.BadTag;
        remoteStatic = initiatorStatic = new X25519PublicKey(staticKey);
        step = Step.Start;
        return DatagramStatus.Ok;
    }

    /// <summary>The second half of reading message 1: <c>ss</c>, then the payload into <paramref name="payload"/> (its exact length).</summary>
    public DatagramStatus ReadInitiationPayload(ReadOnlySpan<byte> message, Span<byte> payload)
    {
        Expect(!initiator && step == Step.Start && remoteStatic is not null);
        if (message.Length != InitiationLength(payload.Length))
            return DatagramStatus.Malformed;
        step = Step.Failed;
        if (!MixDh(localStatic.PrivateKey, remoteStatic!.Bytes))                // ss
            return DatagramStatus.BadKey;
        if (!DecryptAndHash(message[(2 * DhLength + TagLength)..], payload))
            return DatagramStatus.BadTag;
        step = Step.InitiationDone;
        return DatagramStatus.Ok;
    }

    /// <summary>Message 2, <c>&lt;- e, ee, se, psk</c>, then the payload. <paramref name="ephemeralKey"/> as for <see cref="WriteInitiation"/>.</summary>
    public DatagramStatus WriteResponse(ReadOnlySpan<byte> psk, ReadOnlySpan<byte> payload, Span<byte> message, Key? ephemeralKey = null)
    {
        Expect(!initiator && step == Step.InitiationDone);
        CheckPsk(psk);
        var length = ResponseLength(payload.Length);
        if (message.Length < length)
            throw new ArgumentException($"message 2 needs {length} bytes", nameof(message));
        step = Step.Failed;

        WriteEphemeral(message[..DhLength], ephemeralKey);
        if (!MixDh(ephemeral!, remoteEphemeral) || !MixDh(ephemeral!, remoteStatic!.Bytes)) // ee, se
            return DatagramStatus.BadKey;
        MixKeyAndHash(psk);
        EncryptAndHash(payload, message.Slice(DhLength, payload.Length + TagLength));
        step = Step.ResponseDone;
        return DatagramStatus.Ok;
    }

    /// <summary>
    /// Reads message 2 into <paramref name="payload"/> (its exact length). On failure the state is as it was before the
    /// call, so the genuine response can still be read.
    /// </summary>
    public DatagramStatus ReadResponse(ReadOnlySpan<byte> psk, ReadOnlySpan<byte> message, Span<byte> payload)
    {
        Expect(initiator && step == Step.InitiationDone);
        CheckPsk(psk);
        if (message.Length != ResponseLength(payload.Length))
            return DatagramStatus.Malformed;

        Span<byte> saved = stackalloc byte[2 * HashLength];
        chainingKey.CopyTo(saved);
        hash.CopyTo(saved[HashLength..]);
        try
        {
            ReadEphemeral(message[..DhLength]);
            if (!MixDh(ephemeral!, remoteEphemeral) || !MixDh(localStatic.PrivateKey, remoteEphemeral)) // ee, se
                return Restore(saved, DatagramStatus.BadKey);
            MixKeyAndHash(psk);
            if (!DecryptAndHash(message[DhLength..], payload))
                return Restore(saved, DatagramStatus.BadTag);
            step = Step.ResponseDone;
            return DatagramStatus.Ok;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(saved);
        }
    }

    /// <summary>
    /// Split (5.2): the two transport keys, first for initiator to responder, second for responder to initiator. The
    /// handshake's own secrets are wiped: this object is spent.
    /// </summary>
    public void Split(Span<byte> initiatorToResponder, Span<byte> responderToInitiator)
    {
        Expect(step == Step.ResponseDone);
        Span<byte> output = stackalloc byte[2 * HashLength];
        Hkdf(chainingKey, ReadOnlySpan<byte>.Empty, output);
        output[..CipherKeyLength].CopyTo(initiatorToResponder);
        output.Slice(HashLength, CipherKeyLength).CopyTo(responderToInitiator);
        CryptographicOperations.ZeroMemory(output);
        WipeSecrets();
        step = Step.Failed;
    }

    public void Dispose()
    {
        WipeSecrets();
        hasher.Dispose();
    }

    private void WipeSecrets()
    {
        CryptographicOperations.ZeroMemory(chainingKey);
        CryptographicOperations.ZeroMemory(cipherKey);
        hasCipherKey = false;
        ephemeral?.Dispose();
        ephemeral = null;
    }

    private DatagramStatus Restore(ReadOnlySpan<byte> saved, DatagramStatus status)
    {
        saved[..HashLength].CopyTo(chainingKey);
        saved[HashLength..].CopyTo(hash);
        // the cipher key is replaced by the next MixKey before any use, so it needs no restoring
        return status;
    }

    private static void Expect(bool ok)
    {
        if (!ok)
            throw new InvalidOperationException("Noise handshake step out of order (section 5.3: each message is written or read once, in order)");
    }

    private static void CheckPsk(ReadOnlySpan<byte> psk)
    {
        if (psk.Length != PskLength)
            throw new ArgumentException($"a pre-shared key is {PskLength} bytes (all zero when none is configured)", nameof(psk));
    }

    // Token "e" (7.1) with the psk modifier's extra MixKey(e.public_key) (9.2).
    private void WriteEphemeral(Span<byte> destination, Key? given)
    {
        ephemeral = given ?? Key.Create(Dh);
        if (!ephemeral.PublicKey.TryExport(KeyBlobFormat.RawPublicKey, destination, out _))
            throw new InvalidOperationException("ephemeral public key export failed");
        MixHash(destination[..DhLength]);
        MixKey(destination[..DhLength]);
    }

    private void ReadEphemeral(ReadOnlySpan<byte> source)
    {
        source.CopyTo(remoteEphemeral);
        MixHash(remoteEphemeral);
        MixKey(remoteEphemeral);
    }

    /// <summary>MixKey(DH(private, public)) for the tokens ee, es, se, ss; false when X25519 gives all zeros (12.1).</summary>
    private bool MixDh(Key privateKey, ReadOnlySpan<byte> publicKey)
    {
        if (!PublicKey.TryImport(Dh, publicKey, KeyBlobFormat.RawPublicKey, out var peer))
            return false;
        using var secret = Dh.Agree(privateKey, peer!, new SharedSecretCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        if (secret is null)
            return false;
        Span<byte> shared = stackalloc byte[DhLength];
        try
        {
            if (!secret.TryExport(SharedSecretBlobFormat.RawSharedSecret, shared, out _))
                return false;
            MixKey(shared);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    // SymmetricState.MixHash (5.2): h = HASH(h || data).
    private void MixHash(ReadOnlySpan<byte> data)
    {
        hasher.AppendData(hash);
        hasher.AppendData(data);
        hasher.GetHashAndReset(hash);
    }

    // SymmetricState.MixKey (5.2): ck, temp_k = HKDF(ck, ikm, 2); InitializeKey(temp_k).
    private void MixKey(ReadOnlySpan<byte> inputKeyMaterial) => MixKey(inputKeyMaterial, andHash: false);

    // SymmetricState.MixKeyAndHash (5.2), the "psk" token (9.2): ck, temp_h, temp_k = HKDF(ck, psk, 3); MixHash(temp_h).
    private void MixKeyAndHash(ReadOnlySpan<byte> inputKeyMaterial) => MixKey(inputKeyMaterial, andHash: true);

    private void MixKey(ReadOnlySpan<byte> inputKeyMaterial, bool andHash)
    {
        Span<byte> output = stackalloc byte[3 * HashLength];
        output = output[..((andHash ? 3 : 2) * HashLength)];
        Hkdf(chainingKey, inputKeyMaterial, output);
        output[..HashLength].CopyTo(chainingKey);
        if (andHash)
            MixHash(output.Slice(HashLength, HashLength));
        InitializeKey(output[^HashLength..][..CipherKeyLength]);
        CryptographicOperations.ZeroMemory(output);
    }

    // CipherState.InitializeKey (5.1).
    private void InitializeKey(ReadOnlySpan<byte> key)
    {
        key.CopyTo(cipherKey);
        hasCipherKey = true;
        nonce = 0;
    }

    // SymmetricState.EncryptAndHash (5.2) with CipherState.EncryptWithAd (5.1), ad = h.
    private void EncryptAndHash(ReadOnlySpan<byte> plaintext, Span<byte> ciphertext)
    {
        if (!hasCipherKey)
        {
            plaintext.CopyTo(ciphertext);
            MixHash(ciphertext[..plaintext.Length]);
            return;
        }
        using var key = Key.Import(Aead, cipherKey, KeyBlobFormat.RawSymmetricKey);
        Span<byte> n = stackalloc byte[NonceLength];
        WriteNonce(n, nonce++);
        Aead.Encrypt(key, n, hash, plaintext, ciphertext[..(plaintext.Length + TagLength)]);
        MixHash(ciphertext[..(plaintext.Length + TagLength)]);
    }

    // SymmetricState.DecryptAndHash (5.2): h is mixed with the ciphertext only when it authenticates.
    private bool DecryptAndHash(ReadOnlySpan<byte> ciphertext, Span<byte> plaintext)
    {
        if (!hasCipherKey)
        {
            ciphertext.CopyTo(plaintext);
            MixHash(ciphertext);
            return true;
        }
        if (ciphertext.Length != plaintext.Length + TagLength)
            return false;
        using var key = Key.Import(Aead, cipherKey, KeyBlobFormat.RawSymmetricKey);
        Span<byte> n = stackalloc byte[NonceLength];
        WriteNonce(n, nonce);
        if (!Aead.Decrypt(key, n, hash, ciphertext, plaintext))
            return false;
        nonce++;
        MixHash(ciphertext);
        return true;
    }

    /// <summary>ChaChaPoly's nonce (Noise 12.3; also WireGuard's transport nonce): 4 zero bytes, then n little-endian.</summary>
    internal static void WriteNonce(Span<byte> destination, ulong counter)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[4..], counter);
    }

    /// <summary>
    /// HKDF of Noise section 4.3: HMAC-SHA256 extracts with the chaining key as salt, then RFC 5869 expand with an empty
    /// info writes 2 or 3 outputs of HASHLEN. Written as the two halves because the library's one-call HKDF refuses
    /// the zero-length key material that Split passes.
    /// </summary>
    internal static void Hkdf(ReadOnlySpan<byte> chainingKey, ReadOnlySpan<byte> inputKeyMaterial, Span<byte> output)
    {
        Span<byte> tempKey = stackalloc byte[HashLength];
        HMACSHA256.HashData(chainingKey, inputKeyMaterial, tempKey);
        HKDF.Expand(HashAlgorithmName.SHA256, tempKey, output, ReadOnlySpan<byte>.Empty);
        CryptographicOperations.ZeroMemory(tempKey);
    }
}
