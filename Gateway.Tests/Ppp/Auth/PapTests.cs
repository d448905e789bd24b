using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Auth;
using static Gateway.Tests.Ppp.Auth.Packets;

namespace Gateway.Tests.Ppp.Auth;

public class PapTests
{
    private static readonly TimeSpan Restart = TimeSpan.FromSeconds(3);

    [Fact]
    public void Right_password_authenticates_both_sides_at_once()
    {
        var link = new BackToBack(Roles.PapAuthenticator(), Roles.PapPeer()).Run();

        Assert.Equal(new AuthResult.Succeeded("alice", "Greetings!!"), link.Authenticator.Result);
        Assert.Equal(new AuthResult.Succeeded("", "Greetings!!"), link.Peer.Result);
        Assert.Equal(TimeSpan.Zero, link.Now);
        Assert.Null(link.Authenticator.Deadline);
        Assert.Null(link.Peer.Deadline);
        Assert.Equal(PppProtocol.Pap, link.Peer.Role.Protocol);
        Assert.Equal(AuthState.Succeeded, link.Authenticator.Role.State);
    }

    [Fact]
    public void Request_carries_peer_id_and_password_with_identifier_1_like_FreeBSD()
    {
        var output = Roles.PapPeer().Start();

        Assert.Equal(PapRequest(1, Utf8("alice"), Utf8("alice-key-123")), output.Packet);
        Assert.Equal(TimerCommand.Start(Restart), output.Timer);
    }

    [Fact]
    public void Wrong_password_is_refused_and_the_reason_names_peer_and_cause()
    {
        var link = new BackToBack(Roles.PapAuthenticator(), Roles.PapPeer(key: "guess")).Run();

        var failed = Assert.IsType<AuthResult.Failed>(link.Authenticator.Result);
        Assert.Equal(AuthFailure.WrongSecret, failed.Failure);
        Assert.Equal("PAP authentication failed: peer 'alice' sent a wrong password", failed.Reason);
        var refused = Assert.IsType<AuthResult.Failed>(link.Peer.Result);
        Assert.Equal(AuthFailure.RefusedByAuthenticator, refused.Failure);
        Assert.Equal("PAP authentication failed: the authenticator refused Peer-ID 'alice': 'Login incorrect'", refused.Reason);
        Assert.Equal((byte)PapCode.AuthenticateNak, link.Authenticator.Sent.Single()[0]);
    }

    [Fact]
    public void Unknown_peer_is_refused_as_having_no_secret()
    {
        var link = new BackToBack(Roles.PapAuthenticator(), Roles.PapPeer(name: "mallory")).Run();

        var failed = Assert.IsType<AuthResult.Failed>(link.Authenticator.Result);
        Assert.Equal(AuthFailure.UnknownPeer, failed.Failure);
        Assert.Equal("PAP authentication failed: peer 'mallory' has no secret", failed.Reason);
        Assert.IsType<AuthResult.Failed>(link.Peer.Result);
    }

    [Fact]
    public void Names_are_case_sensitive()
    {
        var link = new BackToBack(Roles.PapAuthenticator(), Roles.PapPeer(name: "Alice")).Run();

        Assert.Equal(AuthFailure.UnknownPeer, Assert.IsType<AuthResult.Failed>(link.Authenticator.Result).Failure);
    }

    [Fact]
    public void Lost_request_is_recovered_by_retransmission_with_a_new_identifier()
    {
        var link = new BackToBack(Roles.PapAuthenticator(), Roles.PapPeer()) { LoseToAuthenticator = n => n == 1 }.Run();

        Assert.IsType<AuthResult.Succeeded>(link.Authenticator.Result);
        Assert.IsType<AuthResult.Succeeded>(link.Peer.Result);
        Assert.Equal(Restart, link.Peer.DecidedAt);
        Assert.Equal([1, 2], link.Peer.Sent.Select(p => p[1]));
        Assert.Equal(2, link.Authenticator.Sent.Single()[1]);
    }

    [Fact]
    public void Lost_ack_is_recovered_because_a_repeated_request_gets_ack_again()
    {
        var link = new BackToBack(Roles.PapAuthenticator(), Roles.PapPeer()) { LoseToPeer = n => n == 1 }.Run();

        Assert.IsType<AuthResult.Succeeded>(link.Peer.Result);
        Assert.Single(link.Authenticator.Results); // decided once
        Assert.Equal([1, 2], link.Authenticator.Sent.Select(p => p[1])); // each Ack answers its own request
        Assert.All(link.Authenticator.Sent, p => Assert.Equal((byte)PapCode.AuthenticateAck, p[0]));
        Assert.Equal(1, link.Authenticator.Role.Counters.Repeated);
    }

    [Fact]
    public void Peer_gives_up_after_3_requests_and_authenticator_after_9_s_like_FreeBSD()
    {
        var link = new BackToBack(Roles.PapAuthenticator(), Roles.PapPeer()) { LoseToAuthenticator = _ => true }.Run();

        Assert.Equal(3, link.Peer.Sent.Count);
        var peer = Assert.IsType<AuthResult.Failed>(link.Peer.Result);
        Assert.Equal(AuthFailure.Timeout, peer.Failure);
        Assert.Equal("PAP: no reply from the authenticator after 3 requests", peer.Reason);
        Assert.Equal(TimeSpan.FromSeconds(9), link.Peer.DecidedAt);
        var authenticator = Assert.IsType<AuthResult.Failed>(link.Authenticator.Result);
        Assert.Equal("PAP: no Authenticate-Request from the peer within 9 s", authenticator.Reason);
        Assert.Equal(TimeSpan.FromSeconds(9), link.Authenticator.DecidedAt);
    }

    [Fact]
    public void Retry_period_and_attempts_are_configurable()
    {
        var peer = Roles.PapPeer(tweak: s => s with { RestartInterval = TimeSpan.FromSeconds(1), MaxRequests = 2 });
        var authenticator = Roles.PapAuthenticator(settings: new PapAuthenticatorSettings { RequestTimeout = TimeSpan.FromSeconds(7) });
        var link = new BackToBack(authenticator, peer) { LoseToAuthenticator = _ => true }.Run();

        Assert.Equal(2, link.Peer.Sent.Count);
        Assert.Equal(TimeSpan.FromSeconds(2), link.Peer.DecidedAt);
        Assert.Equal(TimeSpan.FromSeconds(7), link.Authenticator.DecidedAt);
        Assert.Equal("PAP: no Authenticate-Request from the peer within 7 s", ((AuthResult.Failed)link.Authenticator.Result!).Reason);
    }

    [Fact]
    public void Requests_after_a_nak_get_nak_again_without_a_new_decision()
    {
        var authenticator = Roles.PapAuthenticator();
        authenticator.Start();
        authenticator.Receive(PapRequest(1, Utf8("alice"), Utf8("bad")));

        var again = authenticator.Receive(PapRequest(2, Utf8("alice"), Utf8("alice-key-123")));

        Assert.Equal((byte)PapCode.AuthenticateNak, again.Packet![0]);
        Assert.Equal(2, again.Packet[1]);
        Assert.Null(again.Result);
        Assert.Equal(AuthState.Failed, authenticator.State);
    }

    [Fact]
    public void Peer_id_of_255_bytes_authenticates()
    {
        string longName = new('n', 255);
        var store = Roles.Store().Add(longName, Secret.FromText("k"));
        var link = new BackToBack(Roles.PapAuthenticator(store), Roles.PapPeer(name: longName, key: "k")).Run();

        Assert.Equal(longName, Assert.IsType<AuthResult.Succeeded>(link.Authenticator.Result).PeerName);
    }

    [Fact]
    public void Domain_user_falls_back_to_user_but_reports_the_name_sent()
    {
        var link = new BackToBack(Roles.PapAuthenticator(), Roles.PapPeer(name: @"CORP\alice")).Run();

        Assert.Equal(@"CORP\alice", Assert.IsType<AuthResult.Succeeded>(link.Authenticator.Result).PeerName);
    }

    [Fact]
    public void Ack_and_nak_messages_are_configurable()
    {
        var settings = new PapAuthenticatorSettings { SuccessMessage = "hi", FailureMessage = "go away" };
        var ok = new BackToBack(Roles.PapAuthenticator(settings: settings), Roles.PapPeer()).Run();
        var bad = new BackToBack(Roles.PapAuthenticator(settings: settings), Roles.PapPeer(key: "x")).Run();

        Assert.Equal(new AuthResult.Succeeded("", "hi"), ok.Peer.Result);
        Assert.EndsWith("'go away'", ((AuthResult.Failed)bad.Peer.Result!).Reason);
    }

    // ---- hostile input (BAD-INPUT.md, Authentication) ----

    public static TheoryData<string, byte[]> MalformedRequests => new()
    {
        { "3 bytes", [1, 1, 0] },
        { "Length 3", [1, 1, 0, 3] },
        { "Length 0", [1, 1, 0, 0, 0, 0] },
        { "Length 4, no Peer-ID length", [1, 1, 0, 4] },
        { "Length 5, no Passwd-Length", [1, 1, 0, 5, 0] },
        { "Length beyond the bytes", WithLength(PapRequest(1, Utf8("alice"), Utf8("alice-key-123")), 200) },
        { "Peer-ID length beyond the packet", Make(1, 1, 200, (byte)'a', 0) },
        { "Peer-ID length eats the Passwd-Length", Make(1, 1, 1, (byte)'a') },
        { "Passwd-Length beyond the packet", Make(1, 1, 1, (byte)'a', 9, (byte)'k') },
        { "Length cuts the password", WithLength(PapRequest(1, Utf8("alice"), Utf8("alice-key-123")), 4 + 1 + 5 + 1 + 3) },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public void Malformed_request_is_dropped_and_counted_and_a_good_one_still_works(string _, byte[] packet)
    {
        var authenticator = Roles.PapAuthenticator();
        authenticator.Start();

        var output = authenticator.Receive(packet);

        Assert.Equal(AuthOutput.Nothing, output);
        Assert.Equal(1, authenticator.Counters.Malformed);
        Assert.Equal(1, authenticator.Counters.Dropped);
        Assert.Equal(AuthState.Running, authenticator.State);
        var good = authenticator.Receive(PapRequest(7, Utf8("alice"), Utf8("alice-key-123")));
        Assert.IsType<AuthResult.Succeeded>(good.Result);
    }

    [Fact]
    public void Padding_after_length_is_ignored()
    {
        var authenticator = Roles.PapAuthenticator();
        authenticator.Start();

        var output = authenticator.Receive([.. PapRequest(3, Utf8("alice"), Utf8("alice-key-123")), 0, 0, 0xFF]);

        Assert.IsType<AuthResult.Succeeded>(output.Result);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(200)]
    public void Unknown_code_is_dropped_and_counted(byte code)
    {
        var authenticator = Roles.PapAuthenticator();
        var peer = Roles.PapPeer();
        authenticator.Start();
        peer.Start();

        Assert.Equal(AuthOutput.Nothing, authenticator.Receive(Make(code, 1, 0, 0)));
        Assert.Equal(AuthOutput.Nothing, peer.Receive(Make(code, 1, 0)));

        Assert.Equal(1, authenticator.Counters.UnknownCode);
        Assert.Equal(1, peer.Counters.UnknownCode);
    }

    [Fact]
    public void Each_role_drops_the_other_roles_codes_as_unexpected()
    {
        var authenticator = Roles.PapAuthenticator();
        var peer = Roles.PapPeer();
        authenticator.Start();
        peer.Start();

        authenticator.Receive(Make(2, 1, 0));
        peer.Receive(PapRequest(1, Utf8("alice"), Utf8("alice-key-123")));

        Assert.Equal(1, authenticator.Counters.Unexpected);
        Assert.Equal(1, peer.Counters.Unexpected);
        Assert.Equal(AuthState.Running, authenticator.State);
        Assert.Equal(AuthState.Running, peer.State);
    }

    [Fact]
    public void Packets_before_start_are_dropped_as_unexpected()
    {
        var authenticator = Roles.PapAuthenticator();
        var peer = Roles.PapPeer();

        Assert.Equal(AuthOutput.Nothing, authenticator.Receive(PapRequest(1, Utf8("alice"), Utf8("alice-key-123"))));
        Assert.Equal(AuthOutput.Nothing, peer.Receive(Make(2, 1, 0)));

        Assert.Equal(1, authenticator.Counters.Unexpected);
        Assert.Equal(1, peer.Counters.Unexpected);
        Assert.Equal(AuthState.Initial, peer.State);
    }

    [Fact]
    public void Ack_with_a_stale_identifier_is_dropped_and_counted()
    {
        var peer = Roles.PapPeer();
        peer.Start();
        peer.TimerExpired(); // second request, identifier 2

        var output = peer.Receive(Make(2, 1, 0));

        Assert.Equal(AuthOutput.Nothing, output);
        Assert.Equal(1, peer.Counters.StaleIdentifier);
        Assert.IsType<AuthResult.Succeeded>(peer.Receive(Make(2, 2, 0)).Result);
    }

    [Fact]
    public void Ack_without_msg_length_is_accepted_like_pppd()
    {
        var peer = Roles.PapPeer();
        peer.Start();

        var output = peer.Receive(Make(2, 1));

        Assert.Equal(new AuthResult.Succeeded("", ""), output.Result);
        Assert.Equal(0, peer.Counters.Malformed);
    }

    [Fact]
    public void Ack_whose_msg_length_runs_past_the_packet_counts_as_malformed_but_is_honoured()
    {
        var peer = Roles.PapPeer();
        peer.Start();

        var output = peer.Receive(Make(2, 1, 50, (byte)'o', (byte)'k'));

        Assert.Equal(new AuthResult.Succeeded("", "ok"), output.Result);
        Assert.Equal(1, peer.Counters.Malformed);
        Assert.Equal(TimerCommand.Stop, output.Timer);
    }

    [Fact]
    public void Repeated_ack_after_success_is_counted_and_changes_nothing()
    {
        var peer = Roles.PapPeer();
        peer.Start();
        peer.Receive(Make(2, 1, 0));

        var output = peer.Receive(Make(3, 1, 0));

        Assert.Null(output.Result);
        Assert.Equal(1, peer.Counters.Repeated);
        Assert.Equal(AuthState.Succeeded, peer.State);
    }

    [Fact]
    public void Timer_expiry_without_a_running_timer_is_ignored()
    {
        var peer = Roles.PapPeer();
        peer.Start();
        peer.Receive(Make(2, 1, 0));

        Assert.Equal(AuthOutput.Nothing, peer.TimerExpired());
        Assert.Equal(AuthOutput.Nothing, Roles.PapAuthenticator().TimerExpired());
    }

    [Fact]
    public void Password_longer_than_255_bytes_is_refused_at_configuration_time()
    {
        var ex = Assert.Throws<ArgumentException>(() => Roles.PapPeer(key: new string('k', 256)));
        Assert.DoesNotContain("kkkk", ex.Message);
    }
}
