namespace Gateway.Core.Crypto;

/// <summary>
/// When a session's keys must be replaced and when they must no longer be used: WireGuard's timer constants
/// (whitepaper section 6.1) and rules (6.2 to 6.4), as a pure function of the time the caller passes in (its
/// monotonic clock, the same one as every other <c>now</c> of the core) and the messages sent.
/// <para>
/// Only the initiator of a session rekeys on time: the two ends would otherwise both start a handshake at the same
/// moment. Either end rekeys on message count. A responder that hears nothing new keeps its keys until
/// <see cref="RejectAfterTime"/>, by which time the initiator, who rekeys at <see cref="RekeyOnReceiveAfterTime"/> when
/// it receives, has replaced them.
/// </para>
/// </summary>
/// <param name="CreatedAt">When the handshake completed, on the caller's monotonic clock.</param>
/// <param name="IsInitiator">Whether this end sent the initiation.</param>
public readonly record struct KeyLifetime(TimeSpan CreatedAt, bool IsInitiator)
{
    /// <summary>REKEY_AFTER_MESSAGES (6.1): 2^60.</summary>
    public const ulong RekeyAfterMessages = 1UL << 60;

    /// <summary>
    /// REJECT_AFTER_MESSAGES (6.1): 2^64 - 2^13 - 1, so the greatest counter ever used stays a whole replay ring
    /// below the top of the counter space and the window never wraps.
    /// </summary>
    public const ulong RejectAfterMessages = ulong.MaxValue - ReplayWindow.RingBits;

    /// <summary>REKEY_AFTER_TIME (6.1).</summary>
    public static readonly TimeSpan RekeyAfterTime = TimeSpan.FromSeconds(120);

    /// <summary>REJECT_AFTER_TIME (6.1).</summary>
    public static readonly TimeSpan RejectAfterTime = TimeSpan.FromSeconds(180);

    /// <summary>REKEY_ATTEMPT_TIME (6.1): a handshake retried this long without an answer is given up.</summary>
    public static readonly TimeSpan RekeyAttemptTime = TimeSpan.FromSeconds(90);

    /// <summary>REKEY_TIMEOUT (6.1): an initiation unanswered this long is sent again (with a new ephemeral).</summary>
    public static readonly TimeSpan RekeyTimeout = TimeSpan.FromSeconds(5);

    /// <summary>KEEPALIVE_TIMEOUT (6.1).</summary>
    public static readonly TimeSpan KeepaliveTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Most jitter added to <see cref="RekeyTimeout"/> (6.1: "up to 333 ms") so many peers do not retry in step.</summary>
    public static readonly TimeSpan MaxRekeyJitter = TimeSpan.FromMilliseconds(333);

    /// <summary>
    /// The initiator rekeys when it receives on keys this old (6.2: REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT -
    /// REKEY_TIMEOUT), so a session it only listens on is replaced before the responder must drop it.
    /// </summary>
    public static readonly TimeSpan RekeyOnReceiveAfterTime = RejectAfterTime - KeepaliveTimeout - RekeyTimeout;

    /// <summary>After three times <see cref="RejectAfterTime"/> with no new session, every key is wiped (6.3).</summary>
    public static readonly TimeSpan WipeAfterTime = 3 * RejectAfterTime;

    /// <summary>
    /// Initiations from one peer accepted at most this often (the Linux implementation's 50 a second): an initiation
    /// that authenticates but comes sooner is dropped, so no peer makes the responder build more responses than that.
    /// </summary>
    public static readonly TimeSpan MinInitiationInterval = TimeSpan.FromMilliseconds(20);

    public TimeSpan Age(TimeSpan now) => now - CreatedAt;

    /// <summary>After sending message number <paramref name="messagesSent"/>: start a new handshake (6.2)?</summary>
    public bool RekeyDueOnSend(TimeSpan now, ulong messagesSent) =>
        messagesSent >= RekeyAfterMessages || (IsInitiator && Age(now) >= RekeyAfterTime);

    /// <summary>After receiving on these keys: start a new handshake (6.2)?</summary>
    public bool RekeyDueOnReceive(TimeSpan now) => IsInitiator && Age(now) >= RekeyOnReceiveAfterTime;

    /// <summary>Must these keys no longer seal or open anything (6.2)?</summary>
    public bool Expired(TimeSpan now, ulong messagesSent) =>
        Age(now) >= RejectAfterTime || messagesSent >= RejectAfterMessages;

    /// <summary>Should the keys be wiped from memory altogether (6.3)?</summary>
    public bool WipeDue(TimeSpan now) => Age(now) >= WipeAfterTime;

    /// <summary>When to send the next initiation if the last one, sent at <paramref name="lastSent"/>, goes unanswered (6.4).</summary>
    public static TimeSpan NextInitiationAt(TimeSpan lastSent, TimeSpan jitter) =>
        lastSent + RekeyTimeout + TimeSpan.FromTicks(Math.Clamp(jitter.Ticks, 0, MaxRekeyJitter.Ticks));

    /// <summary>Has a handshake retried since <paramref name="firstAttempt"/> run out of time (6.4)?</summary>
    public static bool HandshakeGivenUp(TimeSpan firstAttempt, TimeSpan now) => now - firstAttempt >= RekeyAttemptTime;
}
