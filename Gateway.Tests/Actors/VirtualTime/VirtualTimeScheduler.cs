using Akka.Actor;
using Akka.Event;
using Akka.TestKit;

namespace Gateway.Tests.Actors.VirtualTime;

/// <summary>
/// Akka.TestKit's <see cref="TestScheduler"/> whose monotonic clock is its virtual one. The actors read time as
/// <c>Context.System.Scheduler.MonotonicClock</c> (the reorder timeout, the chat deadlines, the echo round trip) and
/// wait on timers the scheduler runs; <see cref="TestScheduler"/> moves its timers and <see cref="TestScheduler.Now"/>
/// only when a test calls <see cref="TestScheduler.Advance"/>, but its <c>MonotonicClock</c> is the process's, so an
/// actor would see a timer fire ten virtual seconds on while its clock said a few milliseconds had passed. Re-implementing
/// <see cref="ITimeProvider"/> here makes both clocks the one the test advances; the timers are untouched.
/// </summary>
public sealed class VirtualTimeScheduler : TestScheduler, IScheduler, ITimeProvider
{
    private readonly DateTimeOffset start;

    public VirtualTimeScheduler(Akka.Configuration.Config schedulerConfig, ILoggingAdapter log) : base(schedulerConfig, log) => start = Now;

    /// <summary>The scheduler's setting for a test's actor system.</summary>
    public const string Hocon = "akka.scheduler.implementation = \"Gateway.Tests.Actors.VirtualTime.VirtualTimeScheduler, Gateway.Tests\"";

    /// <summary>Virtual time since the actor system started: moves only with <see cref="TestScheduler.Advance"/>.</summary>
    public TimeSpan Elapsed => Now - start;

    TimeSpan ITimeProvider.MonotonicClock => Elapsed;

    TimeSpan ITimeProvider.HighResMonotonicClock => Elapsed;
}
