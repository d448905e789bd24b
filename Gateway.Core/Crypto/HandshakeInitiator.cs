using System.Security.Cryptography;
using NSec.Cryptography;
using static Gateway.Core.Crypto.HandshakeMessages;

namespace Gateway.Core.Crypto;

/// <summary>
/// The initiating end of one sublink's handshakes (WireGuard 5.4.2, 5.4.3, 5.4.7): writes initiations, turns the
/// matching response into a <see cref="TransportSession"/>, and keeps the cookie of a cookie reply for the MAC2 of
/// the next initiation. One instance per sublink and responder; each <see cref="WriteInitiation"/> starts a new
/// handshake (fresh ephemeral) and forgets the one before. Not thread-safe: the sublink's actor drives it.
/// </summary>
public sealed class HandshakeInitiator : IDisposable
{
    private readonly KeyPair localStatic;
    private readonly byte[] psk = new byte[NoiseHandshake.PskLength];
    private readonly byte[] responderMac1Key = new byte[32];
    private readonly byte[] ownMac1Key = new byte[32];
    private readonly byte[] lastMac1 = new byte[MacLength];
    private readonly byte[] cookie = new byte[MacLength];
    private TimeSpan? cookieReceivedAt;
    private NoiseHandshake? pending;
    private uint pendingIndex;
    private bool sentAny;

    /// <param name="localStatic">Our static key pair (the caller keeps ownership).</param>
    /// <param name="responderStatic">The responder's static public key, known beforehand (IK: "&lt;- s").</param>
    /// <param name="presharedKey">32 bytes, or empty for none (all zero, as WireGuard).</param>
    /// <param name="offer">The cipher to offer (<see cref="TransportCiphers.Preferred"/> when null): AEGIS-256 is
    /// used if the responder accepts it, ChaCha20-Poly1305 otherwise.</param>
    public HandshakeInitiator(KeyPair localStatic, X25519PublicKey responderStatic, ReadOnlySpan<byte> presharedKey = default,
        TransportCipher? offer = null)
    {
        ArgumentNullException.ThrowIfNull(localStatic);
        ArgumentNullException.ThrowIfNull(responderStatic);
        if (!presharedKey.IsEmpty && presharedKey.Length != NoiseHandshake.PskLength)
            throw new ArgumentException($"a pre-shared key is {NoiseHandshake.PskLength} bytes", nameof(presharedKey));
        this.localStatic = localStatic;
        ResponderStatic = responderStatic;
        Offer = offer ?? TransportCiphers.Preferred;
        presharedKey.CopyTo(psk);
        DeriveKey(LabelMac1, responderStatic, responderMac1Key);
        DeriveKey(LabelMac1, localStatic.PublicKey, ownMac1Key);
    }

    public X25519PublicKey ResponderStatic { get; }

    /// <summary>The cipher the initiations offer.</summary>
    public TransportCipher Offer { get; }

    /// <summary>The local index of the initiation awaiting its response, or null.</summary>
    public uint? PendingIndex => pending is null ? null : pendingIndex;

    /// <summary>Whether a cookie received from the responder is still young enough to key MAC2.</summary>
    public bool HasFreshCookie(TimeSpan now) =>
        cookieReceivedAt is { } at && now - at < CookieChecker.SecretLifetime - CookieChecker.SecretLatency && now >= at;

    /// <summary>
    /// Writes an initiation (148 bytes) into <paramref name="datagram"/> and returns its length. <paramref name="localIndex"/>
    /// is the index the response and the session's datagrams will be addressed to (the caller picks one its
    /// <see cref="SessionTable"/> does not use); <paramref name="timestamp"/> must grow from one initiation to the next.
    /// </summary>
    public int WriteInitiation(uint localIndex, Tai64N timestamp, TimeSpan now, Span<byte> datagram) =>
        WriteInitiation(localIndex, timestamp, now, datagram, ephemeralKey: null);

    internal int WriteInitiation(uint localIndex, Tai64N timestamp, TimeSpan now, Span<byte> datagram, Key? ephemeralKey)
    {
        if (datagram.Length < InitiationLength)
            throw new ArgumentException($"an initiation needs {InitiationLength} bytes", nameof(datagram));
        pending?.Dispose();
        pending = null;

        var handshake = NoiseHandshake.Initiator(localStatic, ResponderStatic, Prologue);
        Span<byte> payload = stackalloc byte[Tai64N.Length];
        timestamp.Write(payload);
        WriteHeader(datagram, MessageType.Initiation, FlagsFor(Offer));
        WriteIndex(datagram, InitiationSenderOffset, localIndex);
        var status = handshake.WriteInitiation(payload, datagram.Slice(InitiationNoiseOffset, InitiationNoiseLength), ephemeralKey);
        if (status != DatagramStatus.Ok)
        {
            // Only a responder public key of low order gets here: a configuration error, not peer input.
            handshake.Dispose();
            throw new CryptographicException($"the responder public key {ResponderStatic} is not usable (X25519 gives zero)");
        }
        var mac1 = datagram.Slice(InitiationMac1Offset, MacLength);
        Mac(responderMac1Key, datagram[..InitiationMac1Offset], mac1);
        mac1.CopyTo(lastMac1);
        var mac2 = datagram.Slice(InitiationMac2Offset, MacLength);
        if (HasFreshCookie(now))
            Mac(cookie, datagram[..InitiationMac2Offset], mac2);
        else
            mac2.Clear();

        pending = handshake;
        pendingIndex = localIndex;
        sentAny = true;
        return InitiationLength;
    }

    /// <summary>
    /// Consumes a response. On <see cref="DatagramStatus.Ok"/>, <paramref name="session"/> holds the new keys
    /// (initiator: confirmed, may send at once; send a keepalive when there is nothing else, so the responder may
    /// send too). Any other status leaves the pending handshake as it was.
    /// </summary>
    public DatagramStatus ConsumeResponse(ReadOnlySpan<byte> datagram, TimeSpan now, out TransportSession? session)
    {
        session = null;
        if (Classify(datagram) != MessageType.Response)
            return DatagramStatus.Malformed;
        if (pending is null || ReadIndex(datagram, ResponseReceiverOffset) != pendingIndex)
            return DatagramStatus.UnknownSession;
        var cipher = CipherOf(datagram);
        if (cipher != TransportCipher.ChaCha20Poly1305 && cipher != Offer)
            return DatagramStatus.Malformed; // a cipher we did not offer
        // The response's MAC1 is keyed by our own public key: the responder proves it knows whom it answers.
        if (!VerifyMac(ownMac1Key, datagram[..ResponseMac1Offset], datagram.Slice(ResponseMac1Offset, MacLength)))
            return DatagramStatus.BadMac1;
        var status = pending.ReadResponse(psk, datagram.Slice(ResponseNoiseOffset, ResponseNoiseLength), Span<byte>.Empty);
        if (status != DatagramStatus.Ok)
            return status;

        Span<byte> keys = stackalloc byte[2 * NoiseHandshake.CipherKeyLength];
        try
        {
            pending.Split(keys[..NoiseHandshake.CipherKeyLength], keys[NoiseHandshake.CipherKeyLength..]);
            session = new TransportSession(keys[..NoiseHandshake.CipherKeyLength], keys[NoiseHandshake.CipherKeyLength..],
                pendingIndex, ReadIndex(datagram, ResponseSenderOffset), isInitiator: true, now, cipher: cipher);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keys);
            pending.Dispose();
            pending = null;
        }
        return DatagramStatus.Ok;
    }

    /// <summary>
    /// Consumes a cookie reply to our latest initiation: its cookie keys MAC2 of the initiations written in the next
    /// <see cref="CookieChecker.SecretLifetime"/> minus <see cref="CookieChecker.SecretLatency"/>. WireGuard does not
    /// resend at once: the next initiation goes when the retransmission timer (<see cref="KeyLifetime.RekeyTimeout"/>) fires.
    /// </summary>
    public DatagramStatus ConsumeCookieReply(ReadOnlySpan<byte> datagram, TimeSpan now)
    {
        if (Classify(datagram) != MessageType.CookieReply)
            return DatagramStatus.Malformed;
        if (!sentAny || ReadIndex(datagram, CookieReplyReceiverOffset) != pendingIndex)
            return DatagramStatus.UnknownSession;
        Span<byte> received = stackalloc byte[MacLength];
        if (!CookieChecker.TryOpenCookie(datagram, ResponderStatic, lastMac1, received))
            return DatagramStatus.BadTag;
        received.CopyTo(cookie);
        CryptographicOperations.ZeroMemory(received);
        cookieReceivedAt = now;
        return DatagramStatus.Ok;
    }

    public void Dispose()
    {
        pending?.Dispose();
        pending = null;
        CryptographicOperations.ZeroMemory(psk);
        CryptographicOperations.ZeroMemory(cookie);
    }
}
