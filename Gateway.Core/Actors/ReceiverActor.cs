using System.Net;
using System.Net.Sockets;
using System.Buffers.Binary;
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
/// restart timer sends it again (RFC 1661 4.6).
/// <para>
/// With encryption (<see cref="ReceiverOptions.Encryption"/>) a handshake initiation from a listed key is the other way
/// to create state: the socket's thread runs the responder (<see cref="ReceiverHandshakes"/>: cookie replies under
/// load, so spoofed floods cost no Diffie-Hellman and no memory) and the new sublink is created sealed, its sessions
/// opened by receiver index. With <c>require</c>, a clear Configure-Request from a new sender is counted and dropped.
/// </para>
/// </remarks>
public sealed class ReceiverActor : ReceiveActor
{
    private readonly ReceiverOptions options;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly Dictionary<IPEndPoint, IActorRef> peers = new();
    private readonly Dictionary<IActorRef, IPEndPoint> peerOf = new();
    private readonly Dictionary<BundleIdentity, IActorRef> bundles = new();
    private readonly Dictionary<IActorRef, (BundleIdentity Identity, int Address, string Name)> bundleOf = new();
    private readonly Dictionary<string, IActorRef> bundleNamed = new(StringComparer.Ordinal);
    private readonly bool[] addressInUse;
    private readonly StrangerCounters strangerCounters = new();
    private UdpSharedListener? listener;
    private ReceiverHandshakes? handshakes;
    private int bundleSerial;

    public ReceiverActor(ReceiverOptions options)
    {
        this.options = options;
        addressInUse = new bool[options.PeerAddresses.Count];
        Receive<PeerDatagram>(OnPeerDatagram);
        Receive<EncryptedPeer>(OnEncryptedPeer);
        Receive<ListenerFailed>(f => throw new SocketException((int)f.Failure.Error.SocketErrorCode));
        Receive<SublinkUp>(OnSublinkUp);
        Receive<SublinkDown>(_ => { });
        Receive<FragmentIn>(_ => DroppedBeforeJoin++);
        Receive<DirectIn>(_ => DroppedBeforeJoin++);
        Receive<Terminated>(t => OnTerminated(t.ActorRef));
        Receive<GetBundle>(g => Sender.Tell(bundleNamed.GetValueOrDefault(g.Name) ?? ActorRefs.Nobody));
        Receive<GetReceiverStatus>(_ => Sender.Tell(new ReceiverStatus(
            listener?.LocalEndPoint, peers.Count, bundles.Count, RefusedPeers, DroppedBeforeJoin,
            Volatile.Read(ref strangerCounters.NotConfigureRequest), Volatile.Read(ref strangerCounters.RateLimited), PeersCreated,
            listener?.Counters ?? default) { Encryption = handshakes?.Status }));
    }

    public long RefusedPeers { get; private set; }

    public long DroppedBeforeJoin { get; private set; }

    public long PeersCreated { get; private set; }

    public static Props Props(ReceiverOptions options) => Akka.Actor.Props.Create(() => new ReceiverActor(options));

    /// <summary>Ask for a bundle actor by name (<c>vpn-in-1</c>); the answer is its <see cref="IActorRef"/> or <see cref="ActorRefs.Nobody"/>.</summary>
    public sealed record GetBundle(string Name);

    /// <summary>Ask the receiver for its bound address and counts.</summary>
    public sealed record GetReceiverStatus
    {
        public static GetReceiverStatus Instance { get; } = new();
    }

    /// <summary>The receiver's counts.</summary>
    /// <param name="Listening">The bound address and port.</param>
    /// <param name="Peers">Peers (address and port) with a sublink now.</param>
    /// <param name="Bundles">Bundles now.</param>
    /// <param name="RefusedPeers">Would-be peers turned away because <see cref="ReceiverOptions.MaxPeers"/> were there.</param>
    /// <param name="DroppedBeforeJoin">Multilink or IP frames from a sublink that had not joined a bundle.</param>
    /// <param name="IgnoredStrangerDatagrams">Datagrams from senders with no sublink that were not an LCP Configure-Request.</param>
    /// <param name="RateLimitedRequests">Configure-Requests from senders with no sublink dropped by <see cref="ReceiverOptions.MaxNewPeerRequestsPerSecond"/>.</param>
    /// <param name="PeersCreated">Sublinks created since the start.</param>
    /// <param name="Socket">The shared socket's counters (unexpected senders, rate-bound drops).</param>
    public sealed record ReceiverStatus(
        IPEndPoint? Listening, int Peers, int Bundles, long RefusedPeers, long DroppedBeforeJoin,
        long IgnoredStrangerDatagrams, long RateLimitedRequests, long PeersCreated, DatagramCounters Socket)
    {
        /// <summary>The handshakes' figures; null without encryption.</summary>
        public ReceiverEncryptionStatus? Encryption { get; init; }
    }

    protected override void PreStart()
    {
        var listenerOptions = new UdpListenerOptions
        {
            LocalEndPoint = options.Listen,
            MaxPeers = options.MaxPeers,
            MaxUnexpectedPerSecond = options.MaxStrangerDatagramsPerSecond,
        };
        listener = options.OpenListener?.Invoke(listenerOptions) ?? new UdpSharedListener(listenerOptions);
        if (options.Encryption is { } encryption)
            handshakes = new ReceiverHandshakes(encryption, listener);
        listener.Start(new Strangers(Self, strangerCounters, options.MaxNewPeerRequestsPerSecond, handshakes));
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
        if (peers.TryGetValue(d.From, out var known))
        {
            known.Tell(new DatagramIn(d.Datagram));
            return;
        }
        if (d.Opened)
            return; // its sublink is gone: an opened packet never makes a clear peer
        if (peers.Count >= options.MaxPeers)
        {
            RefusedPeers++;
            return;
        }
        var name = d.From.ToString();
        var sublink = new SublinkOptions(
            "vpn-in", name, options.MemberSession, SublinkTransports.ListenerPeer(listener!, d.From), $"udp {name}", d.From,
            options.EchoPeriod, options.EchoMisses, options.EstablishTimeout);
        var child = Context.ActorOf(SublinkActor.Props(sublink, Self), $"link-{++PeersCreated}");
        Context.Watch(child);
        peers[d.From] = child;
        peerOf[child] = d.From;
        child.Tell(new DatagramIn(d.Datagram));
    }

    /// <summary>A handshake from a new address completed on the socket's thread: its sublink, sealed with <see cref="EncryptedPeer.Link"/>.</summary>
    private void OnEncryptedPeer(EncryptedPeer p)
    {
        if (peers.ContainsKey(p.From) || peers.Count >= options.MaxPeers)
        {
            if (!peers.ContainsKey(p.From))
                RefusedPeers++;
            p.Link.Dispose();
            return;
        }
        var name = p.From.ToString();
        var security = new SublinkSecurity.Responder(p.Link, new PeerHandshakes(handshakes!, p.Link));
        var sublink = new SublinkOptions(
            "vpn-in", name, options.MemberSession, SublinkTransports.ListenerPeer(listener!, p.From), $"udp {name}", p.From,
            options.EchoPeriod, options.EchoMisses, options.EstablishTimeout, security);
        var child = Context.ActorOf(SublinkActor.Props(sublink, Self), $"link-{++PeersCreated}");
        Context.Watch(child);
        peers[p.From] = child;
        peerOf[child] = p.From;
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
            bundle = Context.ActorOf(ReceiverBundleActor.Props(new BundleOptions
            {
                Settings = settings,
                MemberSession = options.MemberSession,
                EchoPeriod = options.EchoPeriod,
                DataPlane = options.DataPlane,
            }), $"bundle-{bundleSerial}");
            Context.Watch(bundle);
            bundles[identity] = bundle;
            bundleOf[bundle] = (identity, address, name);
            bundleNamed[name] = bundle;
            log.Info("receiver: new bundle {0} for {1}, peer address {2}", name, identity, options.PeerAddresses[address]);
        }
        bundle.Tell(new ReceiverBundleActor.Adopt(up));
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
            bundleNamed.Remove(b.Name);
            addressInUse[b.Address] = false;
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

    /// <param name="Opened">Opened from an encrypted datagram (a sublink between its handshake and its registration): never creates a peer.</param>
    private sealed record PeerDatagram(IPEndPoint From, byte[] Datagram, bool Opened = false);

    private sealed record EncryptedPeer(IPEndPoint From, SealedLink Link);

    private sealed record ListenerFailed(DatagramPathFailure Failure);

    /// <summary>Written by the socket's thread, read by the actor.</summary>
    private sealed class StrangerCounters
    {
        public long NotConfigureRequest;
        public long RateLimited;
    }

    /// <summary>
    /// Datagrams from senders with no sublink yet (rate-bounded by the listener) and socket failures. Only an
    /// LCP Configure-Request goes on to the actor; the rest is counted here, without allocating.
    /// </summary>
    private sealed class Strangers(IActorRef receiver, StrangerCounters counters, int maxRequestsPerSecond, ReceiverHandshakes? handshakes) : IDatagramHandler
    {
        // A fixed one-second window, touched only by the socket's thread.
        private long windowStart = Environment.TickCount64;
        private int inWindow;

        public void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress sender)
        {
            if (handshakes is not null && OnEncrypted(datagram, sender))
                return;
            if (!IsLcpConfigureRequest(datagram))
            {
                Interlocked.Increment(ref counters.NotConfigureRequest);
                return;
            }
            long now = Environment.TickCount64;
            if (now - windowStart >= 1000)
            {
                windowStart = now;
                inWindow = 0;
            }
            if (++inWindow > maxRequestsPerSecond)
            {
                Interlocked.Increment(ref counters.RateLimited);
                return;
            }
            receiver.Tell(new PeerDatagram(EndPointOf(sender), datagram.ToArray()));
        }

        /// <summary>True when the datagram was the encryption's business (a handshake, a sealed packet, a clear request under <c>require</c>).</summary>
        private bool OnEncrypted(ReadOnlySpan<byte> datagram, SocketAddress sender)
        {
            switch (Crypto.HandshakeMessages.Classify(datagram))
            {
                case Crypto.MessageType.Initiation:
                    if (handshakes!.Accept(datagram, sender, MonotonicClock.Now) is { } link)
                        receiver.Tell(new EncryptedPeer(EndPointOf(sender), link));
                    return true;
                case Crypto.MessageType.Transport:
                    if (handshakes!.OpenForStranger(datagram, MonotonicClock.Now, out var packet) == Crypto.DatagramStatus.Ok && packet.Length > 0)
                        receiver.Tell(new PeerDatagram(EndPointOf(sender), packet.ToArray(), Opened: true));
                    return true;
                case Crypto.MessageType.Response or Crypto.MessageType.CookieReply:
                    handshakes!.Count(Crypto.DatagramStatus.Malformed);
                    return true;
            }
            if (handshakes!.Mode == Config.EncryptionMode.Require && IsLcpConfigureRequest(datagram))
            {
                handshakes.CountClearRefused();
                return true;
            }
            return false;
        }

        private static IPEndPoint EndPointOf(SocketAddress sender) => (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(sender);

        public void OnFailure(DatagramPathFailure failure)
        {
            if (failure.Fatal)
                receiver.Tell(new ListenerFailed(failure));
        }
    }
}
