using Akka.Hosting;
using Gateway.Core.Actors;

namespace Gateway.Core.Hosting;

public static class StatusHosting
{
    /// <summary>Starts <c>/user/status</c>, which keeps the current picture for new clients, under <see cref="ActorKeys.Status"/>.</summary>
    public static AkkaConfigurationBuilder WithStatusPublisher(this AkkaConfigurationBuilder builder, string role) =>
        builder.WithActors((system, registry) =>
        {
            // One publisher per actor system, whichever roles share it.
            if (registry.TryGet<ActorKeys.Status>(out _))
                return;
            var publisher = system.ActorOf(StatusPublisher.Props(role), "status");
            // Subscribed here, synchronously, so no event of the actors started after it is missed.
            system.EventStream.Subscribe(publisher, typeof(Status.StatusEvent));
            registry.Register<ActorKeys.Status>(publisher);
        });
}
