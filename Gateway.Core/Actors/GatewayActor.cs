using System.Net;
using Akka.Actor;
using Akka.Event;
using Gateway.Core.Actors.Messages;

namespace Gateway.Core.Actors;

/// <summary>What the gateway role runs: its bundles, its ISP links, and which sublink each ISP link carries.</summary>
public sealed record GatewayOptions
{
    public IReadOnlyList<BundleOptions> Bundles { get; init; } = [];

    /// <summary>The ISP links, each with the props of its modem link actor.</summary>
    public IReadOnlyList<IspLinkSpec> IspLinks { get; init; } = [];

    /// <summary>ppp.linkup / ppp.linkdown: which sublink of which bundle starts when an ISP link comes up.</summary>
    public IReadOnlyList<SublinkBinding> Bindings { get; init; } = [];
}

/// <summary>An ISP link under the gateway: its name and how to create its actor.</summary>
public sealed record IspLinkSpec(string Name, Props Props);

/// <summary>
/// The seed's <c>isp1: !bg ppp -background vpn1 vpn</c> and <c>!bg pppctl ... link 1 close</c>: when ISP link
/// <paramref name="IspLink"/> comes up, sublink <paramref name="Sublink"/> of <paramref name="Bundle"/> starts over it
/// (UDP from MYADDR:<paramref name="LocalPort"/> to <paramref name="Remote"/>); when it goes down, the sublink closes at once.
/// </summary>
public sealed record SublinkBinding(string IspLink, string Bundle, string Sublink, IPEndPoint Remote, ushort LocalPort, double BytesPerSecond);

/// <summary>
/// The gateway root (<c>/user/gateway</c>): starts the bundles and the ISP links, starts and closes sublinks as
/// ISP links come and go, and answers the operator's <see cref="LinkCommand"/>s (dial, close, down).
/// </summary>
public sealed class GatewayActor : ReceiveActor, IWithTimers
{
    /// <summary>How long a graceful close leaves the sublinks to send their LCP Terminate-Requests.</summary>
    public static readonly TimeSpan SublinkGoodbye = TimeSpan.FromMilliseconds(250);

    private readonly GatewayOptions options;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly Dictionary<string, IActorRef> links = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IActorRef> bundles = new(StringComparer.Ordinal);

    public GatewayActor(GatewayOptions options)
    {
        this.options = options;
        Receive<LinkCommand>(OnCommand);
        Receive<IspMessages.IspLinkUp>(OnIspLinkUp);
        Receive<IspMessages.IspLinkDown>(d => OnIspLinkGone(d.Name, d.Reason));
        Receive<IspMessages.IspLinkGaveUp>(g => OnIspLinkGone(g.Name, g.Reason));
        Receive<CloseLater>(c =>
        {
            if (links.TryGetValue(c.Link, out var link))
                link.Tell(IspMessages.Close.Instance);
        });
        Receive<GetBundle>(g => Sender.Tell(bundles.TryGetValue(g.Name, out var b) ? b : ActorRefs.Nobody));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record CloseLater(string Link);

    public static Props Props(GatewayOptions options) => Akka.Actor.Props.Create(() => new GatewayActor(options));

    /// <summary>Ask for a bundle actor by name; the answer is its <see cref="IActorRef"/> or <see cref="ActorRefs.Nobody"/>.</summary>
    public sealed record GetBundle(string Name);

    protected override void PreStart()
    {
        foreach (var bundle in options.Bundles)
            bundles[bundle.Settings.Name] = Context.ActorOf(GatewayBundleActor.Props(bundle), Uri.EscapeDataString(bundle.Settings.Name));
        if (options.Bindings.Count > 0)
        {
            Context.System.EventStream.Subscribe(Self, typeof(IspMessages.IspLinkUp));
            Context.System.EventStream.Subscribe(Self, typeof(IspMessages.IspLinkDown));
            Context.System.EventStream.Subscribe(Self, typeof(IspMessages.IspLinkGaveUp));
        }
        foreach (var link in options.IspLinks)
            links[link.Name] = Context.ActorOf(link.Props, Uri.EscapeDataString(link.Name));
        log.Info("gateway: {0} bundle(s), {1} ISP link(s)", bundles.Count, links.Count);
    }

    private void OnCommand(LinkCommand command)
    {
        if (!links.TryGetValue(command.Link, out var link))
        {
            if (!OnNicSublinkCommand(command))
                Sender.Tell(new LinkCommandResult(command.Link, command.Kind, false, $"no ISP link named '{command.Link}'"));
            return;
        }
        if (command.Kind == LinkCommandKind.Close && options.Bindings.Any(b => b.IspLink == command.Link))
        {
            // A graceful close: the sublinks over this ISP link say goodbye (LCP Terminate) while it still carries
            // them, so the receiver drops them at once instead of waiting for its keepalive; the ISP link closes a
            // moment later, once the Terminate-Requests are on the line.
            OnIspLinkGone(command.Link, "closed by the operator");
            Timers.StartSingleTimer(("close", command.Link), new CloseLater(command.Link), SublinkGoodbye);
        }
        else
        {
            // A later command wins over a close still waiting for its sublinks' goodbye.
            Timers.Cancel(("close", command.Link));
            link.Tell(command.Kind switch
            {
                LinkCommandKind.Dial => IspMessages.Dial.Instance,
                LinkCommandKind.Close => IspMessages.Close.Instance,
                _ => IspMessages.Down.Instance,
            });
        }
        log.Info("gateway: operator {0} {1}", command.Kind.ToString().ToLowerInvariant(), command.Link);
        Sender.Tell(new LinkCommandResult(command.Link, command.Kind, true, command.Kind switch
        {
            LinkCommandKind.Dial => "dialing",
            LinkCommandKind.Close => "closed",
            _ => "down",
        }));
    }

    /// <summary>
    /// NIC mode (<c>vpn-nic</c>) has no ISP links: there the operator's commands name a sublink (<c>1</c>, <c>2</c>, ...),
    /// as FreeBSD's <c>link 2 close</c> / <c>link 2 dial</c> would. <c>close</c> and <c>down</c> close it gracefully (LCP
    /// Terminate, so the receiver drops it at once) and it stays down; <c>dial</c> starts it again. False when no
    /// bundle has a NIC sublink of that name.
    /// </summary>
    private bool OnNicSublinkCommand(LinkCommand command)
    {
        var owners = options.Bundles.Where(b => b.Sublinks.Any(s => s.Name == command.Link)).ToList();
        if (owners.Count != 1 || !bundles.TryGetValue(owners[0].Settings.Name, out var bundle))
            return false;
        var spec = owners[0].Sublinks.First(s => s.Name == command.Link);
        bundle.Tell(command.Kind == LinkCommandKind.Dial
            ? new BundleMessages.StartSublink(spec.Name, spec.Transport, spec.Remote, spec.Carrier, spec.BytesPerSecond)
            : new BundleMessages.StopSublink(spec.Name, "closed by the operator"));
        log.Info("gateway: operator {0} sublink {1} of {2}", command.Kind.ToString().ToLowerInvariant(), spec.Name, owners[0].Settings.Name);
        Sender.Tell(new LinkCommandResult(command.Link, command.Kind, true, command.Kind == LinkCommandKind.Dial ? "dialing" : "closed"));
        return true;
    }

    private void OnIspLinkUp(IspMessages.IspLinkUp up)
    {
        foreach (var binding in options.Bindings.Where(b => b.IspLink == up.Name))
        {
            if (!bundles.TryGetValue(binding.Bundle, out var bundle))
                continue;
            var transport = SublinkTransports.ViaIspLink(up.Udp, binding.Remote, binding.LocalPort);
            bundle.Tell(new BundleMessages.StartSublink(binding.Sublink, transport, binding.Remote, up.Name, binding.BytesPerSecond));
        }
    }

    private void OnIspLinkGone(string name, string reason)
    {
        foreach (var binding in options.Bindings.Where(b => b.IspLink == name))
        {
            if (bundles.TryGetValue(binding.Bundle, out var bundle))
                bundle.Tell(new BundleMessages.StopSublink(binding.Sublink, $"{name} down: {reason}"));
        }
    }
}
