using System.Net;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Auth;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Session;
using Gateway.Tests.Support;

namespace Gateway.Tests.Interop;

/// <summary>Our PPP session against slirp-fullbolt (pppd 2.2 lineage) on a pseudo-terminal: LCP, PAP or CHAP, IPCP.</summary>
public class SlirpSessionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly IPAddress SlirpHost = IPAddress.Parse("10.0.2.2");

    internal static SessionSettings Client(string name) => new()
    {
        Name = name,
        Framing = FramingMode.Async,
        Lcp = LcpSettings.Default,
        // slirp asks for 0.0.0.0 for itself: Nak it with 10.0.2.2 (PEERS.md), and ask to be assigned ours.
        Ipcp = IpcpSettings.Default with { LocalAddress = IPAddress.Any, PeerAddress = SlirpHost },
        // slirp sends empty CCP requests until they are Protocol-Rejected.
        Compression = CompressionControl.ProtocolReject,
        AuthName = "testuser",
        AuthKey = Secret.FromText("testpass"),
    };

    [SkippableTheory]
    [InlineData("+pap")]
    [InlineData("+chap")]
    public void Lcp_authentication_and_ipcp_reach_opened_against_slirp(string auth)
    {
        var why = SlirpPeer.WhyUnavailable();
        Skip.If(why is not null, why);
        using var slirp = SlirpPeer.Start(
            [auth],
            papSecrets: ["testuser * testpass"],
            chapSecrets: ["testuser * testpass"]);
        using var runner = new RealTimeSessionRunner(Client("slirp" + auth), slirp.Open());
        runner.Start();

        var up = runner.WaitFor<NetworkUp>(_ => true, Patience);

        Assert.Equal(SlirpHost, up.PeerAddress);
        Assert.NotEqual(IPAddress.Any, up.LocalAddress);
        var protocol = auth == "+pap" ? PppProtocol.Pap : PppProtocol.Chap;
        Assert.Contains(runner.Seen.OfType<Authenticated>(), a => a.Protocol == protocol && !a.PeerAuthenticated);
        runner.Do(s =>
        {
            Assert.Equal(FsmState.Opened, s.LcpState);
            Assert.Equal(FsmState.Opened, s.IpcpState);
        });
    }

    [SkippableFact]
    public void A_wrong_password_is_refused_by_slirp_and_the_link_goes_down_with_the_reason()
    {
        var why = SlirpPeer.WhyUnavailable();
        Skip.If(why is not null, why);
        using var slirp = SlirpPeer.Start(["+pap"], papSecrets: ["testuser * otherpass"]);
        using var runner = new RealTimeSessionRunner(Client("slirp-wrong"), slirp.Open());
        runner.Start();

        var down = runner.WaitFor<LinkDown>(_ => true, Patience);

        Assert.Contains("PAP", down.Reason);
        Assert.DoesNotContain("testpass", down.Reason);
    }
}
