using Akka.Actor;
using Akka.Event;

namespace Gateway.Core.Actors;

/// <summary>
/// A gateway's sublink whose <c>set device</c> lists several receivers (<see cref="SublinkOptions.SilentLimit"/>): when
/// not one datagram came from the receiver it dialled within the limit, it stops, and its bundle may move on to the next
/// receiver (<see cref="Ppp.Multilink.DeviceFailover"/>). A receiver that answers anything (an LCP packet, a handshake
/// response, even garbage) is alive: LCP and the keepalive judge it from then on.
/// </summary>
public sealed partial class SublinkActor
{
    private const string SilentTimerKey = "silent";
    private bool heardAny;

    private void StartSilentTimer()
    {
        if (options.SilentLimit is { } silent)
            Timers.StartSingleTimer(SilentTimerKey, PeerSilent.Instance, silent);
    }

    private void HeardFirst()
    {
        heardAny = true;
        if (options.SilentLimit is not null)
            Timers.Cancel(SilentTimerKey);
    }

    private void OnPeerSilent()
    {
        if (heardAny)
            return;
        lastReason = $"no answer from {options.Remote} within {options.SilentLimit!.Value.TotalSeconds:0.#} s";
        Note(LogLevel.WarningLevel, "{0}: {1}", options.Name, lastReason);
        Context.Stop(Self);
    }

    /// <summary>Not one datagram from the peer within <see cref="SublinkOptions.SilentLimit"/>.</summary>
    private sealed record PeerSilent
    {
        public static PeerSilent Instance { get; } = new();
    }
}
