using Akka.Actor;
using Akka.Event;
using Gateway.Core.Actors.Messages;

namespace Gateway.Core.Actors;

/// <summary>What the gateway role runs: its bundles and the ISP links whose coming and going starts and closes sublinks.</summary>
public sealed record GatewayOptions
{
    public IReadOnlyList<BundleOptions> Bundles { get; init; } = [];

    /// <summary>The ISP links, each with the props of its modem link actor (added by the modem-link wiring).</summary>
    public IReadOnlyList<IspLinkSpec> IspLinks { get; init; } = [];
}

/// <summary>An ISP link under the gateway: its name and how to create its actor.</summary>
public sealed record IspLinkSpec(string Name, Props Props);

/// <summary>
/// The gateway root (<c>/user/gateway</c>): starts the bundles and the ISP links, and answers the operator's
/// <see cref="LinkCommand"/>s (dial, close, down) by forwarding them to the named ISP link.
/// </summary>
public sealed class GatewayActor : ReceiveActor
{
    private readonly GatewayOptions options;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly Dictionary<string, IActorRef> links = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IActorRef> bundles = new(StringComparer.Ordinal);

    public GatewayActor(GatewayOptions options)
    {
        this.options = options;
        Receive<LinkCommand>(c =>
        {
            if (links.TryGetValue(c.Link, out var link))
                link.Forward(c);
            else
                Sender.Tell(new LinkCommandResult(c.Link, c.Kind, false, $"no ISP link named '{c.Link}'"));
        });
        Receive<GetBundle>(g => Sender.Tell(bundles.TryGetValue(g.Name, out var b) ? b : ActorRefs.Nobody));
    }

    public static Props Props(GatewayOptions options) => Akka.Actor.Props.Create(() => new GatewayActor(options));

    /// <summary>Ask for a bundle actor by name; the answer is its <see cref="IActorRef"/> or <see cref="ActorRefs.Nobody"/>.</summary>
    public sealed record GetBundle(string Name);

    protected override void PreStart()
    {
        foreach (var bundle in options.Bundles)
            bundles[bundle.Settings.Name] = Context.ActorOf(BundleActor.Props(bundle), Uri.EscapeDataString(bundle.Settings.Name));
        foreach (var link in options.IspLinks)
            links[link.Name] = Context.ActorOf(link.Props, Uri.EscapeDataString(link.Name));
        log.Info("gateway: {0} bundle(s), {1} ISP link(s)", bundles.Count, links.Count);
    }
}
