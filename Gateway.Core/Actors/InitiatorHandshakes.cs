using Gateway.Core.Crypto;

namespace Gateway.Core.Actors;

/// <summary>
/// Spaces the initiations of every sublink that shares one static key. The receiver remembers, per key, the greatest
/// timestamp and the time of the last initiation it accepted (WireGuard 5.1; at most one per
/// <see cref="KeyLifetime.MinInitiationInterval"/>): a bundle's sublinks all starting at once would otherwise send
/// initiations with the same timestamp (its granularity is 2^24 ns) and all but one would be dropped as replays. Each
/// initiation gets a slot <see cref="Spacing"/> after the one before and a timestamp greater than the one before.
/// </summary>
public sealed class InitiationPacer
{
    /// <summary>More than the receiver's interval and the timestamp's granularity, with room for paths of unequal delay.</summary>
    public static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(50);

    private readonly Lock gate = new();
    private TimeSpan lastSlot = TimeSpan.MinValue;

    /// <summary>The monotonic time at which the next initiation may go (now or later).</summary>
    public TimeSpan Reserve(TimeSpan now)
    {
        lock (gate)
        {
            lastSlot = lastSlot == TimeSpan.MinValue || now >= lastSlot + Spacing ? now : lastSlot + Spacing;
            return lastSlot;
        }
    }
}

/// <summary>
/// The initiating end of one gateway sublink's handshakes (WireGuard 5.4.2, 6.1-6.4), driven by its actor: a first
/// handshake before LCP starts, an initiation sent again every <see cref="KeyLifetime.RekeyTimeout"/> (plus jitter)
/// while unanswered, a new handshake when the keys are due (time or count), and a cookie kept for MAC2 when the
/// receiver is under load. Not thread-safe: the sublink actor's thread only.
/// </summary>
internal sealed class InitiatorHandshakes : IDisposable
{
    private readonly HandshakeInitiator initiator;
    private readonly SealedLink link;
    private readonly byte[] initiation = new byte[HandshakeMessages.InitiationLength];
    private TimeSpan? firstAttempt;
    private Tai64N lastTimestamp;

    public InitiatorHandshakes(SublinkSecurity.Initiator keys, SealedLink link)
    {
        initiator = new HandshakeInitiator(keys.LocalStatic, keys.ResponderStatic);
        this.link = link;
    }

    /// <summary>A handshake is under way (sent, not yet answered).</summary>
    public bool Pending => firstAttempt is not null;

    /// <summary>Has the handshake under way been retried for <see cref="KeyLifetime.RekeyAttemptTime"/> without an answer?</summary>
    public bool GivenUp(TimeSpan now) => firstAttempt is { } first && KeyLifetime.HandshakeGivenUp(first, now);

    /// <summary>Should a new handshake start (none under way, and the keys are due by time or count)?</summary>
    public bool RekeyDue(TimeSpan now) =>
        !Pending && link.Current is { } session && (session.RekeyDueOnSend(now) || session.RekeyDueOnReceive(now));

    /// <summary>Writes and sends a new initiation (fresh ephemeral, fresh index); returns when to send it again if unanswered.</summary>
    public TimeSpan Send(SealedTransport transport, TimeSpan now)
    {
        firstAttempt ??= now;
        uint index = (uint)Random.Shared.NextInt64(1, uint.MaxValue);
        var timestamp = Tai64N.FromDateTimeOffset(DateTimeOffset.UtcNow);
        if (timestamp <= lastTimestamp)
            timestamp = lastTimestamp with { Nanoseconds = lastTimestamp.Nanoseconds + Tai64N.NanosecondGranularity };
        lastTimestamp = timestamp;
        int length = initiator.WriteInitiation(index, timestamp, now, initiation);
        transport.SendClear(initiation.AsSpan(0, length));
        return KeyLifetime.NextInitiationAt(now, TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)KeyLifetime.MaxRekeyJitter.TotalMilliseconds + 1)));
    }

    /// <summary>
    /// A handshake datagram from the receiver: a response completes the handshake (the new session is installed and
    /// true returned), a cookie reply keys the next initiation's MAC2. Anything else is counted and dropped.
    /// </summary>
    public bool Receive(ReadOnlySpan<byte> datagram, TimeSpan now)
    {
        DatagramStatus status;
        switch (HandshakeMessages.Classify(datagram))
        {
            case MessageType.Response:
                status = initiator.ConsumeResponse(datagram, now, out var session);
                if (status == DatagramStatus.Ok)
                {
                    firstAttempt = null;
                    return link.Install(session!);
                }
                break;
            case MessageType.CookieReply:
                status = initiator.ConsumeCookieReply(datagram, now);
                break;
            default:
                status = DatagramStatus.Malformed;
                break;
        }
        if (status != DatagramStatus.Ok)
            link.Count(status);
        return false;
    }

    public void Dispose() => initiator.Dispose();
}
