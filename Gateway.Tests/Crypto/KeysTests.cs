using Gateway.Core.Crypto;

namespace Gateway.Tests.Crypto;

public class KeysTests
{
    [Fact]
    public void APrivateKeyGivesItsRfc7748PublicKey()
    {
        // RFC 7748 section 6.1, Alice
        using var alice = KeyPair.FromPrivateKey(Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        Assert.Equal("8520F0098930A754748B7DDCB43EF75A0DBF3A0D26381AF4EBA4A98EAA9B4E6A", Convert.ToHexString(alice.PublicKey.Bytes));
    }

    [Fact]
    public void GeneratedKeysRoundTripThroughBase64()
    {
        using var pair = KeyPair.Generate();
        var privateText = pair.PrivateKeyToBase64();
        var publicText = pair.PublicKey.ToBase64();
        Assert.Equal(KeyEncoding.Base64Length, privateText.Length);
        Assert.Equal(KeyEncoding.Base64Length, publicText.Length);

        Assert.True(KeyPair.TryParse(privateText, out var again));
        using (again)
            Assert.Equal(pair.PublicKey, again.PublicKey);
        Assert.True(X25519PublicKey.TryParse(publicText, out var publicKey));
        Assert.Equal(pair.PublicKey, publicKey);
        Assert.Equal(pair.PublicKey.GetHashCode(), publicKey.GetHashCode());
    }

    [Fact]
    public void TwoGeneratedKeysDiffer()
    {
        using var a = KeyPair.Generate();
        using var b = KeyPair.Generate();
        Assert.NotEqual(a.PublicKey, b.PublicKey);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("AAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]   // 43 characters
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // 48 characters: 36 bytes
    [InlineData("AAAAAAAAAAAAAAAAAAAAA AAAAAAAAAAAAAAAAAAAAAA=")]  // a blank inside
    [InlineData("!AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    public void WhatIsNotA32ByteBase64KeyIsRefused(string? text)
    {
        Assert.False(X25519PublicKey.TryParse(text, out _));
        Assert.False(KeyPair.TryParse(text, out _));
    }

    [Fact]
    public void ADisposedPairNoLongerGivesItsPrivateKey()
    {
        var pair = KeyPair.Generate();
        pair.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pair.PrivateKeyToBase64());
    }

    [Fact]
    public void TimestampsOrderAsTimeAndAsBytes()
    {
        var early = Tai64N.FromUnixTime(1_700_000_000, 999_999_999);
        var late = Tai64N.FromUnixTime(1_700_000_001, 0);
        Assert.True(late > early);
        var a = new byte[12];
        var b = new byte[12];
        early.Write(a);
        late.Write(b);
        Assert.True(a.AsSpan().SequenceCompareTo(b) < 0);
        Assert.Equal(early, Tai64N.Read(a));
        Assert.Equal("400000006553F10B", Convert.ToHexString(b, 0, 8)); // 2^62 + 10 + seconds, big-endian
    }

    [Fact]
    public void TimestampsAreCoarsenedSoTheyDoNotLeakTheClockFinely()
    {
        var t = Tai64N.FromUnixTime(1, (1u << 24) + 12345);
        Assert.Equal(1u << 24, t.Nanoseconds);
        Assert.Equal(Tai64N.FromUnixTime(1_700_000_000, 0), Tai64N.FromDateTimeOffset(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)));
    }
}
