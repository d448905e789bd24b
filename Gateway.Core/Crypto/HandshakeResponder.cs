using System.Security.Cryptography;
using NSec.Cryptography;
using static Gateway.Core.Crypto.HandshakeMessages;

namespace Gateway.Core.Crypto;

/// <summary>What the responder made of an initiation.</summary>
/// <param name="Status"><see cref="DatagramStatus.Ok"/> (a response was written), <see cref="DatagramStatus.CookieReplySent"/>, or why it was dropped.</param>
/// <param name="ReplyLength">Bytes of the reply to send back to the source address (response or cookie reply); 0 for a drop.</param>
/// <param name="Peer">The allow-list entry of the initiator (Ok only).</param>
/// <param name="Session">The new session, not yet confirmed (Ok only); the caller adds it to its <see cref="SessionTable"/>.</param>
public readonly record struct ResponderResult(DatagramStatus Status, int ReplyLength, AllowedPeer? Peer, TransportSession? Session)
{
    internal static ResponderResult Drop(DatagramStatus status) => new(status, 0, null, null);
}

/// <summary>
/// The responding end (WireGuard 5.4.2, 5.4.3, 5.4.7): one per receiver socket and static key, stateless between
/// initiations except for what <see cref="AllowedPeer"/> entries remember. The order of checks keeps the cost of a
/// bad datagram low and its trace nil: layout; MAC1 (no DH); under load, MAC2 or a cookie reply (no DH); then the
/// first DH and the decryption of the initiator's static key, which the allow-list must know (an unknown key stops
/// here); then the second DH and the timestamp, which must be newer than the last accepted from that key; only then
/// is anything written, to the peer's entry and the reply. Not thread-safe: one actor drives it.
/// </summary>
public sealed class HandshakeResponder : IDisposable
{
    private readonly KeyPair localStatic;
    private readonly IInitiatorAllowList allowList;

    /// <param name="localStatic">Our static key pair (the caller keeps ownership).</param>
    /// <param name="allowList">Who may initiate (ppp.keys).</param>
    /// <param name="accept">The best cipher to accept when offered (<see cref="TransportCiphers.Preferred"/> when null).</param>
    public HandshakeResponder(KeyPair localStatic, IInitiatorAllowList allowList, TransportCipher? accept = null)
    {
        ArgumentNullException.ThrowIfNull(localStatic);
        ArgumentNullException.ThrowIfNull(allowList);
        this.localStatic = localStatic;
        this.allowList = allowList;
        Accept = accept ?? TransportCiphers.Preferred;
        Cookies = new CookieChecker(localStatic.PublicKey);
    }

    public CookieChecker Cookies { get; }

    /// <summary>The best cipher accepted: AEGIS-256 when the initiation offers it and this is it.</summary>
    public TransportCipher Accept { get; }

    /// <summary>
    /// Consumes an initiation received from <paramref name="sourceAddress"/>:<paramref name="sourcePort"/> (address
    /// bytes as the socket gave them, 4 or 16). <paramref name="underLoad"/> is the caller's judgement (for example,
    /// its handshake queue is long); <paramref name="localIndex"/> is the index the new session will have, used only
    /// on success. The reply, if any, is written into <paramref name="reply"/> (at least 92 bytes).
    /// </summary>
    public ResponderResult ConsumeInitiation(ReadOnlySpan<byte> datagram, ReadOnlySpan<byte> sourceAddress, ushort sourcePort,
        bool underLoad, uint localIndex, TimeSpan now, Span<byte> reply) =>
        ConsumeInitiation(datagram, sourceAddress, sourcePort, underLoad, localIndex, now, reply, ephemeralKey: null);

    internal ResponderResult ConsumeInitiation(ReadOnlySpan<byte> datagram, ReadOnlySpan<byte> sourceAddress, ushort sourcePort,
        bool underLoad, uint localIndex, TimeSpan now, Span<byte> reply, Key? ephemeralKey)
    {
        if (reply.Length < ResponseLength)
            throw new ArgumentException($"a reply needs {ResponseLength} bytes", nameof(reply));
        if (Classify(datagram) != MessageType.Initiation)
            return ResponderResult.Drop(DatagramStatus.Malformed);
        if (!Cookies.Mac1Valid(datagram, InitiationMac1Offset))
            return ResponderResult.Drop(DatagramStatus.BadMac1);
        if (underLoad && !Cookies.Mac2Valid(datagram, InitiationMac2Offset, sourceAddress, sourcePort, now))
            return new ResponderResult(DatagramStatus.CookieReplySent,
                Cookies.WriteCookieReply(datagram, sourceAddress, sourcePort, now, reply), null, null);

        using var handshake = NoiseHandshake.Responder(localStatic, Prologue);
        var noise = datagram.Slice(InitiationNoiseOffset, InitiationNoiseLength);
        var status = handshake.ReadInitiationStatic(noise, out var initiatorStatic);
        if (status != DatagramStatus.Ok)
            return ResponderResult.Drop(status);
        var peer = allowList.Find(initiatorStatic);
        if (peer is null)
            return ResponderResult.Drop(DatagramStatus.UnknownPeer);
        Span<byte> payload = stackalloc byte[Tai64N.Length];
        status = handshake.ReadInitiationPayload(noise, payload);
        if (status != DatagramStatus.Ok)
            return ResponderResult.Drop(status);
        var timestamp = Tai64N.Read(payload);
        if (peer.GreatestTimestamp is { } greatest && timestamp <= greatest)
            return ResponderResult.Drop(DatagramStatus.Replay);
        if (peer.LastInitiationAt is { } last && now - last < KeyLifetime.MinInitiationInterval)
            return ResponderResult.Drop(DatagramStatus.RateLimited);

        var cipher = CipherOf(datagram) == TransportCipher.Aegis256 && Accept == TransportCipher.Aegis256
            ? TransportCipher.Aegis256 : TransportCipher.ChaCha20Poly1305;
        WriteHeader(reply, MessageType.Response, FlagsFor(cipher));
        WriteIndex(reply, ResponseSenderOffset, localIndex);
        WriteIndex(reply, ResponseReceiverOffset, ReadIndex(datagram, InitiationSenderOffset));
        status = handshake.WriteResponse(peer.Psk, ReadOnlySpan<byte>.Empty, reply.Slice(ResponseNoiseOffset, ResponseNoiseLength), ephemeralKey);
        if (status != DatagramStatus.Ok)
            return ResponderResult.Drop(status);
        Span<byte> mac1Key = stackalloc byte[32];
        DeriveKey(LabelMac1, initiatorStatic, mac1Key);
        Mac(mac1Key, reply[..ResponseMac1Offset], reply.Slice(ResponseMac1Offset, MacLength));
        // We never hold a cookie from an initiator (only the responder is ever under load here), so MAC2 is zero.
        reply.Slice(ResponseMac2Offset, MacLength).Clear();

        Span<byte> keys = stackalloc byte[2 * NoiseHandshake.CipherKeyLength];
        TransportSession session;
        try
        {
            handshake.Split(keys[..NoiseHandshake.CipherKeyLength], keys[NoiseHandshake.CipherKeyLength..]);
            session = new TransportSession(keys[NoiseHandshake.CipherKeyLength..], keys[..NoiseHandshake.CipherKeyLength],
                localIndex, ReadIndex(datagram, InitiationSenderOffset), isInitiator: false, now, peer, cipher);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keys);
        }
        peer.GreatestTimestamp = timestamp;
        peer.LastInitiationAt = now;
        return new ResponderResult(DatagramStatus.Ok, ResponseLength, peer, session);
    }

    public void Dispose() => Cookies.Dispose();
}
