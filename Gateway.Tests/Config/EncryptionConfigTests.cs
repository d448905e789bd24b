using Gateway.Core.Config;
using Gateway.Core.Crypto;

namespace Gateway.Tests.Config;

/// <summary>Issue 13's ppp.conf extension: <c>set encrypt off|on|require</c>, <c>set encryptkey</c>, <c>set encryptpeer</c>, <c>set encryptkeys</c>.</summary>
public class EncryptionConfigTests
{
    private static readonly string ReceiverKey = KeyPairText();

    private static string KeyPairText()
    {
        using var pair = KeyPair.Generate();
        return pair.PublicKey.ToString();
    }

    private static ProfileResolution Resolve(string conf, params string[] labels) =>
        ProfileResolver.Resolve(PppConfReader.Read("ppp.conf", new InMemoryConfigSource().Add("ppp.conf", conf)), labels);

    private static GatewayModelResult Build(string conf) =>
        GatewayModelBuilder.Build(new GatewayConfigFiles(PppConfReader.Read("ppp.conf", new InMemoryConfigSource().Add("ppp.conf", conf))));

    private const string NicBundle = "vpn-nic:\n set mrru 1500\n set device 127.0.0.1:6671/udp\n";

    private const string Receiver = "vpn-in:\n set mrru 1500\n enable chap\n set ifaddr 10.0.0.1 10.0.0.2\n";

    [Fact]
    public void EncryptionIsOffByDefault()
    {
        var model = Build(NicBundle + Receiver).Model;
        Assert.Equal(EncryptionMode.Off, model.Bundles.Single().Encryption!.Mode);
        Assert.Equal(EncryptionMode.Off, model.Receivers.Single().Encryption!.Mode);
    }

    [Fact]
    public void A_gateway_label_names_its_private_key_and_the_receivers_public_key()
    {
        var result = Build(NicBundle + $" set encrypt on\n set encryptkey /etc/ppp/gw.key\n set encryptpeer {ReceiverKey}\n");
        Assert.False(result.HasErrors, string.Join("\n", result.Diagnostics));
        var encryption = result.Model.Bundles.Single().Encryption!;
        Assert.Equal((EncryptionMode.On, "/etc/ppp/gw.key", ReceiverKey), (encryption.Mode, encryption.KeyFile, encryption.PeerKey));
    }

    [Fact]
    public void A_receiver_label_names_its_private_key_and_ppp_keys()
    {
        var result = Build(Receiver + " set encrypt require\n set encryptkey /etc/ppp/in.key\n set encryptkeys /etc/ppp/ppp.keys\n");
        Assert.False(result.HasErrors, string.Join("\n", result.Diagnostics));
        var encryption = result.Model.Receivers.Single().Encryption!;
        Assert.Equal((EncryptionMode.Require, "/etc/ppp/in.key", "/etc/ppp/ppp.keys"), (encryption.Mode, encryption.KeyFile, encryption.KeysFile));
    }

    [Fact]
    public void Encryption_without_its_keys_is_an_error_at_the_set_encrypt_line()
    {
        var result = Build(NicBundle + " set encrypt on\n");
        var error = Assert.Single(result.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(("ppp.conf", 4), (error.File, error.Line));
        Assert.Contains("set encryptkey", error.Message);
        Assert.Contains("set encryptpeer", error.Message);

        var receiver = Build(Receiver + " set encryptkey /k\n set encrypt require\n");
        error = Assert.Single(receiver.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(6, error.Line);
        Assert.Contains("set encryptkeys", error.Message);
    }

    [Theory]
    [InlineData("set encrypt maybe")]
    [InlineData("set encrypt")]
    [InlineData("set encrypt on off")]
    [InlineData("set encryptpeer not-a-key")]
    [InlineData("set encryptkey")]
    public void A_malformed_line_is_an_error_naming_its_line_and_changes_nothing(string line)
    {
        var r = Resolve($"a:\n set encrypt on\n {line}\n", "a");
        var error = Assert.Single(r.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(3, error.Line);
        Assert.Equal(EncryptionMode.On, r.Profile.Encryption.Mode);
        Assert.Null(r.Profile.Encryption.PeerKey);
        Assert.Null(r.Profile.Encryption.KeyFile);
    }

    [Fact]
    public void The_words_match_by_prefix_and_case_as_every_set_command()
    {
        var r = Resolve("a:\n SET ENCRYPT REQUIRE\n set encryptp " + ReceiverKey + "\n set encryptkeys /k\n", "a");
        Assert.Empty(r.Diagnostics);
        Assert.Equal((EncryptionMode.Require, ReceiverKey, "/k"), (r.Profile.Encryption.Mode, r.Profile.Encryption.PeerKey, r.Profile.Encryption.KeysFile));
        // "encryptk" could be encryptkey or encryptkeys: ambiguous, as ppp says of any such prefix.
        Assert.Contains("ambiguous", Assert.Single(Resolve("a:\n set encryptk /k\n", "a").Diagnostics).Message);
    }

    [Fact]
    public void A_later_label_can_turn_encryption_off_again()
    {
        var r = Resolve("default:\n set encrypt on\na:\n set encrypt off\n", "a");
        Assert.Equal(EncryptionMode.Off, r.Profile.Encryption.Mode);
    }
}
