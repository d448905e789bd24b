using Gateway.Core.Config;
using Gateway.Core.Crypto;
using Gateway.Web.Cli;

namespace Gateway.Tests.Web;

public class KeygenCommandTests
{
    [Fact]
    public void KeygenPrintsAPrivateKeyFileLineThenItsPublicKey()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(KeygenCommand.Ok, KeygenCommand.Run([], stdout, stderr));
        Assert.Empty(stderr.ToString());

        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var file = PrivateKeyFile.Parse("key", lines[0] + "\n");
        using var pair = file.KeyPair;
        Assert.NotNull(pair);
        Assert.True(X25519PublicKey.TryParse(lines[1], out var publicKey));
        Assert.Equal(pair.PublicKey, publicKey);
    }

    [Fact]
    public void EachRunMakesANewKey()
    {
        var first = new StringWriter();
        var second = new StringWriter();
        KeygenCommand.Run([], first, TextWriter.Null);
        KeygenCommand.Run([], second, TextWriter.Null);
        Assert.NotEqual(first.ToString(), second.ToString());
    }

    [Fact]
    public void ArgumentsAreRefusedWithTheUsage()
    {
        var stderr = new StringWriter();
        Assert.Equal(KeygenCommand.BadInput, KeygenCommand.Run(["--out", "key"], TextWriter.Null, stderr));
        Assert.Contains(KeygenCommand.Usage, stderr.ToString());
    }
}
