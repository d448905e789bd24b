using Gateway.Core.Crypto;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Session;
using Gateway.Core.Status;
using LinkCounters = Gateway.Core.Status.LinkCounters;

namespace Gateway.Core.Actors;

/// <summary>What the sublink shows: its state, keepalive quality, counters and encryption, published on the event stream.</summary>
public sealed partial class SublinkActor
{
    private void Publish()
    {
        if (!MayPublish())
            return;
        var state = session.Phase switch
        {
            LinkPhase.Network => SublinkState.Open,
            LinkPhase.Authenticate => SublinkState.Authenticating,
            LinkPhase.Establish when session.LcpState != FsmState.Initial => SublinkState.Lcp,
            _ => SublinkState.Closed,
        };
        var quality = QualityStatus.Of(driver.Keepalive);
        var routed = datagrams?.Routed ?? default;
        long allOctetsIn = octetsIn + routed.Octets, allOctetsOut = octetsOut + (dataPath?.OctetsOut ?? 0);
        rates.Sample(allOctetsIn, allOctetsOut, MonotonicClock.Now);
        var counters = new LinkCounters(allOctetsIn, allOctetsOut, framesIn + routed.Frames, framesOut + (dataPath?.FramesOut ?? 0), session.FramingCounters.InErrors,
            rates.BitsPerSecondIn, rates.BitsPerSecondOut);
        Context.System.EventStream.Publish(new SublinkChanged(new SublinkStatus(
            bundleName, options.Name, options.Carrier, state, peerName, quality, lastReason, counters)
        {
            QueueDrops = datagrams?.Lane.Dropped ?? 0,
            Remote = options.Remote?.ToString(),
            Encryption = sealedLink is null
                ? EncryptionStatus.Clear
                : new EncryptionStatus(true, sealedLink.IsEstablished, sealedLink.Current?.Lifetime.Age(MonotonicClock.Now).TotalSeconds,
                    sealedLink.Rejected, sealedLink.SealDropped)
                {
                    Cipher = sealedLink.Current is { } keys ? TransportCiphers.Name(keys.Cipher) : null,
                },
        }));
    }

    private void OnStatsTick()
    {
        var now = MonotonicClock.Now;
        sealedLink?.ExpireOld(now);
        if (handshakes?.RekeyDue(now) == true && !Timers.IsTimerActive(HandshakeTimerKey))
            Initiate();
        Publish();
    }
}
