using Akka.Hosting;
using Gateway.Core.Actors;

namespace Gateway.Core.Hosting;

/// <summary>The actor wiring of each role, shared by the program and the tests (STYLE.md rule 10).</summary>
public static class GatewayHosting
{
    /// <summary>The gateway role: <c>/user/gateway</c> with its bundles and ISP links, and the status publisher.</summary>
    public static AkkaConfigurationBuilder WithGatewayActors(this AkkaConfigurationBuilder builder, GatewayOptions options) =>
        builder
            .WithStatusPublisher("gateway")
            .WithActors((system, registry) =>
                registry.Register<ActorKeys.Gateway>(system.ActorOf(GatewayActor.Props(options), "gateway")));

    /// <summary>The receiver role: <c>/user/receiver</c> on its UDP port, and the status publisher.</summary>
    public static AkkaConfigurationBuilder WithReceiverActors(this AkkaConfigurationBuilder builder, ReceiverOptions options) =>
        builder
            .WithStatusPublisher("receiver")
            .WithActors((system, registry) =>
                registry.Register<ActorKeys.Receiver>(system.ActorOf(ReceiverActor.Props(options), "receiver")));
}
