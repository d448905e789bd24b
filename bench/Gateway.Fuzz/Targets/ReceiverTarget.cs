using System.Net;
using Gateway.Core.Actors;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Auth;
using Gateway.Core.Ppp.Framing;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Ppp.Session;

namespace Gateway.Fuzz;

/// <summary>
/// The receiver's per-datagram path without its actors: what a datagram from a stranger meets
/// (<see cref="ReceiverActor.IsLcpConfigureRequest"/>, then a new member session, at most <see cref="MaxPeers"/>),
/// what one from a known peer meets (its member <see cref="PppSession"/>, or once it has joined, Multilink straight
/// to the <see cref="BundleSession"/>, as <c>ActorDatagramHandler</c> routes it), and a member that reaches the
/// Network phase joining the bundle. Options bit 0: an honest gateway (the seed's <c>vpn</c> sublink, CHAP) joins
/// from port 1 first, so spoofed datagrams from port 1 meet an established member and bundle. Then records of a
/// source port byte and a datagram; a port byte of 255 fires the earliest timer instead.
/// </summary>
internal sealed class ReceiverTarget : IFuzzTarget, IBundleHandler
{
    private const int MaxPeers = 4;
    private const byte TimerPort = 255;
    private const byte HonestPort = 1;

    private readonly Dictionary<byte, Member> peers = new();
    private readonly Queue<(Member To, bool ToGateway, byte[] Bytes)> wire = new();
    private readonly List<(TimeSpan Due, Action Fire, object Owner, int Key)> timers = new();
    private BundleSession bundle = null!;
    private TimeSpan now;

    public string Name => "receiver";

    public string Description => "ReceiverActor's stranger filter, member PppSessions and the BundleSession per datagram";

    public long AllocationBase => 4 * 1024 * 1024;

    public long AllocationPerByte => 2 * 1024;

    private static SessionSettings ReceiverMember(string name) => new()
    {
        Name = name,
        Framing = FramingMode.Sync,
        Lcp = LcpSettings.Default with { Accm = null, Mru = 1506, Mrru = 1500, EndpointDiscriminator = Label("vpn-in"), EnableChap = true },
        Ipcp = null,
        Compression = CompressionControl.ProtocolReject,
        AuthName = "vpn-in",
        Secrets = new InMemorySecretStore().Add("vpn", Secret.FromText("vpn-key")),
        Random = new CountingRandom(0),
        MagicSource = () => 0x5EC0_0001,
    };

    private static SessionSettings GatewayMember() => new()
    {
        Name = "vpn/1",
        Framing = FramingMode.Sync,
        Lcp = LcpSettings.Default with { Accm = null, Mru = 1506, Mrru = 1500, EndpointDiscriminator = Label("vpn") },
        Ipcp = null,
        Compression = CompressionControl.ProtocolReject,
        AuthName = "vpn",
        AuthKey = Secret.FromText("vpn-key"),
        MagicSource = () => 0x6A7E_0001,
    };

    private static EndpointDiscriminator? Label(string text) =>
        EndpointDiscriminator.TryCreateLabel(text, out var discriminator, out _) ? discriminator : null;

    public void Run(ReadOnlySpan<byte> data)
    {
        peers.Clear();
        wire.Clear();
        timers.Clear();
        now = TimeSpan.Zero;
        bundle = new BundleSession(new BundleSettings
        {
            Name = "vpn-in-1",
            Ipcp = IpcpSettings.Default with { LocalAddress = IPAddress.Parse("10.9.0.1"), PeerAddress = IPAddress.Parse("10.9.0.2") },
        }, this);

        var input = new FuzzInput(data);
        if ((input.Byte() & 1) != 0)
            StartHonestGateway();

        while (!input.IsEmpty)
        {
            byte port = input.Byte();
            var datagram = input.Chunk();
            if (port == TimerPort)
                FireNextTimer();
            else
                Arrive(port, datagram);
            Pump();
        }
    }

    private void StartHonestGateway()
    {
        var member = new Member(this, HonestPort, ReceiverMember("vpn-in/1"));
        peers[HonestPort] = member;
        member.Gateway = new GatewaySide(this, member);
        member.Gateway.Session = new PppSession(GatewayMember(), member.Gateway);
        member.Session.Start();
        member.Gateway.Session.Start();
        for (int i = 0; i < 32 && !member.Joined; i++)
        {
            Pump();
            if (!member.Joined)
                FireNextTimer();
        }
    }

    /// <summary>One datagram from <paramref name="port"/>, as the listener and the actors would route it.</summary>
    private void Arrive(byte port, ReadOnlySpan<byte> datagram)
    {
        if (peers.TryGetValue(port, out var member))
        {
            if (member.Joined && PppHeader.TryRead(datagram, out var frame) == PppHeaderStatus.Ok && frame.Protocol == (ushort)PppProtocol.Multilink)
                bundle.ReceiveFragment(port, frame.Information, now);
            else
                member.Session.ReceiveDatagram(datagram);
            return;
        }
        if (!ReceiverActor.IsLcpConfigureRequest(datagram) || peers.Count >= MaxPeers)
            return;
        member = new Member(this, port, ReceiverMember($"vpn-in/{port}"));
        peers[port] = member;
        member.Session.Start();
        member.Session.ReceiveDatagram(datagram);
    }

    private void Pump()
    {
        for (int i = 0; i < 256 && wire.Count > 0; i++)
        {
            var (to, toGateway, bytes) = wire.Dequeue();
            if (toGateway)
                to.Gateway?.Session.ReceiveDatagram(bytes);
            else
                Arrive(to.Port, bytes);
        }
        if (wire.Count > 0)
            throw new InvariantException("livelock: the gateway and the receiver still exchange datagrams after 256 without a timer");
    }

    private void FireNextTimer()
    {
        if (timers.Count == 0)
            return;
        var next = timers.MinBy(t => t.Due);
        timers.Remove(next);
        if (next.Due > now)
            now = next.Due;
        next.Fire();
    }

    private void Arm(object owner, int key, TimeSpan interval, Action fire)
    {
        Disarm(owner, key);
        timers.Add((now + interval, fire, owner, key));
    }

    private void Disarm(object owner, int key) => timers.RemoveAll(t => t.Owner == owner && t.Key == key);

    void IBundleHandler.SendFragment(int member, ReadOnlySpan<byte> fragment)
    {
        if (peers.TryGetValue((byte)member, out var m))
            m.Session.SendPacket(PppProtocol.Multilink, fragment);
    }

    void IBundleHandler.StartTimer(BundleTimer timer, TimeSpan interval) => Arm(bundle, (int)timer, interval, () => bundle.TimerExpired(timer, now));

    void IBundleHandler.StopTimer(BundleTimer timer) => Disarm(bundle, (int)timer);

    void IBundleHandler.OnEvent(SessionEvent bundleEvent)
    {
    }

    void IBundleHandler.OnIpPacket(ReadOnlySpan<byte> packet)
    {
    }

    /// <summary>A receiver-side member session (a <c>SublinkActor</c> without the actor).</summary>
    private sealed class Member : ISessionHandler
    {
        private readonly ReceiverTarget target;

        public Member(ReceiverTarget target, byte port, SessionSettings settings)
        {
            this.target = target;
            Port = port;
            Session = new PppSession(settings, this);
        }

        public byte Port { get; }

        public PppSession Session { get; }

        public bool Joined { get; private set; }

        public GatewaySide? Gateway { get; set; }

        public void SendFrame(ReadOnlySpan<byte> frame)
        {
            if (Gateway is not null)
                target.wire.Enqueue((this, true, frame.ToArray()));
        }

        public void StartTimer(SessionTimer timer, TimeSpan interval) => target.Arm(this, (int)timer, interval, () => Session.TimerExpired(timer));

        public void StopTimer(SessionTimer timer) => target.Disarm(this, (int)timer);

        public void OnEvent(SessionEvent sessionEvent)
        {
            switch (sessionEvent)
            {
                case PhaseChanged { To: LinkPhase.Network } when Session.Link is { } link:
                    Joined = target.bundle.AddMember(Port, link, 1000, target.now, out _);
                    break;
                case PhaseChanged { From: LinkPhase.Network }:
                    if (Joined)
                        target.bundle.RemoveMember(Port, target.now);
                    Joined = false;
                    break;
            }
        }

        public void OnPacket(PppProtocol protocol, ReadOnlySpan<byte> information)
        {
            if (!Joined)
                return;
            if (protocol == PppProtocol.Multilink)
                target.bundle.ReceiveFragment(Port, information, target.now);
            else if (protocol != PppProtocol.Lqr)
                target.bundle.ReceiveDirect((ushort)protocol, information, target.now);
        }
    }

    /// <summary>The datagrams an honest gateway sends until its sublink has joined (for seeds).</summary>
    public static List<byte[]> RecordHonestGateway()
    {
        var target = new ReceiverTarget { recording = [] };
        target.Run([1]);
        return target.recording;
    }

    private List<byte[]>? recording;

    /// <summary>The honest gateway's end of sublink 1.</summary>
    private sealed class GatewaySide(ReceiverTarget target, Member receiverEnd) : ISessionHandler
    {
        public PppSession Session { get; set; } = null!;

        public void SendFrame(ReadOnlySpan<byte> frame)
        {
            target.recording?.Add(frame.ToArray());
            target.wire.Enqueue((receiverEnd, false, frame.ToArray()));
        }

        public void StartTimer(SessionTimer timer, TimeSpan interval) => target.Arm(this, (int)timer, interval, () => Session.TimerExpired(timer));

        public void StopTimer(SessionTimer timer) => target.Disarm(this, (int)timer);

        public void OnEvent(SessionEvent sessionEvent)
        {
        }

        public void OnPacket(PppProtocol protocol, ReadOnlySpan<byte> information)
        {
        }
    }
}
