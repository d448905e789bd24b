using Gateway.Core.Crypto;

namespace Gateway.Tests.Crypto;

public class CookieTests
{
    [Fact]
    public void UnderLoadAnInitiationWithoutMac2GetsACookieReplyAndNoState()
    {
        using var rig = new CryptoRig();
        var (result, reply) = rig.Respond(rig.Initiation(), underLoad: true);

        Assert.Equal(DatagramStatus.CookieReplySent, result.Status);
        Assert.Equal(HandshakeMessages.CookieReplyLength, reply.Length);
        Assert.Equal(MessageType.CookieReply, HandshakeMessages.Classify(reply));
        Assert.Equal(CryptoRig.InitiatorIndex, HandshakeMessages.ReadIndex(reply, HandshakeMessages.CookieReplyReceiverOffset));
        Assert.Null(result.Session);
        Assert.Null(rig.Peer.GreatestTimestamp);
    }

    [Fact]
    public void UnderLoadAnInitiationWithoutValidMac1GetsNothingAtAll()
    {
        using var rig = new CryptoRig();
        var initiation = rig.Initiation();
        initiation[HandshakeMessages.InitiationMac1Offset] ^= 1;
        var (result, reply) = rig.Respond(initiation, underLoad: true);
        Assert.Equal(DatagramStatus.BadMac1, result.Status);
        Assert.Empty(reply);
    }

    [Fact]
    public void TheNextInitiationCarriesMac2FromTheCookieAndIsAnsweredUnderLoad()
    {
        using var rig = new CryptoRig();
        var (_, cookieReply) = rig.Respond(rig.Initiation(), underLoad: true);
        Assert.False(rig.Initiator.HasFreshCookie(rig.Now));
        Assert.Equal(DatagramStatus.Ok, rig.Initiator.ConsumeCookieReply(cookieReply, rig.Now));
        Assert.True(rig.Initiator.HasFreshCookie(rig.Now));

        rig.Now += KeyLifetime.RekeyTimeout;
        var initiation = rig.Initiation();
        Assert.NotEqual(new byte[16], initiation[HandshakeMessages.InitiationMac2Offset..]);
        var (result, reply) = rig.Respond(initiation, underLoad: true);

        Assert.Equal(DatagramStatus.Ok, result.Status);
        Assert.Equal(DatagramStatus.Ok, rig.Initiator.ConsumeResponse(reply, rig.Now, out var session));
        session!.Dispose();
        result.Session!.Dispose();
    }

    [Fact]
    public void ACookieProvesOneSourceAddressAndPortOnly()
    {
        using var rig = new CryptoRig();
        var (_, cookieReply) = rig.Respond(rig.Initiation(), underLoad: true);
        rig.Initiator.ConsumeCookieReply(cookieReply, rig.Now);

        Assert.Equal(DatagramStatus.CookieReplySent, rig.Respond(rig.Initiation(), underLoad: true, address: [192, 0, 2, 8]).Result.Status);
        Assert.Equal(DatagramStatus.CookieReplySent, rig.Respond(rig.Initiation(), underLoad: true, port: CryptoRig.SourcePort + 1).Result.Status);
        var fromRightPlace = rig.Respond(rig.Initiation(), underLoad: true).Result;
        Assert.Equal(DatagramStatus.Ok, fromRightPlace.Status);
        fromRightPlace.Session!.Dispose();
    }

    [Fact]
    public void TheResponderSecretRotatesAfterTwoMinutesAndOldCookiesStopWorking()
    {
        using var rig = new CryptoRig();
        var (_, cookieReply) = rig.Respond(rig.Initiation(), underLoad: true);
        rig.Initiator.ConsumeCookieReply(cookieReply, rig.Now);
        rig.Now += TimeSpan.FromSeconds(100);
        var stillFresh = rig.Initiation();
        rig.Now += CookieChecker.SecretLifetime - TimeSpan.FromSeconds(100);

        Assert.Equal(DatagramStatus.CookieReplySent, rig.Respond(stillFresh, underLoad: true).Result.Status);
    }

    [Fact]
    public void TheInitiatorStopsUsingACookieBeforeTheResponderSecretCanHaveChanged()
    {
        using var rig = new CryptoRig();
        var (_, cookieReply) = rig.Respond(rig.Initiation(), underLoad: true);
        rig.Initiator.ConsumeCookieReply(cookieReply, rig.Now);
        rig.Now += CookieChecker.SecretLifetime - CookieChecker.SecretLatency;

        Assert.False(rig.Initiator.HasFreshCookie(rig.Now));
        Assert.Equal(new byte[16], rig.Initiation()[HandshakeMessages.InitiationMac2Offset..]);
    }

    [Fact]
    public void ATamperedOrMisaddressedCookieReplyIsRefused()
    {
        using var rig = new CryptoRig();
        var (_, cookieReply) = rig.Respond(rig.Initiation(), underLoad: true);
        for (var i = HandshakeMessages.CookieReplyNonceOffset; i < HandshakeMessages.CookieReplyLength; i += 7)
        {
            var tampered = (byte[])cookieReply.Clone();
            tampered[i] ^= 0x01;
            Assert.Equal(DatagramStatus.BadTag, rig.Initiator.ConsumeCookieReply(tampered, rig.Now));
        }
        var misaddressed = (byte[])cookieReply.Clone();
        HandshakeMessages.WriteIndex(misaddressed, HandshakeMessages.CookieReplyReceiverOffset, 5);
        Assert.Equal(DatagramStatus.UnknownSession, rig.Initiator.ConsumeCookieReply(misaddressed, rig.Now));
        Assert.False(rig.Initiator.HasFreshCookie(rig.Now));
    }

    [Fact]
    public void ACookieReplyBelongsToTheInitiationWhoseMac1ItWasBoundTo()
    {
        using var rig = new CryptoRig();
        var (_, cookieReply) = rig.Respond(rig.Initiation(), underLoad: true);
        rig.Initiation(); // same index, new MAC1: the reply's associated data no longer matches
        Assert.Equal(DatagramStatus.BadTag, rig.Initiator.ConsumeCookieReply(cookieReply, rig.Now));
    }
}
