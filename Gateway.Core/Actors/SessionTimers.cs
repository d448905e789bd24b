using Akka.Actor;
using Gateway.Core.Ppp.Session;

namespace Gateway.Core.Actors;

/// <summary>
/// The timers of a <see cref="SessionDriver"/> run by an actor (the <see cref="ISessionPort"/> timer half): each
/// session timer as a single timer keyed by itself, the keepalive as a periodic one; the actor hands
/// <see cref="Fired"/> to <see cref="SessionDriver.TimerExpired"/> and <see cref="KeepaliveTick"/> to
/// <see cref="SessionDriver.KeepaliveTick"/>.
/// </summary>
internal sealed class SessionTimers(ITimerScheduler timers)
{
    private const string KeepaliveKey = "keepalive";

    public void Start(SessionTimer timer, TimeSpan interval) => timers.StartSingleTimer(timer, new Fired(timer), interval);

    public void Stop(SessionTimer timer) => timers.Cancel(timer);

    public void SetKeepalive(TimeSpan? period)
    {
        if (period is { } p)
            timers.StartPeriodicTimer(KeepaliveKey, KeepaliveTick.Instance, p);
        else
            timers.Cancel(KeepaliveKey);
    }

    /// <summary>Every timer of a session let go.</summary>
    public void StopAll()
    {
        foreach (var timer in Enum.GetValues<SessionTimer>())
            timers.Cancel(timer);
        timers.Cancel(KeepaliveKey);
    }

    public sealed record Fired(SessionTimer Timer);

    public sealed record KeepaliveTick
    {
        public static KeepaliveTick Instance { get; } = new();
    }
}
