using System.Diagnostics;
using System.Reflection;
using Gateway.Core.Ppp.Auth;

namespace Gateway.Tests.Ppp.Auth;

public class SecretTests
{
    private const string Key = "Zq7-distinctive-KEY";

    [Fact]
    public void Secret_shows_only_stars_in_text_and_in_the_debugger()
    {
        var secret = Secret.FromText(Key);

        Assert.Equal("********", secret.ToString());
        Assert.Equal("********", $"{secret}");
        Assert.Equal("********", typeof(Secret).GetCustomAttribute<DebuggerDisplayAttribute>()!.Value);
        var fields = typeof(Secret).GetFields(BindingFlags.Instance | BindingFlags.NonPublic);
        Assert.NotEmpty(fields);
        Assert.All(fields, f => Assert.Equal(DebuggerBrowsableState.Never, f.GetCustomAttribute<DebuggerBrowsableAttribute>()!.State));
    }

    [Fact]
    public void Settings_records_print_the_key_as_stars()
    {
        string pap = new PapPeerSettings("alice", Secret.FromText(Key)).ToString();
        string chap = new ChapPeerSettings("alice", Secret.FromText(Key)).ToString();

        Assert.DoesNotContain(Key, pap);
        Assert.DoesNotContain(Key, chap);
        Assert.Contains("AuthKey = ********", pap);
    }

    [Fact]
    public void Matches_is_exact()
    {
        var secret = Secret.FromText("abc");

        Assert.True(secret.Matches("abc"u8));
        Assert.False(secret.Matches("abd"u8));
        Assert.False(secret.Matches("ab"u8));
        Assert.False(secret.Matches("abcd"u8));
        Assert.False(secret.Matches("ABC"u8));
        Assert.True(Secret.Empty.Matches([]));
        Assert.False(Secret.Empty.Matches("a"u8));
    }

    [Fact]
    public void No_reason_ever_contains_a_key()
    {
        var store = new InMemorySecretStore().Add("alice", Secret.FromText(Key));
        var reasons = new List<string>();
        void Collect(BackToBack link) =>
            reasons.AddRange(new[] { link.Authenticator, link.Peer }.SelectMany(s => s.Results).OfType<AuthResult.Failed>().Select(f => f.Reason));

        // wrong key both ways, unknown peer, silence: every failure path of both protocols
        Collect(new BackToBack(Roles.PapAuthenticator(store), Roles.PapPeer("alice", Key + "x")).Run());
        Collect(new BackToBack(Roles.PapAuthenticator(store), Roles.PapPeer("bob", Key)).Run());
        Collect(new BackToBack(Roles.PapAuthenticator(store), Roles.PapPeer("alice", Key)) { LoseToAuthenticator = _ => true }.Run());
        Collect(new BackToBack(Roles.ChapAuthenticator(store), Roles.ChapPeer("alice", Key + "x")).Run());
        Collect(new BackToBack(Roles.ChapAuthenticator(store), Roles.ChapPeer("bob", Key)).Run());
        Collect(new BackToBack(Roles.ChapAuthenticator(store), Roles.ChapPeer("alice", Key)) { LoseToAuthenticator = _ => true }.Run());
        Collect(new BackToBack(Roles.ChapAuthenticator(store), Roles.ChapPeer("alice", Key)) { LoseToPeer = _ => true }.Run());

        Assert.True(reasons.Count >= 10, $"only {reasons.Count} reasons");
        Assert.All(reasons, r => Assert.DoesNotContain("distinctive", r));
    }

    [Fact]
    public void Configuration_errors_do_not_show_the_key()
    {
        string longKey = Key + new string('k', 300);
        var pap = Assert.Throws<ArgumentException>(() => new PapPeer(new PapPeerSettings("alice", Secret.FromText(longKey))));
        var name = Assert.Throws<ArgumentException>(() => new ChapPeer(new ChapPeerSettings(new string('n', 256), Secret.FromText(Key))));

        Assert.DoesNotContain(Key, pap.Message);
        Assert.DoesNotContain(Key, name.Message);
    }

    [Theory]
    [InlineData(@"CORP\alice", "alice")]
    [InlineData(@"\alice", "alice")]
    [InlineData(@"A\B\alice", "alice")]
    public void Domain_user_strips_through_the_last_backslash(string name, string user)
    {
        Assert.True(SecretLookup.TryStripDomain(name, out var stripped));
        Assert.Equal(user, stripped);
    }

    [Theory]
    [InlineData("alice")]
    [InlineData(@"CORP\")]
    [InlineData("")]
    public void Names_without_a_user_part_do_not_fall_back(string name)
    {
        Assert.False(SecretLookup.TryStripDomain(name, out _));
    }

    [Fact]
    public void Lookup_prefers_the_exact_name_then_falls_back_to_the_user()
    {
        var exact = Secret.FromText("exact");
        var user = Secret.FromText("user");
        var store = new InMemorySecretStore().Add(@"CORP\alice", exact).Add("alice", user).Add("bob", user);

        Assert.True(store.TryFind(@"CORP\alice", out var found, out var matched));
        Assert.Same(exact, found);
        Assert.Equal(@"CORP\alice", matched);
        Assert.True(store.TryFind(@"OTHER\alice", out found, out matched));
        Assert.Same(user, found);
        Assert.Equal("alice", matched);
        Assert.True(store.TryFind(@"X\Y\bob", out _, out matched));
        Assert.Equal("bob", matched);
        Assert.False(store.TryFind(@"CORP\", out _, out _));
        Assert.False(store.TryFind(@"CORP\Alice", out _, out _)); // case-sensitive
        Assert.False(store.TryFind("ALICE", out _, out _));
    }
}
