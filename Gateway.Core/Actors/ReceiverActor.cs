using System.Net;
using System.Buffers.Binary;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Framing;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Ppp.Session;
using Gateway.Core.Status;
using Gateway.Core.Transport;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Core.Actors;

/// <summary>
/// The receiver (<c>/user/receiver</c>): one UDP socket for every sublink of every gateway. Each
/// peer address and port gets its own sublink actor (FreeBSD's inetd set-up saw only one); once a sublink has
/// authenticated, it joins the bundle of its identity (peer authname, endpoint discriminator; RFC 1990 5.1.3),
/// which is created on first use and assigned its own address. Half-open peers expire and their number is
/// bounded, so strangers at the port cost bounded memory.
/// </summary>
/// <remarks>
/// Who may create state: only a datagram that is one sync PPP frame carrying an LCP Configure-Request
/// (protocol 0xC021, code 1, a whole 4-octet header; RFC 1661 5.1) makes a new peer, since that is how every
/// PPP link starts (RFC 1661 3.2, Establish phase). Anything else from a sender with no sublink (random bytes,
/// truncated frames, an Ack or Echo for no session, IP or MP frames) is counted and dropped on the socket's
/// thread before any allocation. Datagrams from strangers are rate-bounded per second
/// (<see cref="ReceiverOptions.MaxStrangerDatagramsPerSecond"/>), and so are the Configure-Requests among them
/// (<see cref="ReceiverOptions.MaxNewPeerRequestsPerSecond"/>, after the filter, so that junk cannot use up
/// the budget of real gateways); peers are bounded in number
/// (<see cref="ReceiverOptions.MaxPeers"/>), and a peer that has not authenticated within
/// <see cref="ReceiverOptions.EstablishTimeout"/> is dropped. A consequence: a reply that a peer sends in the
/// moment between its first Configure-Request and its sublink's registration is dropped too; the peer's
/// restart timer sends it again (RFC 1661 4.6). A source address that carries (or recently carried) a sublink that
/// authenticated has budgets of its own, and a newcomer takes the place of the oldest half-open stranger when the
/// table is full (<see cref="PeerTable{TPeer}"/>, docs/DESIGN.md "receiver admission"). What strangers cost is logged
/// as a summary every <see cref="ReceiverOptions.LogSummaryPeriod"/>, never a line each (docs/RELIABILITY.md).
/// <para>
/// With encryption (<see cref="ReceiverOptions.Encryption"/>) a handshake initiation from a listed key is the other way
/// to create state: the socket's thread runs the responder (<see cref="ReceiverHandshakes"/>: cookie replies under
/// load, so spoofed floods cost no Diffie-Hellman and no memory) and the new sublink is created sealed, its sessions
/// opened by receiver index. With <c>require</c>, a clear Configure-Request from a new sender is counted and dropped.
/// </para>
/// </remarks>
public sealed partial class ReceiverActor : ReceiveActor, IWithTimers
{
    private readonly ReceiverOptions options;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly PeerTable<IActorRef> peers;
    private readonly KnownSourceAddresses knownSources;
    private readonly ReceiverBundleTable<IActorRef, SublinkUp> bundles;
    private readonly StrangerCounters strangerCounters = new();
    private UdpSharedListener? listener;
    private ReceiverHandshakes? handshakes;
    private int bundleSerial;

    public ReceiverActor(ReceiverOptions options)
    {
        this.options = options;
        peers = new PeerTable<IActorRef>(options.MaxPeers);
        knownSources = new KnownSourceAddresses(options.KnownSourceLifetime, options.MaxPeers);
        summary = new ReceiverLogSummary(options.LogSummaryPeriod);
        bundles = new ReceiverBundleTable<IActorRef, SublinkUp>(options.PeerAddresses.Count);
        Receive<PeerDatagram>(OnPeerDatagram);
        Receive<EncryptedPeer>(OnEncryptedPeer);
        Receive<ListenerFailed>(f => throw new SocketException((int)f.Failure.Error.SocketErrorCode));
        Receive<SublinkUp>(OnSublinkUp);
        Receive<SublinkDown>(_ => { });
        Receive<SublinkActor.HalfOpenEnded>(e => halfOpenEnded[(int)e.How]++);
        Receive<FragmentIn>(_ => DroppedBeforeJoin++);
        Receive<DirectIn>(_ => DroppedBeforeJoin++);
        Receive<Terminated>(t => OnTerminated(t.ActorRef));
        Receive<SummaryTick>(_ => OnSummaryTick());
        Receive<GetBundle>(g => Sender.Tell(bundles.TryNamed(g.Name, out var named) ? named : ActorRefs.Nobody));
        Receive<GetReceiverStatus>(_ => Sender.Tell(Status()));
        Receive<GetNodeSummary>(_ => Sender.Tell(new NodeSummary(listener?.LocalEndPoint?.ToString(), peers.Count, BundleCount) { Leases = addressBook is null ? null : leases.Count }));
        ReceiveLeases();
        ReceiveSharding();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ReceiverOptions options) => Akka.Actor.Props.Create(() => new ReceiverActor(options));

    /// <summary>Ask for a bundle actor by name (<c>vpn-in-1</c>); the answer is its <see cref="IActorRef"/> or <see cref="ActorRefs.Nobody"/>.</summary>
    public sealed record GetBundle(string Name);

    protected override void PreStart()
    {
        var listenerOptions = new UdpListenerOptions
        {
            LocalEndPoint = options.Listen,
            // The actor bounds the peers; the socket's bound leaves room for evicted ones still stopping (PeerTable).
            MaxPeers = options.MaxPeers * 3,
            MaxUnexpectedPerSecond = options.MaxStrangerDatagramsPerSecond,
            MaxUnexpectedFromKnownPerSecond = options.MaxStrangerDatagramsPerSecond,
        };
        listener = options.OpenListener?.Invoke(listenerOptions) ?? new UdpSharedListener(listenerOptions);
        if (options.Encryption is { } encryption)
            handshakes = new ReceiverHandshakes(encryption, listener);
        listener.Start(new Strangers(Self, strangerCounters, options, listener.KnownSources, handshakes));
        Timers.StartPeriodicTimer(SummaryTimerKey, SummaryTick.Instance, options.LogSummaryPeriod);
        log.Info("receiver listening on {0}{1}", listener.LocalEndPoint,
            handshakes is null ? "" : $", encryption {handshakes.Mode.ToString().ToLowerInvariant()}");
    }

    protected override void PostStop()
    {
        listener?.Dispose();
        handshakes?.Dispose();
    }

    private void OnPeerDatagram(PeerDatagram d)
    {
        if (peers.TryGet(d.From, out var known))
        {
            known.Tell(new DatagramIn(d.Datagram));
            return;
        }
        // An opened packet never makes a clear peer (its sublink is gone); an evicted peer's port waits until it stopped.
        if (d.Opened || peers.IsLeaving(d.From) || !MakeRoom(d.Known))
            return;
        var child = StartSublink(d.From, d.Known, security: null);
        child.Tell(new DatagramIn(d.Datagram));
    }

    /// <summary>A handshake from a new address completed on the socket's thread: its sublink, sealed with <see cref="EncryptedPeer.Link"/>.</summary>
    private void OnEncryptedPeer(EncryptedPeer p)
    {
        // It proved a listed key: it may take a half-open stranger's place, as a known address may.
        if (peers.Contains(p.From) || peers.IsLeaving(p.From) || !MakeRoom(newcomerKnown: true))
        {
            p.Link.Dispose();
            return;
        }
        StartSublink(p.From, known: true, new SublinkSecurity.Responder(p.Link, new PeerHandshakes(handshakes!, p.Link)));
    }

    private IActorRef StartSublink(IPEndPoint from, bool known, SublinkSecurity? security)
    {
        var name = from.ToString();
        var sublink = new SublinkOptions(
            "vpn-in", name, options.MemberSession, SublinkTransports.ListenerPeer(listener!, from), $"udp {name}", from,
            options.EchoPeriod, options.EchoMisses, options.EstablishTimeout, security, QuietUntilAuthenticated: true);
        var child = Context.ActorOf(SublinkActor.Props(sublink, Self), $"link-{++PeersCreated}");
        Context.Watch(child);
        peers.Add(from, child, known);
        return child;
    }

    private void OnSublinkUp(SublinkUp up)
    {
        // Its Terminated came first (system messages overtake ordinary ones): nothing to hand over.
        if (!peers.Contains(up.Sublink))
            return;
        if (peers.Authenticated(up.Sublink) is { } from && knownSources.Authenticated(from.Address))
            PublishKnownSources();
        var identity = new BundleIdentity(up.PeerName, up.Link.PeerEndpointDiscriminator ?? EndpointDiscriminator.None);
        if (HandToCluster(up, identity))
            return;
        if (bundles.Rejoining(up.Sublink, identity) is { } left)
            Context.Stop(left);
        switch (bundles.Adopt(identity, up.Sublink, up, out var bundle))
        {
            case ReceiverBundleTable<IActorRef, SublinkUp>.Placement.Join:
                bundle!.Tell(new ReceiverBundleActor.Adopt(up));
                return;
            case ReceiverBundleTable<IActorRef, SublinkUp>.Placement.Wait:
                return; // its bundle is stopping; BundleStopped hands it to the next one
        }
        int address = ChooseAddress(identity);
        if (address < 0)
        {
            up.Sublink.Tell(new Refused($"no address left for a new bundle ({identity})"));
            return;
        }
        var name = $"{options.Bundle.Name}-{++bundleSerial}";
        var settings = options.Bundle with
        {
            Name = name,
            Ipcp = options.Bundle.Ipcp with { PeerAddress = options.PeerAddresses[address] },
        };
        bundle = Context.ActorOf(ReceiverBundleActor.Props(new BundleOptions
        {
            Settings = settings,
            MemberSession = options.MemberSession,
            EchoPeriod = options.EchoPeriod,
            DataPlane = options.DataPlane,
        }), $"bundle-{bundleSerial}");
        Context.Watch(bundle);
        bundles.Add(identity, bundle, address, name, up.Sublink);
        LeaseTaken(identity, address, live: true);
        log.Info("receiver: new bundle {0} for {1}, peer address {2}", name, identity, options.PeerAddresses[address]);
        bundle.Tell(new ReceiverBundleActor.Adopt(up));
    }

    private void OnTerminated(IActorRef actor)
    {
        if (peers.Remove(actor) is { } gone)
        {
            ForgetRelay(actor);
            if (gone.Authenticated)
                knownSources.Ended(gone.Endpoint.Address, MonotonicClock.Now);
            // The last sublink handed to its bundle: the bundle stops, and keeps its address until it has.
            if (bundles.SublinkEnded(actor) is { } last)
                Context.Stop(last);
            return;
        }
        if (ShardedBundleStopped(actor))
            return;
        var held = bundles.HeldBy(actor);
        if (bundles.BundleStopped(actor, out var waiting))
        {
            // Kept for the gateway: its bundle gets the address back wherever it forms again.
            LeaseTaken(held!.Value.Identity, held.Value.Address, live: false);
            foreach (var up in waiting)
                OnSublinkUp(up);
        }
    }

    private const byte ConfigureRequestCode = (byte)ControlCode.ConfigureRequest; // RFC 1661 5.1
    private const int ControlHeaderLength = 4;                                     // RFC 1661 5: Code, Identifier, Length

    /// <summary>One sync frame (RFC 1661 2, headers as <see cref="PppHeader"/> reads them) holding a whole LCP Configure-Request header.</summary>
    internal static bool IsLcpConfigureRequest(ReadOnlySpan<byte> datagram)
    {
        if (PppHeader.TryRead(datagram, out var frame) != PppHeaderStatus.Ok || frame.Protocol != (ushort)PppProtocol.Lcp)
            return false;
        var packet = frame.Information;
        return packet.Length >= ControlHeaderLength
               && packet[0] == ConfigureRequestCode
               && BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) is >= ControlHeaderLength and var length
               && length <= packet.Length;
    }

    private sealed record ListenerFailed(DatagramPathFailure Failure);
}
