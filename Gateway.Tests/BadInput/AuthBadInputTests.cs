using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Auth;
using Gateway.Core.Ppp.Framing;
using Gateway.Core.Ppp.Session;
using Gateway.Tests.Ppp.Session;
using static Gateway.Tests.BadInput.SessionRig;
using static Gateway.Tests.Ppp.Auth.Packets;

namespace Gateway.Tests.BadInput;

/// <summary>
/// BAD-INPUT.md "Authentication", at the session: hostile PAP and CHAP packets reach a session whose LCP is Opened
/// and whose authentication is under way; each is counted and dropped by the role it was meant for, the session
/// answers an LCP Echo-Request meanwhile, and the honest exchange that follows still authenticates both ways.
/// (The roles alone, case by case: PapTests, ChapTests.)
/// </summary>
public class AuthBadInputTests
{
    /// <summary>
    /// A pair whose authentication packets are held back (both ways) until <c>Release</c>: A's LCP is Opened and A is in
    /// the Authenticate phase, its authenticator waiting for the peer and its own role waiting for the peer's authenticator.
    /// </summary>
    private sealed class HeldAuthentication
    {
        private bool holding = true;

        public HeldAuthentication(PppSessionTests.Auth auth)
        {
            Pair = new SessionPair(PppSessionTests.Gateway(FramingMode.Sync, auth), PppSessionTests.Isp(FramingMode.Sync, auth));
            Pair.Filter = (_, frame) => !(holding && IsAuthentication(frame));
            Pair.Start();
            Pair.RunUntil(() => Pair.A.Session.Phase == LinkPhase.Authenticate && Pair.B.Session.Phase == LinkPhase.Authenticate, TimeSpan.FromSeconds(30));
        }

        public SessionPair Pair { get; }

        public SessionPair.End A => Pair.A;

        public void Release()
        {
            holding = false;
            Pair.RunUntil(() => Pair.A.Session.Network is not null && Pair.B.Session.Network is not null, TimeSpan.FromSeconds(60));
        }

        private static bool IsAuthentication(byte[] frame) =>
            PppHeader.TryRead(frame, out var decoded) == PppHeaderStatus.Ok && decoded.Protocol is (ushort)PppProtocol.Pap or (ushort)PppProtocol.Chap;
    }

    private static byte[] PapFrame(byte[] packet) => Frame(FramingMode.Sync, (ushort)PppProtocol.Pap, packet);

    private static byte[] ChapFrame(byte[] packet) => Frame(FramingMode.Sync, (ushort)PppProtocol.Chap, packet);

    [Fact]
    public void Malformed_pap_requests_and_a_stray_ack_are_dropped_the_session_answers_echo_and_pap_still_succeeds()
    {
        var held = new HeldAuthentication(PppSessionTests.Auth.Pap);
        var a = held.A;
        byte[][] requests =
        [
            [1, 1, 0, 3],                                                      // header Length under 4
            Make(1, 1, 0),                                                      // Length 5: no Passwd-Length
            Make(1, 1, 200, (byte)'a', 0),                                      // Peer-ID length beyond the packet
            Make(1, 1, 1, (byte)'a', 9, (byte)'k'),                             // Passwd-Length beyond the packet
            WithLength(PapRequest(1, Utf8("gwname"), Utf8("gwkey")), 200),      // Length beyond the bytes
        ];
        int before = a.Sent.Count;

        foreach (var request in requests)
            Receive(a, PapFrame(request));
        Receive(a, PapFrame(Make(2, 77, 0)));                                  // Authenticate-Ack for no request of ours

        Assert.Equal(requests.Length, a.Session.AuthenticatePeerCounters!.Malformed);
        Assert.Equal(1, a.Session.AuthenticateSelfCounters!.StaleIdentifier);
        Assert.DoesNotContain(SentSince(a, before), f => f.Protocol == (ushort)PppProtocol.Pap);
        Assert.Equal(LinkPhase.Authenticate, a.Session.Phase);
        AssertAnswersEcho(a);

        held.Release();
        Assert.Contains(a.Events.OfType<Authenticated>(), e => e.PeerAuthenticated && e.Name == "ispname");
    }

    [Fact]
    public void Malformed_and_unsolicited_chap_packets_are_dropped_the_session_answers_echo_and_chap_still_succeeds()
    {
        var held = new HeldAuthentication(PppSessionTests.Auth.Chap);
        var a = held.A;
        byte ourChallenge = SentSince(a, 0).Last(f => f.Protocol == (ushort)PppProtocol.Chap && f.Information[0] == 1).Information[1];
        int before = a.Sent.Count;

        // to A's peer role (it answers challenges): nothing valid to answer
        Receive(a, ChapFrame(ChapValueName(1, 1, [], Utf8("ispname"))));       // Value-Size 0
        Receive(a, ChapFrame(Make(1, 2, 40, 1, 2, 3)));                        // Value-Size beyond the packet
        Receive(a, ChapFrame(Make(1, 3)));                                     // no Value-Size at all
        Receive(a, ChapFrame(Make(3, 4, Utf8("welcome"))));                    // Success before any challenge
        Receive(a, ChapFrame(Make(4, 5, Utf8("go away"))));                    // Failure before any challenge
        // to A's authenticator (it sent a challenge the peer never got): a response to another identifier, and a malformed one
        Receive(a, ChapFrame(ChapValueName(2, (byte)(ourChallenge ^ 0x80), new byte[16], Utf8("ispname"))));
        Receive(a, ChapFrame(Make(2, ourChallenge, 40, 1, 2)));                // Value-Size beyond the packet

        var self = a.Session.AuthenticateSelfCounters!;
        var peer = a.Session.AuthenticatePeerCounters!;
        Assert.Equal(3, self.Malformed);
        Assert.Equal(2, self.Unexpected);
        Assert.Equal(1, peer.StaleIdentifier);
        Assert.Equal(1, peer.Malformed);
        Assert.DoesNotContain(SentSince(a, before), f => f.Protocol == (ushort)PppProtocol.Chap);
        Assert.Equal(LinkPhase.Authenticate, a.Session.Phase);
        AssertAnswersEcho(a);

        held.Release();
        Assert.Contains(a.Events.OfType<Authenticated>(), e => e.PeerAuthenticated && e.Name == "ispname");
        Assert.Contains(a.Events.OfType<Authenticated>(), e => !e.PeerAuthenticated);
    }

    [Fact]
    public void A_chap_challenge_with_an_empty_name_is_answered_rfc1994_allows_it()
    {
        var held = new HeldAuthentication(PppSessionTests.Auth.Chap);
        var a = held.A;
        int before = a.Sent.Count;

        Receive(a, ChapFrame(ChapValueName(1, 42, [1, 2, 3, 4, 5, 6, 7, 8], [])));

        var response = Assert.Single(SentSince(a, before), f => f.Protocol == (ushort)PppProtocol.Chap);
        Assert.Equal(2, response.Information[0]);
        Assert.Equal(42, response.Information[1]);
        AssertAnswersEcho(a);
    }
}
