using Akka.Actor;
using Akka.Hosting;
using Gateway.Core.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Actors;

/// <summary>
/// A generic host running one actor system built with the production wiring extensions (STYLE.md rule 10),
/// for end-to-end tests; disposed with the test.
/// </summary>
internal sealed class ActorHost : IAsyncDisposable
{
    private readonly IHost host;

    private ActorHost(IHost host)
    {
        this.host = host;
        System = host.Services.GetRequiredService<ActorSystem>();
        Registry = host.Services.GetRequiredService<ActorRegistry>();
    }

    public ActorSystem System { get; }

    public ActorRegistry Registry { get; }

    public static async Task<ActorHost> StartAsync(string name, Action<AkkaConfigurationBuilder> wire)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddAkka(name, akka =>
        {
            // GATEWAY_TEST_LOG=1 shows the actors' log lines (state changes) on the console.
            if (Environment.GetEnvironmentVariable("GATEWAY_TEST_LOG") != "1")
                akka.ConfigureLoggers(l => l.ClearLoggers());
            wire(akka);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new ActorHost(host);
    }

    public async Task<IActorRef> GetAsync<TKey>() => await Registry.GetAsync<TKey>();

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
