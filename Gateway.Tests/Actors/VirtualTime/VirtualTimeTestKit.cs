using Akka.Actor;
using Akka.TestKit;
using Xunit.Abstractions;

namespace Gateway.Tests.Actors.VirtualTime;

/// <summary>
/// A test kit whose actor system runs on <see cref="VirtualTimeScheduler"/>: timers fire, and the actors' clock moves,
/// only when the test calls <see cref="Advance"/>. Wall-clock waits are left for what really runs on threads (a line
/// reader, a modem emulator) and always wait on a condition, never for a time to pass.
/// </summary>
public abstract class VirtualTimeTestKit(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit("akka.loglevel = INFO\n" + VirtualTimeScheduler.Hocon, output)
{
    /// <summary>How long a wall-clock wait for a thread's work may take before the test fails (never waited out when it passes).</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    protected VirtualTimeScheduler Clock => (VirtualTimeScheduler)Sys.Scheduler;

    /// <summary>
    /// Moves virtual time on by <paramref name="by"/>: every timer due by then is told to its actor (a periodic one once
    /// per call, as <see cref="Akka.TestKit.TestScheduler"/> does: advance a period at a time to see each tick).
    /// </summary>
    protected void Advance(TimeSpan by) => Clock.Advance(by);

    /// <summary>A probe that hears the events of <paramref name="types"/> the actor system publishes.</summary>
    protected TestProbe EventsOf(params Type[] types)
    {
        var probe = CreateTestProbe();
        foreach (var type in types)
            Sys.EventStream.Subscribe(probe.Ref, type);
        return probe;
    }

    /// <summary>
    /// Asks <paramref name="actor"/> and waits on the wall clock for the answer: what was told to it before (a timer
    /// that fired in <see cref="Advance"/>) has been handled when this returns. Not the actor system's Ask timeout,
    /// which runs on the virtual scheduler and would never expire.
    /// </summary>
    protected T Query<T>(IActorRef actor, object message) => actor.Ask<T>(message).WaitAsync(Patience).GetAwaiter().GetResult();

    /// <summary>
    /// <paramref name="parent"/>'s child <paramref name="name"/>, or null when it has none: a child made by a message the
    /// parent handled before a <see cref="Query{T}"/> returned is there, one whose stop it has been told of is not.
    /// </summary>
    protected IActorRef? Child(IActorRef parent, string name) =>
        Sys.ActorSelection(parent.Path / name).Ask<ActorIdentity>(new Identify(null)).WaitAsync(Patience).GetAwaiter().GetResult().Subject;
}
