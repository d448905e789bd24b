using Akka.Actor;
using Akka.Event;
using Gateway.Core.Crypto;

namespace Gateway.Core.Actors;

/// <summary>The encrypted sublink's handshakes (issue 13): initiations paced per key, retried and renewed by <see cref="KeyLifetime"/>.</summary>
public sealed partial class SublinkActor
{
    /// <summary>Starts or retries a handshake, in this key's next initiation slot (<see cref="InitiationPacer"/>).</summary>
    private void Initiate()
    {
        var now = MonotonicClock.Now;
        if (handshakes!.GivenUp(now))
        {
            lastReason = $"handshake: no answer from the receiver for {KeyLifetime.RekeyAttemptTime.TotalSeconds:0} s";
            log.Info("{0}: {1}", options.Name, lastReason);
            Context.Stop(Self);
            return;
        }
        var slot = ((SublinkSecurity.Initiator)options.Security!).Pacer.Reserve(now);
        if (slot > now)
            Timers.StartSingleTimer(HandshakeTimerKey, SendInitiation.Instance, slot - now);
        else
            SendInitiationNow(now);
    }

    private void SendInitiationNow(TimeSpan now)
    {
        if (handshakes is null || sealedTransport is null)
            return;
        var retryAt = handshakes.Send(sealedTransport, now);
        Timers.StartSingleTimer(HandshakeTimerKey, HandshakeRetry.Instance, retryAt - now);
    }

    private void OnHandshake(byte[] datagram)
    {
        if (handshakes is null || !handshakes.Receive(datagram, MonotonicClock.Now))
            return;
        HeardFromPeer();
        Timers.Cancel(HandshakeTimerKey);
        // A keepalive confirms the new keys to the receiver at once, so it may send with them (WireGuard 6.1).
        sealedTransport!.Send(ReadOnlySpan<byte>.Empty);
        log.Info("{0}: handshake complete (session {1})", options.Name, sealedLink!.Current?.LocalIndex);
        if (!pppStarted)
            StartPpp();
        Publish();
    }

    private sealed record SendInitiation
    {
        public static SendInitiation Instance { get; } = new();
    }

    private sealed record HandshakeRetry
    {
        public static HandshakeRetry Instance { get; } = new();
    }
}
