using Akka.Actor;

namespace Gateway.Core.Actors;

/// <summary>
/// Frames a member link receives between reaching the Network phase and its bundle's <see cref="JoinedBundle"/>: on
/// a receiver the bundle is found or made only after authentication, an actor hop away, and the peer's bundle sends
/// its first IPCP (and CCP, IPV6CP) Configure-Request the moment its own side of the link is up. Dropped, that
/// request costs the bundle a restart timer (3 s) before IP flows. Up to <see cref="Limit"/> such frames are held and
/// handed to the bundle, in order, when it takes the link; more, or any after the link left the bundle, go where
/// they went before (counted there).
/// </summary>
internal sealed class FramesBeforeJoin
{
    /// <summary>A few NCP requests and the first fragments; a peer that sends more before the join is not waited for.</summary>
    public const int Limit = 8;

    private readonly List<object> held = [];
    private bool joined;

    /// <summary>Keeps <paramref name="message"/> until the join; false when the link has joined or the hold is full.</summary>
    public bool TryHold(object message)
    {
        if (joined || held.Count >= Limit)
            return false;
        held.Add(message);
        return true;
    }

    /// <summary>The bundle took the link: what was held goes to it, oldest first.</summary>
    public void Join(IActorRef bundle, IActorRef member)
    {
        joined = true;
        foreach (var message in held)
            bundle.Tell(message, member);
        held.Clear();
    }

    /// <summary>The link left the Network phase: until the next join, frames are held again (and stale ones forgotten).</summary>
    public void Leave()
    {
        joined = false;
        held.Clear();
    }
}
