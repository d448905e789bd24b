using Gateway.Core.Config;

namespace Gateway.Tests.Config;

public class PppSecretsTests
{
    private const string Text = """
        # comment
        vpnname vpnkey
        "spaced name" "a key # with hash" 10.0.0.1 vpn-in 5551234
        Bob bobkey * * *
        bob lowerkey  # trailing comment
        vpnname second
        lonely
        """;

    private static PppSecrets Secrets => PppSecrets.Parse("ppp.secret", Text);

    [Fact]
    public void EntriesKeepTheirFieldsAndStarMeansNone()
    {
        var spaced = Secrets.Entries[1];
        Assert.Equal(("spaced name", "a key # with hash", "10.0.0.1", "vpn-in", "5551234"), (spaced.Name, spaced.Key.Reveal(), spaced.PeerAddress, spaced.Label, spaced.Callback));
        var bob = Secrets.Entries[2];
        Assert.Equal((null, null, null), (bob.PeerAddress, bob.Label, bob.Callback));
    }

    [Fact]
    public void NamesAreCaseSensitiveAndTheFirstLineWins()
    {
        Assert.True(Secrets.TryLookup("bob", out var lower));
        Assert.Equal("lowerkey", lower.Key.Reveal());
        Assert.True(Secrets.TryLookup("Bob", out var upper));
        Assert.Equal("bobkey", upper.Key.Reveal());
        Assert.True(Secrets.TryLookup("vpnname", out var first));
        Assert.Equal("vpnkey", first.Key.Reveal());
        Assert.False(Secrets.TryLookup("BOB", out _));
    }

    [Fact]
    public void DomainUserFallsBackToUser()
    {
        Assert.True(Secrets.TryLookup(@"WORKGROUP\bob", out var entry));
        Assert.Equal("lowerkey", entry.Key.Reveal());
        Assert.False(Secrets.TryLookup(@"WORKGROUP\", out _));
    }

    [Fact]
    public void DiagnosticsNameTheLine()
    {
        Assert.Equal([6, 7], Secrets.Diagnostics.Select(d => d.Line));
    }

    [Fact]
    public void KeysNeverShowInToString()
    {
        Assert.DoesNotContain("vpnkey", Secrets.Entries[0].ToString());
        Assert.Contains(ConfigSecret.Mask, Secrets.Entries[0].ToString());
    }

    [Fact]
    public void BinaryAndEmptyFilesGiveNoEntriesAndNoException()
    {
        Assert.Empty(PppSecrets.Parse("s", "").Entries);
        var binary = PppSecrets.Parse("s", "a b\n\0\u0001");
        Assert.Empty(binary.Entries);
        Assert.Equal(2, Assert.Single(binary.Diagnostics).Line);
    }

    [Fact]
    public void SeedSecretHasTheVpnName()
    {
        var secrets = PppSecrets.Read(SeedFiles.Path_("ppp.secret.span-isp"), new Gateway.Web.Cli.DiskConfigSource());
        Assert.True(secrets.TryLookup("vpnname", out var entry));
        Assert.Equal("vpnkey", entry.Key.Reveal());
        Assert.Empty(secrets.Diagnostics);
    }
}
