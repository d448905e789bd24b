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

    /// <summary>
    /// The tun data plane of the gateway's bundles (<c>/user/tun</c>): call after <see cref="WithGatewayActors"/>,
    /// with the same <paramref name="bridge"/> as the bundles' <see cref="BundleOptions.IpSink"/>.
    /// </summary>
    public static AkkaConfigurationBuilder WithGatewayTunBridge(this AkkaConfigurationBuilder builder, TunBridge bridge) =>
        builder.WithActors((system, registry) =>
            system.ActorOf(TunBridgeActor.ForGateway(bridge, registry.Get<ActorKeys.Gateway>()), "tun"));

    /// <summary>The tun data plane of the receiver's bundles: call after <see cref="WithReceiverActors"/>.</summary>
    public static AkkaConfigurationBuilder WithReceiverTunBridge(this AkkaConfigurationBuilder builder, TunBridge bridge) =>
        builder.WithActors((system, registry) =>
            system.ActorOf(TunBridgeActor.ForReceiver(bridge, registry.Get<ActorKeys.Receiver>()), "tun"));
}
