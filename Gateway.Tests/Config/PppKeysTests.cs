using Gateway.Core.Config;
using Gateway.Core.Crypto;

namespace Gateway.Tests.Config;

public class PppKeysTests
{
    private static readonly string KeyA = Key(1), KeyB = Key(2), KeyC = Key(3);

    private static string Key(byte fill) => Convert.ToBase64String(Enumerable.Repeat(fill, 32).ToArray());

    private static string Text => $"""
        # authname  public key  label
        gw1 {KeyA} "rack 2"
        gw1 {KeyB}  # second device
        "gw two" {KeyC} *
        lonely
        gw3 not-a-key
        gw4 {KeyA}
        gw1 {KeyB}
        gw5 "{Key(4)}" label extra
        gw6 "{Key(5)}
        """;

    private static PppKeys Keys => PppKeys.Parse("ppp.keys", Text);

    [Fact]
    public void EntriesKeepAuthnameKeyAndLabel()
    {
        var entries = Keys.Entries;
        Assert.Equal(["gw1", "gw1", "gw two", "gw5"], entries.Select(e => e.AuthName));
        Assert.Equal(KeyA, entries[0].PublicKey.ToBase64());
        Assert.Equal("rack 2", entries[0].Label);
        Assert.Null(entries[1].Label);
        Assert.Null(entries[2].Label);
        Assert.Equal([2, 3, 4, 9], entries.Select(e => e.Location.Line));
    }

    [Fact]
    public void DiagnosticsNameFileLineAndWhatIsWrong()
    {
        var d = Keys.Diagnostics;
        Assert.Equal(
        [
            "ppp.keys:5: error: 'lonely' has no public key; line ignored",
            "ppp.keys:6: error: 'not-a-key' is not a public key (44 characters of base64, as gateway keygen prints); line ignored",
            "ppp.keys:7: error: this key is already 'gw1''s at line 2: a key names one peer; line ignored",
            "ppp.keys:8: warning: the same key for 'gw1' is at line 3; line ignored",
            "ppp.keys:9: warning: more than three fields: the rest are ignored",
            "ppp.keys:10: error: unterminated double quote (ppp: invalid line); line ignored",
        ], d.Select(x => x.ToString()));
    }

    [Fact]
    public void AnAuthnameMayHaveSeveralKeys()
    {
        Assert.Equal([KeyA, KeyB], Keys.ForAuthName("gw1").Select(e => e.PublicKey.ToBase64()));
        Assert.Empty(Keys.ForAuthName("GW1"));
    }

    [Fact]
    public void TheAllowListFindsEachKeysAuthname()
    {
        using var list = Keys.ToAllowList();
        Assert.Equal(4, list.Count);
        Assert.True(X25519PublicKey.TryParse(KeyC, out var c));
        Assert.Equal("gw two", list.Find(c)!.AuthName);
        Assert.True(X25519PublicKey.TryParse(Key(9), out var unknown));
        Assert.Null(list.Find(unknown));
        Assert.Equal(2, list.ForAuthName("gw1").Count());
    }

    [Fact]
    public void AMissingOrBinaryFileIsOneError()
    {
        var missing = PppKeys.Read("/etc/ppp/ppp.keys", new InMemoryConfigSource());
        Assert.Equal("/etc/ppp/ppp.keys: error: cannot open: no such file", Assert.Single(missing.Diagnostics).ToString());
        var binary = PppKeys.Parse("k", $"gw1 {KeyA}\n\0");
        Assert.Empty(binary.Entries);
        Assert.Equal("k:2: error: binary file (a NUL byte): not a ppp.keys; file ignored", Assert.Single(binary.Diagnostics).ToString());
    }
}
