using Gateway.Core.Crypto;

namespace Gateway.Tests.Crypto;

public class KeyLifetimeTests
{
    private static readonly TimeSpan Created = TimeSpan.FromSeconds(1_000);
    private static TimeSpan At(double seconds) => Created + TimeSpan.FromSeconds(seconds);

    [Fact]
    public void TheConstantsAreWireGuards()
    {
        Assert.Equal(1UL << 60, KeyLifetime.RekeyAfterMessages);
        Assert.Equal(ulong.MaxValue - (1UL << 13), KeyLifetime.RejectAfterMessages); // 2^64 - 2^13 - 1
        Assert.Equal(TimeSpan.FromSeconds(120), KeyLifetime.RekeyAfterTime);
        Assert.Equal(TimeSpan.FromSeconds(180), KeyLifetime.RejectAfterTime);
        Assert.Equal(TimeSpan.FromSeconds(90), KeyLifetime.RekeyAttemptTime);
        Assert.Equal(TimeSpan.FromSeconds(5), KeyLifetime.RekeyTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), KeyLifetime.KeepaliveTimeout);
        Assert.Equal(TimeSpan.FromSeconds(165), KeyLifetime.RekeyOnReceiveAfterTime);
    }

    [Theory]
    [InlineData(true, 119.999, 0UL, false)]
    [InlineData(true, 120, 0UL, true)]
    [InlineData(false, 120, 0UL, false)]           // the responder never rekeys on time
    [InlineData(false, 179, 0UL, false)]
    [InlineData(false, 1, 1UL << 60, true)]        // either end rekeys on count
    [InlineData(true, 1, (1UL << 60) - 1, false)]
    public void RekeyOnSend(bool initiator, double age, ulong sent, bool due) =>
        Assert.Equal(due, new KeyLifetime(Created, initiator).RekeyDueOnSend(At(age), sent));

    [Theory]
    [InlineData(true, 164.9, false)]
    [InlineData(true, 165, true)]
    [InlineData(false, 179.9, false)]
    public void RekeyOnReceive(bool initiator, double age, bool due) =>
        Assert.Equal(due, new KeyLifetime(Created, initiator).RekeyDueOnReceive(At(age)));

    [Theory]
    [InlineData(179.999, 0UL, false)]
    [InlineData(180, 0UL, true)]
    [InlineData(0, ulong.MaxValue - 8193, false)]
    [InlineData(0, ulong.MaxValue - 8192, true)]
    public void Expiry(double age, ulong sent, bool expired)
    {
        Assert.Equal(expired, new KeyLifetime(Created, true).Expired(At(age), sent));
        Assert.Equal(expired, new KeyLifetime(Created, false).Expired(At(age), sent));
    }

    [Fact]
    public void KeysAreWipedAfterThreeTimesRejectAfterTime()
    {
        var lifetime = new KeyLifetime(Created, false);
        Assert.False(lifetime.WipeDue(At(539)));
        Assert.True(lifetime.WipeDue(At(540)));
    }

    [Fact]
    public void InitiationsAreRetriedAfterRekeyTimeoutPlusBoundedJitterAndGivenUpAfterRekeyAttemptTime()
    {
        var sent = TimeSpan.FromSeconds(50);
        Assert.Equal(TimeSpan.FromSeconds(55.1), KeyLifetime.NextInitiationAt(sent, TimeSpan.FromMilliseconds(100)));
        Assert.Equal(TimeSpan.FromSeconds(55.333), KeyLifetime.NextInitiationAt(sent, TimeSpan.FromSeconds(4)));
        Assert.Equal(TimeSpan.FromSeconds(55), KeyLifetime.NextInitiationAt(sent, TimeSpan.FromSeconds(-1)));
        Assert.False(KeyLifetime.HandshakeGivenUp(sent, sent + TimeSpan.FromSeconds(89.9)));
        Assert.True(KeyLifetime.HandshakeGivenUp(sent, sent + TimeSpan.FromSeconds(90)));
    }

    [Fact]
    public void ASessionAsksForRekeyOnceItHasSentRekeyAfterMessages()
    {
        using var session = new TransportSession(new byte[32], new byte[32], 1, 2, isInitiator: false, Created);
        Assert.False(session.RekeyDueOnSend(Created));
        session.AdvanceSendCounter(KeyLifetime.RekeyAfterMessages);
        Assert.True(session.RekeyDueOnSend(Created));
        Assert.False(session.IsExpired(Created));
    }
}
