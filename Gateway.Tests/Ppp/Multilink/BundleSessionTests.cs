using System.Net;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Auth;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Ppp.Session;

namespace Gateway.Tests.Ppp.Multilink;

/// <summary>
/// Two bundles back to back, each over N member sessions (sync framing, CHAP), on one virtual clock: the whole
/// RFC 1990 path of PppSession in member mode and BundleSession without sockets or actors.
/// </summary>
public class BundleSessionTests
{
    private static readonly IPAddress ReceiverAddress = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress GatewayAddress = IPAddress.Parse("192.0.2.2");

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Bundles_form_over_member_links_assign_the_address_and_carry_large_packets_both_ways(int links)
    {
        var net = new BundleNet(links);
        net.StartAll();
        net.RunUntil(() => net.Gateway.Bundle.Network is not null && net.Receiver.Bundle.Network is not null);

        Assert.Equal(GatewayAddress, net.Gateway.Bundle.Network!.LocalAddress);
        Assert.Equal(ReceiverAddress, net.Gateway.Bundle.Network.PeerAddress);
        Assert.Equal(links, net.Gateway.Bundle.MemberCount);
        Assert.Equal(links, net.Receiver.Bundle.MemberCount);

        var sent = Enumerable.Range(0, 200).Select(i => Packet(i, 1400)).ToList();
        foreach (var p in sent)
            Assert.True(net.Gateway.Bundle.SendIp(p, net.Now));
        Assert.True(net.Receiver.Bundle.SendIp(Packet(999, 60), net.Now));
        net.Run(TimeSpan.FromSeconds(1));

        Assert.Equal(sent, net.Receiver.Received);
        Assert.Equal([Packet(999, 60)], net.Gateway.Received);
        for (int i = 0; i < links; i++)
            Assert.True(net.Gateway.Bundle.Fragmenter!.MemberStatistics(i).Fragments > 0, $"link {i + 1} carried nothing");
    }

    [Fact]
    public void A_member_that_leaves_mid_stream_does_not_stall_the_bundle()
    {
        var net = new BundleNet(3);
        net.StartAll();
        net.RunUntil(() => net.Gateway.Bundle.Network is not null && net.Receiver.Bundle.Network is not null);

        for (int i = 0; i < 50; i++)
            net.Gateway.Bundle.SendIp(Packet(i, 1400), net.Now);
        // Link 1 dies hard in both directions: whatever it had in flight is lost.
        net.Cut(1);
        net.Gateway.Members[1].Session.LowerDown("socket closed");
        net.Receiver.Members[1].Session.LowerDown("peer went silent");
        for (int i = 50; i < 100; i++)
            net.Gateway.Bundle.SendIp(Packet(i, 1400), net.Now);
        net.Run(TimeSpan.FromSeconds(1));

        Assert.Equal(2, net.Gateway.Bundle.MemberCount);
        Assert.NotNull(net.Receiver.Bundle.Network);
        // Everything sent after the link left arrives, in order, with nothing duplicated.
        var tail = net.Receiver.Received.Where(p => p[4] >= 50).ToList();
        Assert.Equal(Enumerable.Range(50, 50).Select(i => Packet(i, 1400)), tail);
        Assert.Equal(net.Receiver.Received.Distinct(new BytesComparer()).Count(), net.Receiver.Received.Count);
    }

    [Fact]
    public void A_suspended_member_is_sent_nothing_yet_stays_in_the_bundle_and_carries_again_once_resumed()
    {
        var net = new BundleNet(3);
        net.StartAll();
        net.RunUntil(() => net.Gateway.Bundle.Network is not null && net.Receiver.Bundle.Network is not null);
        var fragmenter = net.Gateway.Bundle.Fragmenter!;

        // Its socket said the peer is unreachable; the keepalive has not decided: it stays a member, gets nothing.
        net.Cut(1);
        Assert.True(net.Gateway.Bundle.Suspend(1));
        Assert.False(net.Gateway.Bundle.Suspend(1));
        long before = fragmenter.MemberStatistics(1).Fragments;
        for (int i = 0; i < 60; i++)
            net.Gateway.Bundle.SendIp(Packet(i, 1400), net.Now);
        net.Run(TimeSpan.FromMilliseconds(500));
        Assert.Equal(before, fragmenter.MemberStatistics(1).Fragments);
        Assert.Equal(3, net.Gateway.Bundle.MemberCount);
        Assert.Equal([1], net.Gateway.Bundle.Suspended);
        Assert.Equal(Enumerable.Range(0, 60).Select(i => Packet(i, 1400)), net.Receiver.Received.Where(p => p[0] == 0x45));

        // It answers again: it is given its share again.
        net.Restore(1);
        Assert.True(net.Gateway.Bundle.Resume(1));
        for (int i = 60; i < 120; i++)
            net.Gateway.Bundle.SendIp(Packet(i, 1400), net.Now);
        net.Run(TimeSpan.FromMilliseconds(500));
        Assert.True(fragmenter.MemberStatistics(1).Fragments > before);
        Assert.Equal(Enumerable.Range(0, 120).Select(i => Packet(i, 1400)), net.Receiver.Received.Where(p => p[0] == 0x45));
    }

    [Fact]
    public void The_last_member_sending_is_never_suspended_and_a_suspended_one_takes_over_when_the_others_leave()
    {
        var bundle = new BundleSession(new BundleSettings(), new NullBundleHandler());
        var link = new LcpNegotiated { PeerMrru = 1500, LocalMrru = 1500 };
        Assert.True(bundle.AddMember(0, link, 1000, TimeSpan.Zero, out _));
        Assert.False(bundle.Suspend(0));                // the only one: suspending it would send nothing at all
        Assert.True(bundle.AddMember(1, link, 1000, TimeSpan.Zero, out _));
        Assert.True(bundle.Suspend(0));
        Assert.False(bundle.Suspend(1));                // now the last one sending
        Assert.Equal(1, bundle.Fragmenter!.ActiveMemberCount);

        bundle.RemoveMember(1, TimeSpan.Zero);          // the healthy one leaves: the doubtful one is all there is
        Assert.Empty(bundle.Suspended);
        Assert.True(bundle.Fragmenter.IsMember(0));
        Assert.False(bundle.Resume(0));
    }

    [Fact]
    public void A_link_with_a_different_mrru_is_refused_with_a_reason()
    {
        var bundle = new BundleSession(new BundleSettings(), new NullBundleHandler());
        var first = new LcpNegotiated { PeerMrru = 1500, LocalMrru = 1500 };
        var other = new LcpNegotiated { PeerMrru = 1600, LocalMrru = 1500 };

        Assert.True(bundle.AddMember(0, first, 1000, TimeSpan.Zero, out _));
        Assert.False(bundle.AddMember(1, other, 1000, TimeSpan.Zero, out var reason));

        Assert.Contains("differ", reason);
        Assert.Equal(1, bundle.MemberCount);
    }

    internal static byte[] Packet(int id, int size)
    {
        var p = new byte[size];
        p[0] = 0x45;
        p[4] = (byte)id;
        p[5] = (byte)(id >> 8);
        for (int i = 20; i < size; i++)
            p[i] = (byte)(i * 7 + id);
        return p;
    }

    private sealed class BytesComparer : IEqualityComparer<byte[]>
    {
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => obj.Length ^ obj[4] ^ (obj[5] << 8);
    }

    private sealed class NullBundleHandler : IBundleHandler
    {
        public void SendFragment(int member, ReadOnlySpan<byte> fragment) { }
        public void StartTimer(BundleTimer timer, TimeSpan interval) { }
        public void StopTimer(BundleTimer timer) { }
        public void OnEvent(SessionEvent bundleEvent) { }
        public void OnIpPacket(ReadOnlySpan<byte> packet) { }
    }

    /// <summary>Gateway and receiver bundles with their member sessions, one wire queue and one virtual clock.</summary>
    private sealed class BundleNet
    {
        private readonly Queue<(Member To, byte[] Bytes)> wire = new();
        private readonly HashSet<int> cut = new();

        public BundleNet(int links)
        {
            Gateway = new Side(this, "vpn", Secret.FromText("vpnkey"), isReceiver: false, links);
            Receiver = new Side(this, "vpn-in", Secret.Empty, isReceiver: true, links);
            for (int i = 0; i < links; i++)
            {
                Gateway.Members[i].Peer = Receiver.Members[i];
                Receiver.Members[i].Peer = Gateway.Members[i];
            }
        }

        public Side Gateway { get; }

        public Side Receiver { get; }

        public TimeSpan Now { get; private set; }

        internal readonly List<(TimeSpan Due, Action Fire, object Owner, object Key)> Timers = new();

        public void StartAll()
        {
            foreach (var m in Gateway.Members.Concat(Receiver.Members))
                m.Session.Start();
        }

        public void Cut(int link) => cut.Add(link);

        public void Restore(int link) => cut.Remove(link);

        internal void Send(Member to, ReadOnlySpan<byte> bytes)
        {
            if (!cut.Contains(to.Index))
                wire.Enqueue((to, bytes.ToArray()));
        }

        internal void Arm(object owner, object key, TimeSpan interval, Action fire)
        {
            Disarm(owner, key);
            Timers.Add((Now + interval, fire, owner, key));
        }

        internal void Disarm(object owner, object key) => Timers.RemoveAll(t => t.Owner == owner && Equals(t.Key, key));

        public void Run(TimeSpan limit)
        {
            var end = Now + limit;
            for (int steps = 0; steps < 1_000_000; steps++)
            {
                if (wire.Count > 0)
                {
                    var (to, bytes) = wire.Dequeue();
                    to.Session.ReceiveDatagram(bytes);
                    continue;
                }
                if (Timers.Count == 0)
                    break;
                var next = Timers.MinBy(t => t.Due);
                if (next.Due > end)
                    break;
                Timers.Remove(next);
                Now = next.Due;
                next.Fire();
            }
            Now = end;
        }

        public void RunUntil(Func<bool> condition)
        {
            for (int i = 0; i < 600 && !condition(); i++)
                Run(TimeSpan.FromMilliseconds(100));
            Assert.True(condition(), "the bundles did not come up within 60 s of virtual time");
        }
    }

    private sealed class Side : IBundleHandler
    {
        private readonly BundleNet net;

        public Side(BundleNet net, string name, Secret key, bool isReceiver, int links)
        {
            this.net = net;
            Bundle = new BundleSession(new BundleSettings
            {
                Name = name,
                Ipcp = isReceiver
                    ? IpcpSettings.Default with { LocalAddress = ReceiverAddress, PeerAddress = GatewayAddress }
                    : IpcpSettings.Default with { LocalAddress = IPAddress.Any },
            }, this);
            EndpointDiscriminator.TryCreateLabel(name, out var enddisc, out _);
            for (int i = 0; i < links; i++)
            {
                var settings = new SessionSettings
                {
                    Name = $"{name}/{i + 1}",
                    Framing = FramingMode.Sync,
                    Lcp = LcpSettings.Default with { Accm = null, Mrru = 1500, EndpointDiscriminator = enddisc, EnableChap = isReceiver },
                    Ipcp = null,
                    Compression = CompressionControl.ProtocolReject,
                    AuthName = "vpnname",
                    AuthKey = key,
                    Secrets = new InMemorySecretStore().Add("vpnname", Secret.FromText("vpnkey")),
                };
                Members.Add(new Member(net, this, i, settings));
            }
        }

        public BundleSession Bundle { get; }

        public List<Member> Members { get; } = new();

        public List<byte[]> Received { get; } = new();

        public void SendFragment(int member, ReadOnlySpan<byte> fragment) => Members[member].Session.SendPacket(PppProtocol.Multilink, fragment);

        public void StartTimer(BundleTimer timer, TimeSpan interval) => net.Arm(this, timer, interval, () => Bundle.TimerExpired(timer, net.Now));

        public void StopTimer(BundleTimer timer) => net.Disarm(this, timer);

        public void OnEvent(SessionEvent bundleEvent) { }

        public void OnIpPacket(ReadOnlySpan<byte> packet) => Received.Add(packet.ToArray());
    }

    private sealed class Member : ISessionHandler
    {
        private readonly BundleNet net;
        private readonly Side side;

        public Member(BundleNet net, Side side, int index, SessionSettings settings)
        {
            this.net = net;
            this.side = side;
            Index = index;
            Session = new PppSession(settings, this);
        }

        public int Index { get; }

        public PppSession Session { get; }

        public Member Peer { get; set; } = null!;

        public void SendFrame(ReadOnlySpan<byte> frame) => net.Send(Peer, frame);

        public void StartTimer(SessionTimer timer, TimeSpan interval) => net.Arm(this, timer, interval, () => Session.TimerExpired(timer));

        public void StopTimer(SessionTimer timer) => net.Disarm(this, timer);

        public void OnEvent(SessionEvent sessionEvent)
        {
            switch (sessionEvent)
            {
                case PhaseChanged { To: LinkPhase.Network }:
                    Assert.True(side.Bundle.AddMember(Index, Session.Link!, 1_000_000, net.Now, out var refusal), refusal);
                    break;
                case PhaseChanged { From: LinkPhase.Network }:
                    side.Bundle.RemoveMember(Index, net.Now);
                    break;
            }
        }

        public void OnPacket(PppProtocol protocol, ReadOnlySpan<byte> information)
        {
            if (protocol == PppProtocol.Multilink)
                side.Bundle.ReceiveFragment(Index, information, net.Now);
            else
                side.Bundle.ReceiveDirect((ushort)protocol, information, net.Now);
        }
    }
}
