using System.Net;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Auth;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Session;

namespace Gateway.Tests.Ppp.Session;

public class PppSessionTests
{
    public enum Auth { Chap, Pap }

    private static readonly IPAddress IspAddress = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress AssignedAddress = IPAddress.Parse("192.0.2.2");

    internal static SessionSettings Gateway(FramingMode framing, Auth auth, string ispSecret = "ispkey") => new()
    {
        Name = "gateway",
        Framing = framing,
        Lcp = LcpSettings.Default with { EnableChap = auth == Auth.Chap, EnablePap = auth == Auth.Pap },
        Ipcp = IpcpSettings.Default with { LocalAddress = IPAddress.Any },
        AuthName = "gwname",
        AuthKey = Secret.FromText("gwkey"),
        Secrets = new InMemorySecretStore().Add("ispname", Secret.FromText(ispSecret)),
    };

    internal static SessionSettings Isp(FramingMode framing, Auth auth, string gatewaySecret = "gwkey") => new()
    {
        Name = "isp",
        Framing = framing,
        Lcp = LcpSettings.Default with { EnableChap = auth == Auth.Chap, EnablePap = auth == Auth.Pap },
        Ipcp = IpcpSettings.Default with { LocalAddress = IspAddress, PeerAddress = AssignedAddress },
        AuthName = "ispname",
        AuthKey = Secret.FromText("ispkey"),
        Secrets = new InMemorySecretStore().Add("gwname", Secret.FromText(gatewaySecret)),
    };

    public static TheoryData<FramingMode, Auth> Combinations() => new()
    {
        { FramingMode.Async, Auth.Chap },
        { FramingMode.Async, Auth.Pap },
        { FramingMode.Sync, Auth.Chap },
        { FramingMode.Sync, Auth.Pap },
    };

    [Fact]
    public void A_fixed_magic_source_gives_the_magic_numbers_both_sides_agree_on()
    {
        uint next = 0x1000_0001;
        var pair = new SessionPair(
            Gateway(FramingMode.Sync, Auth.Chap) with { MagicSource = () => next++ },
            Isp(FramingMode.Sync, Auth.Chap) with { MagicSource = () => 0x2000_0001 });
        pair.Start();

        pair.RunUntil(() => pair.A.Session.Link is not null && pair.B.Session.Link is not null, TimeSpan.FromSeconds(30));

        Assert.Equal(0x1000_0001u, pair.A.Session.Link!.LocalMagic);
        Assert.Equal(0x2000_0001u, pair.A.Session.Link.PeerMagic);
        Assert.Equal(0x1000_0001u, pair.B.Session.Link!.PeerMagic);
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void Back_to_back_sessions_authenticate_both_ways_assign_the_address_and_carry_ip(FramingMode framing, Auth auth)
    {
        var pair = new SessionPair(Gateway(framing, auth), Isp(framing, auth), cutSeed: framing == FramingMode.Async ? 7 : null);
        pair.Start();

        pair.RunUntil(() => pair.A.Session.Network is not null && pair.B.Session.Network is not null, TimeSpan.FromSeconds(30));

        Assert.Equal(LinkPhase.Network, pair.A.Session.Phase);
        Assert.Equal(LinkPhase.Network, pair.B.Session.Phase);
        Assert.Equal(AssignedAddress, pair.A.Session.Network!.LocalAddress);
        Assert.Equal(IspAddress, pair.A.Session.Network.PeerAddress);
        Assert.Equal(IspAddress, pair.B.Session.Network!.LocalAddress);
        Assert.Equal(AssignedAddress, pair.B.Session.Network.PeerAddress);

        var protocol = auth == Auth.Chap ? PppProtocol.Chap : PppProtocol.Pap;
        Assert.Contains(pair.A.Events.OfType<Authenticated>(), e => e.PeerAuthenticated && e.Name == "ispname" && e.Protocol == protocol);
        Assert.Contains(pair.A.Events.OfType<Authenticated>(), e => !e.PeerAuthenticated && e.Protocol == protocol);
        Assert.Contains(pair.B.Events.OfType<Authenticated>(), e => e.PeerAuthenticated && e.Name == "gwname" && e.Protocol == protocol);

        byte[] up = [0x45, 0, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 0x7E, 0x7D, 0x11, 0x13, 0, 0, 0xFF, 0x03];
        byte[] down = Enumerable.Range(0, 1400).Select(i => (byte)i).ToArray();
        Assert.True(pair.A.Session.SendPacket(PppProtocol.Ip, up));
        Assert.True(pair.B.Session.SendPacket(PppProtocol.Ip, down));
        pair.Run(TimeSpan.FromMilliseconds(10));

        Assert.Equal(up, Assert.Single(pair.B.Packets, p => p.Protocol == PppProtocol.Ip).Data);
        Assert.Equal(down, Assert.Single(pair.A.Packets, p => p.Protocol == PppProtocol.Ip).Data);
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void A_wrong_secret_terminates_the_link_and_the_reason_names_it(FramingMode framing, Auth auth)
    {
        var pair = new SessionPair(Gateway(framing, auth), Isp(framing, auth, gatewaySecret: "not-the-key"));
        pair.Start();

        pair.RunUntil(() => pair.B.Last<LinkDown>() is not null && pair.A.Last<LinkDown>() is not null, TimeSpan.FromSeconds(60));

        Assert.Equal(LinkPhase.Dead, pair.A.Session.Phase);
        Assert.Equal(LinkPhase.Dead, pair.B.Session.Phase);
        string name = auth == Auth.Chap ? "CHAP" : "PAP";
        var ispReason = pair.B.Last<LinkDown>()!.Reason;
        Assert.Contains(name, ispReason);
        Assert.Contains("gwname", ispReason);
        Assert.DoesNotContain("gwkey", ispReason);
        Assert.DoesNotContain("not-the-key", ispReason);
        Assert.Contains(name, pair.A.Last<LinkDown>()!.Reason);
        Assert.Null(pair.A.Session.Network);
        Assert.Empty(pair.A.Packets);
    }

    [Fact]
    public void Phases_follow_rfc1661_from_dead_to_network_and_back_to_dead_on_close()
    {
        var pair = new SessionPair(Gateway(FramingMode.Sync, Auth.Chap), Isp(FramingMode.Sync, Auth.Chap));
        pair.Start();
        pair.RunUntil(() => pair.A.Session.Network is not null, TimeSpan.FromSeconds(30));

        pair.A.Session.Close("administrative close");
        pair.RunUntil(() => pair.A.Session.Phase == LinkPhase.Dead && pair.B.Session.Phase == LinkPhase.Dead, TimeSpan.FromSeconds(30));

        var phases = pair.A.Events.OfType<PhaseChanged>().Select(p => p.To).ToArray();
        Assert.Equal([LinkPhase.Establish, LinkPhase.Authenticate, LinkPhase.Network, LinkPhase.Terminate, LinkPhase.Dead], phases);
        Assert.Equal("administrative close", pair.A.Last<LinkDown>()!.Reason);
        Assert.Equal("LCP: the peer terminated the link", pair.B.Last<LinkDown>()!.Reason);
        Assert.Contains(pair.B.Events.OfType<NetworkDown>(), _ => true);
    }

    [Fact]
    public void A_peer_that_never_answers_lcp_gives_up_after_max_configure()
    {
        var pair = new SessionPair(Gateway(FramingMode.Sync, Auth.Chap), Isp(FramingMode.Sync, Auth.Chap));
        pair.Filter = (from, _) => from != pair.A; // everything the gateway sends is lost
        pair.A.Session.Start();

        pair.RunUntil(() => pair.A.Last<LinkDown>() is not null, TimeSpan.FromMinutes(2));

        int requests = pair.A.Sent.Count;
        Assert.Equal(FsmSettings.DefaultMaxConfigure, requests);
        Assert.Contains("Max-Configure", pair.A.Last<LinkDown>()!.Reason);
    }

    [Fact]
    public void Lcps_own_restart_timer_and_max_configure_set_lcpretry_replace_the_shared_ones()
    {
        var lcp = FsmSettings.Default with { RestartTimer = TimeSpan.FromSeconds(1), MaxConfigure = 4 };
        var pair = new SessionPair(Gateway(FramingMode.Sync, Auth.Chap) with { LcpFsm = lcp }, Isp(FramingMode.Sync, Auth.Chap));
        pair.Filter = (from, _) => from != pair.A; // everything the gateway sends is lost
        pair.A.Session.Start();

        Assert.Equal((SessionTimer.Lcp, TimeSpan.FromSeconds(1)), Assert.Single(pair.A.TimersStarted));
        Assert.Single(pair.A.Sent);
        pair.RunUntil(() => pair.A.Last<LinkDown>() is not null, TimeSpan.FromMinutes(2));

        Assert.Equal(4, pair.A.Sent.Count);
        Assert.Equal(TimeSpan.FromSeconds(4), pair.Now);
        Assert.Contains("Max-Configure", pair.A.Last<LinkDown>()!.Reason);
    }

    [Theory]
    [InlineData(Auth.Chap, 1, 2)] // the Challenge's restart timer; the wait for the peer's Challenge, 1 s x 2 tries
    [InlineData(Auth.Pap, 8, 2)] // the wait for the peer's Authenticate-Request, 2 s x 4 tries; the Request's restart timer
    public void Set_chapretry_and_set_papretry_time_their_own_protocol_in_both_roles(Auth auth, int peerSeconds, int selfSeconds)
    {
        var pair = new SessionPair(
            Gateway(FramingMode.Sync, auth) with
            {
                ChapRetry = new AuthRetry(TimeSpan.FromSeconds(1), 2),
                PapRetry = new AuthRetry(TimeSpan.FromSeconds(2), 4),
            },
            Isp(FramingMode.Sync, auth));
        pair.Start();

        pair.RunUntil(() => pair.A.Session.Network is not null, TimeSpan.FromSeconds(30));

        Assert.Equal(TimeSpan.FromSeconds(peerSeconds), pair.A.TimersStarted.First(t => t.Timer == SessionTimer.AuthenticatePeer).Interval);
        Assert.Equal(TimeSpan.FromSeconds(selfSeconds), pair.A.TimersStarted.First(t => t.Timer == SessionTimer.AuthenticateSelf).Interval);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Lost_frames_are_recovered_by_the_restart_timers(int seed)
    {
        // A tenth of the frames, either way, are lost; five authentication tries leave room for that.
        var pair = new SessionPair(
            Gateway(FramingMode.Sync, Auth.Chap) with { AuthMaxTries = 5 },
            Isp(FramingMode.Sync, Auth.Chap) with { AuthMaxTries = 5 });
        var loss = new Random(seed);
        pair.Filter = (_, _) => loss.NextDouble() >= 0.1;
        pair.Start();

        pair.RunUntil(() => pair.A.Session.Network is not null && pair.B.Session.Network is not null, TimeSpan.FromMinutes(2));

        Assert.Equal(AssignedAddress, pair.A.Session.Network!.LocalAddress);
    }

    [Fact]
    public void Ip_before_the_network_phase_is_discarded_and_counted()
    {
        var pair = new SessionPair(Gateway(FramingMode.Sync, Auth.Chap), Isp(FramingMode.Sync, Auth.Chap));
        pair.A.Session.Start();

        pair.B.Session.Start();
        pair.A.Session.ReceiveDatagram([0xFF, 0x03, 0x00, 0x21, 0x45, 0, 0, 20]);

        Assert.Equal(1, pair.A.Session.Counters.DiscardedByPhase);
        Assert.Empty(pair.A.Packets);
        Assert.False(pair.A.Session.SendPacket(PppProtocol.Ip, [0x45]));
        Assert.Equal(1, pair.A.Session.Counters.SendRefused);
    }

    [Fact]
    public void An_unknown_protocol_in_the_network_phase_gets_a_protocol_reject()
    {
        var pair = new SessionPair(Gateway(FramingMode.Sync, Auth.Chap), Isp(FramingMode.Sync, Auth.Chap));
        pair.Start();
        pair.RunUntil(() => pair.A.Session.Network is not null, TimeSpan.FromSeconds(30));
        int before = pair.A.Sent.Count;

        pair.A.Session.ReceiveDatagram([0xFF, 0x03, 0x80, 0x57, 0x01, 0x01, 0x00, 0x04]); // IPV6CP, which we do not run

        Assert.Equal(1, pair.A.Session.Counters.ProtocolRejectsSent);
        var reject = pair.A.Sent[before];
        Assert.Equal([0xFF, 0x03, 0xC0, 0x21, (byte)ControlCode.ProtocolReject], reject[..5]);
        Assert.Equal([0x80, 0x57], reject[8..10]);
    }

    [Fact]
    public void A_protocol_reject_of_ccp_stops_ccp_and_is_reported_naming_ccp_while_ip_carries_on()
    {
        var pair = new SessionPair(Gateway(FramingMode.Sync, Auth.Chap), Isp(FramingMode.Sync, Auth.Chap));
        pair.Start();
        pair.RunUntil(() => pair.A.Session.Network is not null, TimeSpan.FromSeconds(30));

        pair.B.Session.RejectProtocol((ushort)PppProtocol.Ccp, [0x01, 0x09, 0x00, 0x04]);
        pair.Run(TimeSpan.FromSeconds(1));

        Assert.Equal(new ProtocolRejectedByPeer(pair.A.Session.Name, PppProtocol.Ccp, ForBundle: false), pair.A.Last<ProtocolRejectedByPeer>());
        Assert.Equal(FsmState.Opened, pair.A.Session.IpcpState);
    }
}
