namespace Gateway.Core.Crypto;

/// <summary>
/// What became of one received datagram (or one attempt to seal). Every value other than <see cref="Ok"/> and
/// <see cref="CookieReplySent"/> is a drop the caller counts, as LQR counts <c>InDiscards</c>: peer bytes never raise
/// an exception here, and no rejection leaves state behind.
/// </summary>
public enum DatagramStatus : byte
{
    Ok = 0,

    /// <summary>Wrong length, unknown type or non-zero reserved bytes: nothing cryptographic was tried.</summary>
    Malformed,

    /// <summary>The receiver index names no session (transport) or no pending initiation (response, cookie reply).</summary>
    UnknownSession,

    /// <summary>The AEAD tag did not verify: forged, corrupted, or keyed for another session.</summary>
    BadTag,

    /// <summary>
    /// Already seen: a transport counter inside the window that was received before or one older than the window,
    /// or an initiation whose timestamp is not newer than the greatest one accepted from that initiator.
    /// </summary>
    Replay,

    /// <summary>
    /// The keys are past <see cref="KeyLifetime.RejectAfterTime"/> or the counter past
    /// <see cref="KeyLifetime.RejectAfterMessages"/>: nothing more is sealed or opened with them.
    /// </summary>
    Expired,

    /// <summary>MAC1 did not verify: the sender does not know our static public key. No Diffie-Hellman was computed.</summary>
    BadMac1,

    /// <summary>
    /// The responder is under load and the initiation had no valid MAC2 for its source address: a cookie reply was
    /// written instead of a response (WireGuard 5.4.7). Not an error; no Diffie-Hellman was computed.
    /// </summary>
    CookieReplySent,

    /// <summary>The initiator's static public key is not in the allow-list.</summary>
    UnknownPeer,

    /// <summary>A public key gave an all-zero X25519 result (a low-order point): refused as Noise section 12.1 allows.</summary>
    BadKey,

    /// <summary>An authentic initiation from a known peer came sooner than <see cref="KeyLifetime.MinInitiationInterval"/> after the last one.</summary>
    RateLimited,

    /// <summary>
    /// Seal only: a responder's session may not send until the initiator's first transport message confirms that the
    /// initiator holds the keys (WireGuard 6.1); the caller waits or keeps the previous session.
    /// </summary>
    NotConfirmed,
}
