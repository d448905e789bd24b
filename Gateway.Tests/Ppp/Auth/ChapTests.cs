using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Auth;
using static Gateway.Tests.Ppp.Auth.Packets;

namespace Gateway.Tests.Ppp.Auth;

public class ChapTests
{
    private static readonly TimeSpan Restart = TimeSpan.FromSeconds(3);

    [Fact]
    public void Right_secret_authenticates_both_sides()
    {
        var link = new BackToBack(Roles.ChapAuthenticator(), Roles.ChapPeer()).Run();

        Assert.Equal(new AuthResult.Succeeded("alice", "Welcome!!"), link.Authenticator.Result);
        Assert.Equal(new AuthResult.Succeeded("receiver", "Welcome!!"), link.Peer.Result);
        Assert.Equal(TimeSpan.Zero, link.Now);
        Assert.Null(link.Authenticator.Deadline);
        Assert.Null(link.Peer.Deadline);
        Assert.Equal(PppProtocol.Chap, link.Authenticator.Role.Protocol);
        Assert.Equal("alice", ChapName(link.Peer.Sent.Single()));
    }

    [Fact]
    public void Response_matches_an_md5_vector_computed_outside_dotnet()
    {
        // python3: hashlib.md5(bytes([1]) + b'vpnkey' + bytes(range(16))).hexdigest()
        var expected = Convert.FromHexString("ac52c4a4858a4f2680d347f276c71a75");
        var peer = Roles.ChapPeer("vpnname", "vpnkey");
        peer.Start();

        var output = peer.Receive(ChapValueName(1, 1, [.. Enumerable.Range(0, 16).Select(i => (byte)i)], Utf8("receiver")));

        Assert.Equal(ChapValueName(2, 1, expected, Utf8("vpnname")), output.Packet);
    }

    [Fact]
    public void Authenticator_verifies_identifier_secret_and_challenge_as_rfc_1994_says()
    {
        // Challenge value 0x10..0x1F, identifier 0x2A, fixed length 16: all from the scripted random source.
        var random = new ScriptedRandom([0x2A, .. Enumerable.Range(0x10, 16).Select(i => (byte)i)]);
        var store = new InMemorySecretStore().Add("isp1name", Secret.FromText("isp1key"));
        var authenticator = Roles.ChapAuthenticator(store, random, s => s with { MinChallengeLength = 16, MaxChallengeLength = 16 });

        var challenge = authenticator.Start().Packet!;

        Assert.Equal(ChapValueName(1, 0x2A, [.. Enumerable.Range(0x10, 16).Select(i => (byte)i)], Utf8("receiver")), challenge);
        // python3: hashlib.md5(bytes([0x2a]) + b'isp1key' + bytes(range(0x10, 0x20))).hexdigest()
        var vector = Convert.FromHexString("c513c8cee56db085a9f51df8914adc78");
        Assert.Equal(vector, Md5Response(0x2A, Utf8("isp1key"), ChapValue(challenge)));
        var verdict = authenticator.Receive(ChapValueName(2, 0x2A, vector, Utf8("isp1name")));
        Assert.Equal(new AuthResult.Succeeded("isp1name", "Welcome!!"), verdict.Result);
        Assert.Equal(Make(3, 0x2A, Utf8("Welcome!!")), verdict.Packet);
    }

    [Fact]
    public void Wrong_secret_fails_and_the_reason_names_peer_and_cause()
    {
        var store = Roles.Store().Add("bob", Secret.FromText("bobs-real-key"));
        var link = new BackToBack(Roles.ChapAuthenticator(store), Roles.ChapPeer("bob", "guess")).Run();

        var failed = Assert.IsType<AuthResult.Failed>(link.Authenticator.Result);
        Assert.Equal(AuthFailure.WrongSecret, failed.Failure);
        Assert.Equal("CHAP authentication failed: peer 'bob' sent a wrong response", failed.Reason);
        var refused = Assert.IsType<AuthResult.Failed>(link.Peer.Result);
        Assert.Equal(AuthFailure.RefusedByAuthenticator, refused.Failure);
        Assert.Equal("CHAP authentication failed: authenticator 'receiver' refused our response as 'bob': 'Invalid!!'", refused.Reason);
        Assert.Equal(Make(4, link.Authenticator.Sent[0][1], Utf8("Invalid!!")), link.Authenticator.Sent[^1]);
    }

    [Fact]
    public void Unknown_peer_fails_as_having_no_secret()
    {
        var link = new BackToBack(Roles.ChapAuthenticator(), Roles.ChapPeer("mallory", "x")).Run();

        var failed = Assert.IsType<AuthResult.Failed>(link.Authenticator.Result);
        Assert.Equal(AuthFailure.UnknownPeer, failed.Failure);
        Assert.Equal("CHAP authentication failed: peer 'mallory' has no secret", failed.Reason);
    }

    [Fact]
    public void Domain_user_falls_back_to_user()
    {
        var link = new BackToBack(Roles.ChapAuthenticator(), Roles.ChapPeer(@"CORP\alice")).Run();

        Assert.Equal(@"CORP\alice", Assert.IsType<AuthResult.Succeeded>(link.Authenticator.Result).PeerName);
    }

    [Fact]
    public void Lost_challenge_is_retransmitted_with_new_identifier_and_fresh_value()
    {
        var link = new BackToBack(Roles.ChapAuthenticator(), Roles.ChapPeer()) { LoseToPeer = n => n == 1 }.Run();

        Assert.IsType<AuthResult.Succeeded>(link.Authenticator.Result);
        Assert.IsType<AuthResult.Succeeded>(link.Peer.Result);
        Assert.Equal(Restart, link.Authenticator.DecidedAt);
        var (first, second) = (link.Authenticator.Sent[0], link.Authenticator.Sent[1]);
        Assert.Equal((byte)(first[1] + 1), second[1]);
        Assert.NotEqual(ChapValue(first), ChapValue(second));
    }

    [Fact]
    public void Lost_response_is_recovered()
    {
        var link = new BackToBack(Roles.ChapAuthenticator(), Roles.ChapPeer()) { LoseToAuthenticator = n => n == 1 }.Run();

        Assert.IsType<AuthResult.Succeeded>(link.Authenticator.Result);
        Assert.IsType<AuthResult.Succeeded>(link.Peer.Result);
        Assert.Single(link.Peer.Results);
    }

    [Fact]
    public void Lost_success_is_recovered_by_the_repeated_response_getting_the_same_success()
    {
        var link = new BackToBack(Roles.ChapAuthenticator(), Roles.ChapPeer()) { LoseToPeer = n => n == 2 }.Run();

        Assert.IsType<AuthResult.Succeeded>(link.Peer.Result);
        Assert.Equal(Restart, link.Peer.DecidedAt);
        Assert.Single(link.Authenticator.Results);
        Assert.Equal(link.Authenticator.Sent[1], link.Authenticator.Sent[2]);
        Assert.Equal(1, link.Authenticator.Role.Counters.Repeated);
    }

    [Fact]
    public void Authenticator_gives_up_after_max_challenges()
    {
        var link = new BackToBack(Roles.ChapAuthenticator(), Roles.ChapPeer(tweak: s => s with { ChallengeTimeout = null }))
        {
            LoseToPeer = _ => true,
        }.Run();

        Assert.Equal(3, link.Authenticator.Sent.Count);
        var failed = Assert.IsType<AuthResult.Failed>(link.Authenticator.Result);
        Assert.Equal(AuthFailure.Timeout, failed.Failure);
        Assert.Equal("CHAP: no response after 3 challenges", failed.Reason);
        Assert.Equal(TimeSpan.FromSeconds(9), link.Authenticator.DecidedAt);
        Assert.Null(link.Peer.Result); // FreeBSD-like: with no timeout the peer waits for ever
        Assert.Equal(3, link.Authenticator.Sent.Select(p => p[1]).Distinct().Count());
    }

    [Fact]
    public void Challenge_period_and_attempts_are_configurable()
    {
        var authenticator = Roles.ChapAuthenticator(tweak: s => s with { RestartInterval = TimeSpan.FromSeconds(1), MaxChallenges = 5 });
        var link = new BackToBack(authenticator, Roles.ChapPeer()) { LoseToPeer = _ => true }.Run();

        Assert.Equal(5, link.Authenticator.Sent.Count);
        Assert.Equal(TimeSpan.FromSeconds(5), link.Authenticator.DecidedAt);
        Assert.Equal("CHAP: no response after 5 challenges", ((AuthResult.Failed)link.Authenticator.Result!).Reason);
    }

    [Fact]
    public void Peer_gives_up_when_no_challenge_comes()
    {
        var link = new BackToBack(Roles.ChapAuthenticator(), Roles.ChapPeer()) { LoseToPeer = _ => true }.Run();

        var failed = Assert.IsType<AuthResult.Failed>(link.Peer.Result);
        Assert.Equal("CHAP: no challenge from the authenticator within 9 s", failed.Reason);
    }

    [Fact]
    public void Peer_gives_up_after_max_responses_without_success_or_failure()
    {
        var peer = Roles.ChapPeer(tweak: s => s with { MaxResponses = 3 });
        peer.Start();
        var response = peer.Receive(ChapValueName(1, 9, [1, 2, 3], Utf8("receiver"))).Packet;

        var second = peer.TimerExpired();
        var third = peer.TimerExpired();
        var last = peer.TimerExpired();

        Assert.Equal(response, second.Packet);
        Assert.Equal(response, third.Packet);
        var failed = Assert.IsType<AuthResult.Failed>(last.Result);
        Assert.Equal("CHAP: no Success or Failure from authenticator 'receiver' after 3 responses", failed.Reason);
        Assert.Equal(TimerCommand.Stop, last.Timer);
    }

    [Fact]
    public void Challenges_are_fresh_and_of_freebsd_length_16_to_47()
    {
        var authenticator = Roles.ChapAuthenticator(random: new SeededRandom(42));
        var values = new List<byte[]> { ChapValue(authenticator.Start().Packet!) };
        for (int i = 0; i < 2; i++)
            values.Add(ChapValue(authenticator.TimerExpired().Packet!));
        for (int i = 0; i < 20; i++)
            values.Add(ChapValue(authenticator.Start().Packet!));

        Assert.All(values, v => Assert.InRange(v.Length, 16, 47));
        Assert.Equal(values.Count, values.Select(Convert.ToHexString).Distinct().Count());
        Assert.True(values.Select(v => v.Length).Distinct().Count() > 1);
    }

    [Fact]
    public void Rechallenge_is_off_by_default_and_periodic_when_configured()
    {
        var quiet = new BackToBack(Roles.ChapAuthenticator(), Roles.ChapPeer()).Run(TimeSpan.FromHours(1));
        Assert.Single(quiet.Authenticator.Sent, p => p[0] == 1);

        var periodic = new BackToBack(
            Roles.ChapAuthenticator(tweak: s => s with { RechallengeInterval = TimeSpan.FromSeconds(60) }),
            Roles.ChapPeer()).Run(TimeSpan.FromSeconds(200));

        Assert.Equal(4, periodic.Authenticator.Sent.Count(p => p[0] == 1)); // at 0, 60, 120, 180 s
        Assert.Equal(4, periodic.Authenticator.Sent.Count(p => p[0] == 3));
        Assert.Single(periodic.Authenticator.Results);
        Assert.Single(periodic.Peer.Results);
        Assert.Equal(AuthState.Succeeded, periodic.Authenticator.Role.State);
    }

    [Fact]
    public void Rechallenge_answered_under_another_name_fails_the_link()
    {
        var store = Roles.Store().Add("bob", Secret.FromText("bobkey"));
        var authenticator = Roles.ChapAuthenticator(store, tweak: s => s with { RechallengeInterval = TimeSpan.FromSeconds(60) });
        var alice = Roles.ChapPeer();
        var bob = Roles.ChapPeer("bob", "bobkey");
        alice.Start();
        bob.Start();
        var challenge = authenticator.Start().Packet!;
        authenticator.Receive(alice.Receive(challenge).Packet);

        var rechallenge = authenticator.TimerExpired().Packet!;
        var verdict = authenticator.Receive(bob.Receive(rechallenge).Packet);

        var failed = Assert.IsType<AuthResult.Failed>(verdict.Result);
        Assert.Equal(AuthFailure.PeerNameChanged, failed.Failure);
        Assert.Equal("CHAP authentication failed: peer 'alice' answered a re-challenge as 'bob'", failed.Reason);
        Assert.Equal(4, verdict.Packet![0]);
    }

    // ---- hostile input (BAD-INPUT.md, Authentication) ----

    private static (ChapAuthenticator Authenticator, byte[] Challenge) Challenged(ISecretStore? store = null)
    {
        var authenticator = Roles.ChapAuthenticator(store);
        return (authenticator, authenticator.Start().Packet!);
    }

    private static byte[] GoodResponse(byte[] challenge, string name = "alice", string key = "alice-key-123") =>
        ChapValueName(2, challenge[1], Md5Response(challenge[1], Utf8(key), ChapValue(challenge)), Utf8(name));

    [Fact]
    public void Response_with_a_stale_identifier_is_dropped_and_counted()
    {
        var (authenticator, challenge) = Challenged();
        var stale = GoodResponse(challenge);
        stale[1]--;

        Assert.Equal(AuthOutput.Nothing, authenticator.Receive(stale));
        Assert.Equal(1, authenticator.Counters.StaleIdentifier);
        Assert.IsType<AuthResult.Succeeded>(authenticator.Receive(GoodResponse(challenge)).Result);
    }

    [Fact]
    public void Response_to_a_superseded_challenge_is_stale()
    {
        var (authenticator, first) = Challenged();
        var second = authenticator.TimerExpired().Packet!;

        Assert.Equal(AuthOutput.Nothing, authenticator.Receive(GoodResponse(first)));
        Assert.Equal(1, authenticator.Counters.StaleIdentifier);
        Assert.IsType<AuthResult.Succeeded>(authenticator.Receive(GoodResponse(second)).Result);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void Success_or_failure_before_any_challenge_is_counted_and_ignored(byte code)
    {
        var peer = Roles.ChapPeer();
        peer.Start();

        Assert.Equal(AuthOutput.Nothing, peer.Receive(Make(code, 1, Utf8("hello"))));
        Assert.Equal(1, peer.Counters.Unexpected);
        Assert.Equal(AuthState.Running, peer.State);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void Success_or_failure_with_another_identifier_is_stale(byte code)
    {
        var peer = Roles.ChapPeer();
        peer.Start();
        peer.Receive(ChapValueName(1, 10, [1, 2, 3, 4], Utf8("receiver")));

        Assert.Equal(AuthOutput.Nothing, peer.Receive(Make(code, 11)));
        Assert.Equal(1, peer.Counters.StaleIdentifier);
        Assert.Equal(AuthState.Running, peer.State);
    }

    [Fact]
    public void Unsolicited_success_after_success_is_a_repeat_and_changes_nothing()
    {
        var peer = Roles.ChapPeer();
        peer.Start();
        peer.Receive(ChapValueName(1, 10, [1, 2, 3, 4], Utf8("receiver")));
        peer.Receive(Make(3, 10));

        var again = peer.Receive(Make(4, 10));

        Assert.Null(again.Result);
        Assert.Equal(AuthState.Succeeded, peer.State);
        Assert.Equal(1, peer.Counters.Repeated);
    }

    [Fact]
    public void Replayed_response_gets_the_same_decision_without_verifying_again()
    {
        var (authenticator, challenge) = Challenged();
        var response = GoodResponse(challenge);
        var first = authenticator.Receive(response);

        var replay = authenticator.Receive(response);
        var garbledReplay = authenticator.Receive(ChapValueName(2, challenge[1], new byte[16], Utf8("mallory")));

        Assert.Equal(first.Packet, replay.Packet);
        Assert.Equal(first.Packet, garbledReplay.Packet);
        Assert.Null(replay.Result);
        Assert.Null(garbledReplay.Result);
        Assert.Equal(2, authenticator.Counters.Repeated);
        Assert.Equal(AuthState.Succeeded, authenticator.State);
    }

    [Fact]
    public void Replayed_response_after_failure_gets_failure_again()
    {
        var (authenticator, challenge) = Challenged();
        var wrong = GoodResponse(challenge, key: "nope");
        var first = authenticator.Receive(wrong);

        var replay = authenticator.Receive(GoodResponse(challenge));

        Assert.Equal(4, first.Packet![0]);
        Assert.Equal(first.Packet, replay.Packet);
        Assert.Null(replay.Result);
        Assert.Equal(AuthState.Failed, authenticator.State);
    }

    [Fact]
    public void Response_with_value_size_0_is_a_failed_response_and_counted()
    {
        var (authenticator, challenge) = Challenged();

        var verdict = authenticator.Receive(ChapValueName(2, challenge[1], [], Utf8("alice")));

        var failed = Assert.IsType<AuthResult.Failed>(verdict.Result);
        Assert.Equal(AuthFailure.EmptyResponse, failed.Failure);
        Assert.Equal("CHAP authentication failed: peer 'alice' sent an empty response (Value-Size 0)", failed.Reason);
        Assert.Equal(4, verdict.Packet![0]);
        Assert.Equal(1, authenticator.Counters.Malformed);
    }

    public static TheoryData<string, byte[]> MalformedResponses(byte id) => new()
    {
        { "3 bytes", [2, id, 0] },
        { "Length 3", [2, id, 0, 3, 16] },
        { "Length 0", [2, id, 0, 0, 16] },
        { "Length 4, no Value-Size", [2, id, 0, 4] },
        { "Length beyond the bytes", WithLength(ChapValueName(2, id, new byte[16], Utf8("alice")), 100) },
        { "Value-Size beyond the packet", Make(2, id, [17, .. new byte[16]]) },
        { "Value-Size 255 in a short packet", Make(2, id, 255, 1, 2, 3) },
    };

    [Fact]
    public void Malformed_responses_are_dropped_and_counted_and_a_good_one_still_works()
    {
        var (authenticator, challenge) = Challenged();
        var cases = MalformedResponses(challenge[1]);

        foreach (var row in cases)
        {
            var packet = (byte[])row[1];
            Assert.Equal(AuthOutput.Nothing, authenticator.Receive(packet));
        }

        Assert.Equal(cases.Count, authenticator.Counters.Malformed);
        Assert.Equal(cases.Count, authenticator.Counters.Dropped);
        Assert.Equal(AuthState.Running, authenticator.State);
        Assert.IsType<AuthResult.Succeeded>(authenticator.Receive(GoodResponse(challenge)).Result);
    }

    [Fact]
    public void Empty_name_is_looked_up_as_the_empty_name()
    {
        var store = Roles.Store().Add("", Secret.FromText("anonymous-key"));
        var (authenticator, challenge) = Challenged(store);
        var (strict, strictChallenge) = Challenged();

        var verdict = authenticator.Receive(GoodResponse(challenge, name: "", key: "anonymous-key"));
        var refused = strict.Receive(GoodResponse(strictChallenge, name: "", key: "anonymous-key"));

        Assert.Equal(new AuthResult.Succeeded("", "Welcome!!"), verdict.Result);
        Assert.Equal("CHAP authentication failed: peer '' has no secret", ((AuthResult.Failed)refused.Result!).Reason);
    }

    [Fact]
    public void Name_of_255_bytes_is_fine_and_a_longer_one_is_shortened_in_the_reason()
    {
        string name = new('n', 255);
        var store = Roles.Store().Add(name, Secret.FromText("k"));
        var (authenticator, challenge) = Challenged(store);
        var (other, otherChallenge) = Challenged();

        var verdict = authenticator.Receive(GoodResponse(challenge, name: name, key: "k"));
        var refused = other.Receive(GoodResponse(otherChallenge, name: new string('m', 1000), key: "k"));

        Assert.Equal(name, Assert.IsType<AuthResult.Succeeded>(verdict.Result).PeerName);
        Assert.True(((AuthResult.Failed)refused.Result!).Reason.Length < 200);
    }

    [Fact]
    public void Control_characters_in_names_are_escaped_in_reasons()
    {
        var (authenticator, challenge) = Challenged();

        var refused = authenticator.Receive(GoodResponse(challenge, name: "evil\nFAKE LOG LINE", key: "k"));

        Assert.Equal(@"CHAP authentication failed: peer 'evil\x0aFAKE LOG LINE' has no secret", ((AuthResult.Failed)refused.Result!).Reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(255)]
    public void Unknown_code_is_dropped_and_counted(byte code)
    {
        var (authenticator, _) = Challenged();
        var peer = Roles.ChapPeer();
        peer.Start();

        Assert.Equal(AuthOutput.Nothing, authenticator.Receive(Make(code, 1, 0)));
        Assert.Equal(AuthOutput.Nothing, peer.Receive(Make(code, 1, 0)));

        Assert.Equal(1, authenticator.Counters.UnknownCode);
        Assert.Equal(1, peer.Counters.UnknownCode);
    }

    [Fact]
    public void Each_role_drops_the_other_roles_codes_as_unexpected()
    {
        var (authenticator, challenge) = Challenged();
        var peer = Roles.ChapPeer();
        peer.Start();

        authenticator.Receive(challenge);
        authenticator.Receive(Make(3, challenge[1]));
        peer.Receive(ChapValueName(2, 1, new byte[16], Utf8("x")));

        Assert.Equal(2, authenticator.Counters.Unexpected);
        Assert.Equal(1, peer.Counters.Unexpected);
        Assert.Equal(AuthState.Running, authenticator.State);
    }

    [Theory]
    [InlineData("Value-Size 0")]
    [InlineData("Value-Size beyond the packet")]
    [InlineData("Length 4")]
    public void Malformed_challenge_is_dropped_and_counted(string shape)
    {
        var peer = Roles.ChapPeer();
        peer.Start();
        byte[] packet = shape switch
        {
            "Value-Size 0" => ChapValueName(1, 1, [], Utf8("receiver")),
            "Value-Size beyond the packet" => Make(1, 1, 40, 1, 2, 3),
            _ => Make(1, 1),
        };

        Assert.Equal(AuthOutput.Nothing, peer.Receive(packet));
        Assert.Equal(1, peer.Counters.Malformed);
        Assert.NotNull(peer.Receive(ChapValueName(1, 2, [9], Utf8("receiver"))).Packet);
    }

    [Fact]
    public void Repeated_challenge_with_the_same_identifier_gets_the_same_response()
    {
        var peer = Roles.ChapPeer();
        peer.Start();
        var challenge = ChapValueName(1, 77, [5, 6, 7, 8], Utf8("receiver"));

        var first = peer.Receive(challenge);
        var again = peer.Receive(challenge);

        Assert.Equal(first.Packet, again.Packet);
        Assert.Equal(1, peer.Counters.Repeated);
    }

    [Fact]
    public void Challenge_with_padding_after_length_is_answered_over_the_value_only()
    {
        var peer = Roles.ChapPeer();
        peer.Start();
        byte[] challenge = ChapValueName(1, 3, [1, 2, 3, 4], Utf8("receiver"));

        var output = peer.Receive([.. challenge, 0xEE, 0xEE]);

        Assert.Equal(Md5Response(3, Utf8("alice-key-123"), [1, 2, 3, 4]), ChapValue(output.Packet!));
    }

    [Fact]
    public void Nothing_is_answered_after_failure()
    {
        var peer = Roles.ChapPeer();
        peer.Start();
        peer.Receive(ChapValueName(1, 3, [1, 2, 3, 4], Utf8("receiver")));
        peer.Receive(Make(4, 3));

        Assert.Equal(AuthOutput.Nothing, peer.Receive(ChapValueName(1, 4, [1, 2, 3, 4], Utf8("receiver"))));
        Assert.Equal(AuthOutput.Nothing, peer.TimerExpired());
        Assert.Equal(AuthState.Failed, peer.State);
    }

    [Fact]
    public void Challenge_length_settings_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Roles.ChapAuthenticator(tweak: s => s with { MinChallengeLength = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Roles.ChapAuthenticator(tweak: s => s with { MaxChallengeLength = 256 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Roles.ChapAuthenticator(tweak: s => s with { MinChallengeLength = 20, MaxChallengeLength = 19 }));
        var fixedLength = Roles.ChapAuthenticator(tweak: s => s with { MinChallengeLength = 16, MaxChallengeLength = 16 });
        Assert.Equal(16, ChapValue(fixedLength.Start().Packet!).Length);
    }
}
