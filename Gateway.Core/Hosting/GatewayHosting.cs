using Akka.Hosting;
using Gateway.Core.Actors;

namespace Gateway.Core.Hosting;

/// <summary>The actor wiring of each role, shared by the program and the tests (STYLE.md rule 10).</summary>
public static class GatewayHosting
{
    /// <summary>The gateway role: <c>/user/gateway</c> with its bundles and ISP links.</summary>
    public static AkkaConfigurationBuilder WithGatewayActors(this AkkaConfigurationBuilder builder, GatewayOptions options) =>
        builder
            .WithActors((system, registry) =>
            {
                StartScheduler(system);
                registry.Register<ActorKeys.Gateway>(system.ActorOf(GatewayActor.Props(options), "gateway"));
            });

    /// <summary>The receiver role: <c>/user/receiver</c> on its UDP port.</summary>
    public static AkkaConfigurationBuilder WithReceiverActors(this AkkaConfigurationBuilder builder, ReceiverOptions options) =>
        builder
            .WithActors((system, registry) =>
            {
                StartScheduler(system);
                registry.Register<ActorKeys.Receiver>(system.ActorOf(ReceiverActor.Props(options), "receiver"));
            });

    /// <summary>
    /// Akka's scheduler starts its clock on first use, and that first use blocks until a thread-pool thread has
    /// started the clock. When hundreds of bundle actors start at once, each one's PreStart (arming its timers) is
    /// that first use: every pool thread blocks in it while the clock's start waits in the queue behind the other
    /// actors' mailboxes, and the process crawls at the pool's thread-injection rate (1,000 simulated gateways took
    /// minutes to send their first frame). Starting it here, on the host's thread before any actor exists, avoids it.
    /// </summary>
    private static void StartScheduler(Akka.Actor.ActorSystem system) =>
        system.Scheduler.Advanced.ScheduleOnce(TimeSpan.Zero, static () => { });
}
