using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Ppp.Session;
using Gateway.Core.Status;
using Gateway.Core.Traffic;
using Gateway.Core.Transport;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Core.Actors;

/// <summary>What the receiver (<c>vpn-in</c>) is built from.</summary>
public sealed record ReceiverOptions
{
    /// <summary>Where sublinks arrive (<c>--listen</c>; the seed's <c>ppp 6671/udp</c>).</summary>
    public required IPEndPoint Listen { get; init; }

    /// <summary>The session of each arriving sublink: sync framing, member mode, CHAP required, MRRU, enddisc, secrets.</summary>
    public required SessionSettings MemberSession { get; init; }

    /// <summary>The template of each bundle: its name prefix and IPCP settings (our address).</summary>
    public required BundleSettings Bundle { get; init; }

    /// <summary>Addresses handed to gateways by IPCP, one per bundle (<c>set ifaddr</c>'s peer side).</summary>
    public required IReadOnlyList<IPAddress> PeerAddresses { get; init; }

    public TimeSpan? EchoPeriod { get; init; } = TimeSpan.FromSeconds(1);

    public int EchoMisses { get; init; } = 3;

    /// <summary>Half-open peers (no Network phase yet) are dropped after this.</summary>
    public TimeSpan EstablishTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Most peers (address and port) with state at once; more are counted and dropped.</summary>
    public int MaxPeers { get; init; } = 1024;

    public TrafficOptions? Traffic { get; init; } = new() { ProbesPerSecond = 0, Reflect = true };

    public IIpPacketSink? IpSink { get; init; }
}

/// <summary>
/// The receiver (ARCHITECTURE.md <c>/user/receiver</c>): one UDP socket for every sublink of every gateway. Each
/// peer address and port gets its own sublink actor (FreeBSD's inetd set-up saw only one); once a sublink has
/// authenticated, it joins the bundle of its identity (peer authname, endpoint discriminator; RFC 1990 5.1.3),
/// which is created on first use and assigned its own address. Half-open peers expire and their number is
/// bounded, so strangers at the port cost bounded memory.
/// </summary>
public sealed class ReceiverActor : ReceiveActor
{
    private readonly ReceiverOptions options;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly Dictionary<IPEndPoint, IActorRef> peers = new();
    private readonly Dictionary<IActorRef, IPEndPoint> peerOf = new();
    private readonly Dictionary<BundleIdentity, IActorRef> bundles = new();
    private readonly Dictionary<IActorRef, (BundleIdentity Identity, int Address)> bundleOf = new();
    private readonly bool[] addressInUse;
    private UdpSharedListener? listener;
    private int bundleSerial;

    public ReceiverActor(ReceiverOptions options)
    {
        this.options = options;
        addressInUse = new bool[options.PeerAddresses.Count];
        Receive<PeerDatagram>(OnPeerDatagram);
        Receive<ListenerFailed>(f => throw new SocketException((int)f.Failure.Error.SocketErrorCode));
        Receive<SublinkUp>(OnSublinkUp);
        Receive<SublinkDown>(_ => { });
        Receive<FragmentIn>(_ => DroppedBeforeJoin++);
        Receive<DirectIn>(_ => DroppedBeforeJoin++);
        Receive<Terminated>(t => OnTerminated(t.ActorRef));
        Receive<GetReceiverStatus>(_ => Sender.Tell(new ReceiverStatus(
            listener?.LocalEndPoint, peers.Count, bundles.Count, RefusedPeers, DroppedBeforeJoin, listener?.Counters ?? default)));
    }

    public long RefusedPeers { get; private set; }

    public long DroppedBeforeJoin { get; private set; }

    public static Props Props(ReceiverOptions options) => Akka.Actor.Props.Create(() => new ReceiverActor(options));

    /// <summary>Ask the receiver for its bound address and counts.</summary>
    public sealed record GetReceiverStatus
    {
        public static GetReceiverStatus Instance { get; } = new();
    }

    public sealed record ReceiverStatus(IPEndPoint? Listening, int Peers, int Bundles, long RefusedPeers, long DroppedBeforeJoin, DatagramCounters Socket);

    protected override void PreStart()
    {
        listener = new UdpSharedListener(new UdpListenerOptions { LocalEndPoint = options.Listen, MaxPeers = options.MaxPeers });
        listener.Start(new Strangers(Self));
        log.Info("receiver listening on {0}", listener.LocalEndPoint);
    }

    protected override void PostStop() => listener?.Dispose();

    private void OnPeerDatagram(PeerDatagram d)
    {
        if (peers.TryGetValue(d.From, out var known))
        {
            known.Tell(new DatagramIn(d.Datagram));
            return;
        }
        if (peers.Count >= options.MaxPeers)
        {
            RefusedPeers++;
            return;
        }
        var name = d.From.ToString();
        var sublink = new SublinkOptions(
            "vpn-in", name, options.MemberSession, SublinkTransports.ListenerPeer(listener!, d.From), $"udp {name}", d.From,
            options.EchoPeriod, options.EchoMisses, options.EstablishTimeout);
        var child = Context.ActorOf(SublinkActor.Props(sublink, Self), $"link-{peers.Count}-{Guid.NewGuid():N}");
        Context.Watch(child);
        peers[d.From] = child;
        peerOf[child] = d.From;
        child.Tell(new DatagramIn(d.Datagram));
    }

    private void OnSublinkUp(SublinkUp up)
    {
        var identity = new BundleIdentity(up.PeerName, up.Link.PeerEndpointDiscriminator ?? EndpointDiscriminator.None);
        if (!bundles.TryGetValue(identity, out var bundle))
        {
            int address = Array.IndexOf(addressInUse, false);
            if (address < 0)
            {
                up.Sublink.Tell(new Refused($"no address left for a new bundle ({identity})"));
                return;
            }
            addressInUse[address] = true;
            var name = $"{options.Bundle.Name}-{++bundleSerial}";
            var settings = options.Bundle with
            {
                Name = name,
                Ipcp = options.Bundle.Ipcp with { PeerAddress = options.PeerAddresses[address] },
            };
            bundle = Context.ActorOf(BundleActor.Props(new BundleOptions
            {
                Settings = settings,
                MemberSession = options.MemberSession,
                Adopting = true,
                EchoPeriod = options.EchoPeriod,
                Traffic = options.Traffic,
                IpSink = options.IpSink,
            }), $"bundle-{bundleSerial}");
            Context.Watch(bundle);
            bundles[identity] = bundle;
            bundleOf[bundle] = (identity, address);
            log.Info("receiver: new bundle {0} for {1}, peer address {2}", name, identity, options.PeerAddresses[address]);
        }
        bundle.Tell(new BundleActor.Adopt(up));
    }

    private void OnTerminated(IActorRef actor)
    {
        if (peerOf.Remove(actor, out var endpoint))
        {
            peers.Remove(endpoint);
            return;
        }
        if (bundleOf.Remove(actor, out var b))
        {
            bundles.Remove(b.Identity);
            addressInUse[b.Address] = false;
        }
    }

    private sealed record PeerDatagram(IPEndPoint From, byte[] Datagram);

    private sealed record ListenerFailed(DatagramPathFailure Failure);

    /// <summary>Datagrams from senders with no sublink yet (rate-bounded by the listener) and socket failures.</summary>
    private sealed class Strangers(IActorRef receiver) : IDatagramHandler
    {
        public void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress sender)
        {
            var endpoint = (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(sender);
            receiver.Tell(new PeerDatagram(endpoint, datagram.ToArray()));
        }

        public void OnFailure(DatagramPathFailure failure)
        {
            if (failure.Fatal)
                receiver.Tell(new ListenerFailed(failure));
        }
    }
}
