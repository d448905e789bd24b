using System.Net;
using Akka.Actor;
using Akka.Event;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Ppp.Multilink;

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
/// <paramref name="Policy"/> is the sublink's <c>set policy</c> (null: none); <paramref name="Alternates"/> the receivers
/// after the first of its <c>set device</c> list (null: one).
public sealed record SublinkBinding(
    string IspLink, string Bundle, string Sublink, IPEndPoint Remote, ushort LocalPort, double BytesPerSecond, MemberPolicy? Policy = null,
    IReadOnlyList<IPEndPoint>? Alternates = null);

/// <summary>
/// The gateway root (<c>/user/gateway</c>): starts the bundles and the ISP links, starts and closes sublinks as
/// ISP links come and go, and answers the operator's <see cref="LinkCommand"/>s (dial, close, down) and
/// <see cref="MemberPolicyCommand"/>s (backup, primary).
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
        Receive<MemberPolicyCommand>(OnPolicyCommand);
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
            ? new BundleMessages.StartSublink(spec)
            : new BundleMessages.StopSublink(spec.Name, "closed by the operator"));
        log.Info("gateway: operator {0} sublink {1} of {2}", command.Kind.ToString().ToLowerInvariant(), spec.Name, owners[0].Settings.Name);
        Sender.Tell(new LinkCommandResult(command.Link, command.Kind, true, command.Kind == LinkCommandKind.Dial ? "dialing" : "closed"));
        return true;
    }

    /// <summary>
    /// The operator makes a member of a bundle a backup or a primary of some priority: any sublink the configuration
    /// names for that bundle (NIC or ISP-carried), up or not; it keeps the policy until told otherwise or restarted.
    /// </summary>
    private void OnPolicyCommand(MemberPolicyCommand command)
    {
        bool known = options.Bundles.Any(b => b.Settings.Name == command.Bundle && b.Sublinks.Any(s => s.Name == command.Member))
            || options.Bindings.Any(b => b.Bundle == command.Bundle && b.Sublink == command.Member);
        if (!known || !bundles.TryGetValue(command.Bundle, out var bundle))
        {
            Sender.Tell(new MemberPolicyResult(command.Bundle, command.Member, false, $"bundle '{command.Bundle}' has no member '{command.Member}'"));
            return;
        }
        bundle.Tell(new BundleMessages.SetMemberPolicy(command.Member, command.Policy));
        log.Info("gateway: operator set member {0} of {1} to {2}", command.Member, command.Bundle, command.Policy);
        Sender.Tell(new MemberPolicyResult(command.Bundle, command.Member, true, command.Policy.ToString()));
    }

    private void OnIspLinkUp(IspMessages.IspLinkUp up)
    {
        foreach (var binding in options.Bindings.Where(b => b.IspLink == up.Name))
        {
            if (!bundles.TryGetValue(binding.Bundle, out var bundle))
                continue;
            var transport = SublinkTransports.ViaIspLink(up.Udp, binding.Remote, binding.LocalPort);
            var alternates = binding.Alternates?.Select(r => new SublinkDevice(SublinkTransports.ViaIspLink(up.Udp, r, binding.LocalPort), up.Name, r)).ToList();
            bundle.Tell(new BundleMessages.StartSublink(
                new SublinkSpec(binding.Sublink, transport, up.Name, binding.Remote, binding.BytesPerSecond, binding.Policy, alternates)));
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
