using Gateway.Core.Config;
using Gateway.Core.Crypto;

namespace Gateway.Tests.Config;

public class PrivateKeyFileTests
{
    [Fact]
    public void TheFormattedFileReadsBackToTheSameKeyPair()
    {
        using var pair = KeyPair.Generate();
        var text = PrivateKeyFile.Format(pair);
        Assert.EndsWith("\n", text);
        Assert.Equal(1, text.Count(c => c == '\n'));

        var file = PrivateKeyFile.Parse("key", text);
        using var read = file.KeyPair;
        Assert.Empty(file.Diagnostics);
        Assert.Equal(pair.PublicKey, read!.PublicKey);
    }

    [Fact]
    public void CommentsBlankLinesAndSurroundingBlanksAreAllowed()
    {
        using var pair = KeyPair.Generate();
        var file = PrivateKeyFile.Parse("key", $"# site a\n\n  {pair.PrivateKeyToBase64()}\t\r\n\n");
        using var read = file.KeyPair;
        Assert.Equal(pair.PublicKey, read!.PublicKey);
    }

    [Theory]
    [InlineData("", "key: error: no key: a private-key file is one line of base64 (gateway keygen)")]
    [InlineData("# only a comment\n", "key: error: no key: a private-key file is one line of base64 (gateway keygen)")]
    [InlineData("\nnot-a-key\n", "key:2: error: not a private key (44 characters of base64); file ignored")]
    public void WhatIsNotOneKeyIsOneErrorThatNeverShowsTheLine(string text, string diagnostic)
    {
        var file = PrivateKeyFile.Parse("key", text);
        Assert.Null(file.KeyPair);
        Assert.Equal(diagnostic, Assert.Single(file.Diagnostics).ToString());
    }

    [Fact]
    public void TwoKeysAreRefused()
    {
        using var a = KeyPair.Generate();
        using var b = KeyPair.Generate();
        var file = PrivateKeyFile.Parse("key", PrivateKeyFile.Format(a) + PrivateKeyFile.Format(b));
        Assert.Null(file.KeyPair);
        Assert.Equal("key:2: error: a second key (the first is at line 1): a private-key file holds one; file ignored", Assert.Single(file.Diagnostics).ToString());
        Assert.DoesNotContain(b.PrivateKeyToBase64(), file.Diagnostics[0].Message);
    }

    [Fact]
    public void AMissingFileIsOneError()
    {
        var file = PrivateKeyFile.Read("/etc/gateway/key", new InMemoryConfigSource());
        Assert.Null(file.KeyPair);
        Assert.Equal("/etc/gateway/key: error: cannot open: no such file", Assert.Single(file.Diagnostics).ToString());
    }
}
