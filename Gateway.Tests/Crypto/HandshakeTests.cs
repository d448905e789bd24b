using Gateway.Core.Crypto;

namespace Gateway.Tests.Crypto;

public class HandshakeTests
{
    [Fact]
    public void AHandshakeGivesBothEndsMatchingSessionsThatCarryPacketsBothWays()
    {
        using var rig = new CryptoRig();
        var (initiator, responder) = rig.Handshake();
        using (initiator)
        using (responder)
        {
            Assert.Equal((CryptoRig.InitiatorIndex, CryptoRig.ResponderIndex), (initiator.LocalIndex, initiator.RemoteIndex));
            Assert.Equal((CryptoRig.ResponderIndex, CryptoRig.InitiatorIndex), (responder.LocalIndex, responder.RemoteIndex));
            Assert.Equal("gw1", responder.Peer!.AuthName);
            Assert.True(initiator.IsInitiator);
            Assert.False(responder.IsInitiator);

            var packet = "an LCP Echo-Request"u8.ToArray();
            var datagram = new byte[initiator.SealedLength(packet.Length)];
            var opened = new byte[packet.Length];
            Assert.Equal(DatagramStatus.Ok, initiator.Seal(packet, datagram, rig.Now, out _));
            Assert.Equal(DatagramStatus.Ok, responder.Open(datagram, opened, rig.Now, out _));
            Assert.Equal(packet, opened);

            Assert.Equal(DatagramStatus.Ok, responder.Seal(packet, datagram, rig.Now, out _));
            Assert.Equal(DatagramStatus.Ok, initiator.Open(datagram, opened, rig.Now, out _));
            Assert.Equal(packet, opened);
        }
    }

    [Fact]
    public void TheResponderRemembersTheTimestampAndTimeOfTheAcceptedInitiation()
    {
        using var rig = new CryptoRig();
        var (i, r) = rig.Handshake();
        i.Dispose();
        r.Dispose();
        Assert.NotNull(rig.Peer.GreatestTimestamp);
        Assert.Equal(rig.Now, rig.Peer.LastInitiationAt);
    }

    [Fact]
    public void AnInitiatorWhoseKeyIsNotAllowedIsRefusedAndNothingIsKept()
    {
        using var rig = new CryptoRig();
        using var stranger = KeyPair.Generate();
        using var strangerInitiator = new HandshakeInitiator(stranger, rig.ResponderKey.PublicKey);
        var initiation = new byte[HandshakeMessages.InitiationLength];
        strangerInitiator.WriteInitiation(7, rig.NextTimestamp(), rig.Now, initiation);

        var (result, reply) = rig.Respond(initiation);

        Assert.Equal(DatagramStatus.UnknownPeer, result.Status);
        Assert.Empty(reply);
        Assert.Null(result.Session);
        Assert.Null(result.Peer);
        Assert.Equal(1, rig.AllowList.Count);
        Assert.Null(rig.Peer.GreatestTimestamp);
        Assert.Null(rig.Peer.LastInitiationAt);
    }

    [Fact]
    public void AnInitiationForAnotherResponderKeyFailsMac1BeforeAnyDiffieHellman()
    {
        using var rig = new CryptoRig();
        using var other = KeyPair.Generate();
        using var misdirected = new HandshakeInitiator(rig.InitiatorKey, other.PublicKey);
        var initiation = new byte[HandshakeMessages.InitiationLength];
        misdirected.WriteInitiation(7, rig.NextTimestamp(), rig.Now, initiation);

        Assert.Equal(DatagramStatus.BadMac1, rig.Respond(initiation).Result.Status);
        Assert.Null(rig.Peer.GreatestTimestamp);
    }

    [Fact]
    public void AReplayedInitiationIsRefused()
    {
        using var rig = new CryptoRig();
        var initiation = rig.Initiation();
        var first = rig.Respond(initiation).Result;
        first.Session!.Dispose();
        rig.Now += TimeSpan.FromSeconds(1);

        var replay = rig.Respond(initiation).Result;

        Assert.Equal(DatagramStatus.Replay, replay.Status);
        Assert.Null(replay.Session);
    }

    [Fact]
    public void AnInitiationOlderThanTheLastAcceptedIsRefusedEvenIfNeverSeen()
    {
        using var rig = new CryptoRig();
        var older = rig.Initiation(1);
        var newer = rig.Initiation(2);
        rig.Respond(newer).Result.Session!.Dispose();
        rig.Now += TimeSpan.FromSeconds(1);

        Assert.Equal(DatagramStatus.Replay, rig.Respond(older).Result.Status);
    }

    [Fact]
    public void InitiationsFromOnePeerCloserThanTheMinimumIntervalAreDropped()
    {
        using var rig = new CryptoRig();
        rig.Respond(rig.Initiation()).Result.Session!.Dispose();
        rig.Now += KeyLifetime.MinInitiationInterval - TimeSpan.FromMilliseconds(1);
        Assert.Equal(DatagramStatus.RateLimited, rig.Respond(rig.Initiation()).Result.Status);

        rig.Now += TimeSpan.FromMilliseconds(1);
        var accepted = rig.Respond(rig.Initiation()).Result;
        Assert.Equal(DatagramStatus.Ok, accepted.Status);
        accepted.Session!.Dispose();
    }

    [Fact]
    public void EveryTamperedByteBeforeMac2IsRefusedWithoutState()
    {
        using var rig = new CryptoRig();
        var genuine = rig.Initiation();
        for (var i = 0; i < HandshakeMessages.InitiationMac2Offset; i++)
        {
            var tampered = (byte[])genuine.Clone();
            tampered[i] ^= 0x01;
            var result = rig.Respond(tampered).Result;
            Assert.True(result.Status is DatagramStatus.Malformed or DatagramStatus.BadMac1, $"byte {i}: {result.Status}");
            Assert.Null(result.Session);
        }
        Assert.Null(rig.Peer.GreatestTimestamp);
        Assert.Equal(DatagramStatus.Ok, rig.Respond(genuine).Result.Status);
    }

    [Theory]
    [InlineData(8, DatagramStatus.BadTag)]   // ephemeral: the static key no longer decrypts
    [InlineData(40, DatagramStatus.BadTag)]  // encrypted static
    [InlineData(87, DatagramStatus.BadTag)]  // static's tag
    [InlineData(88, DatagramStatus.BadTag)]  // encrypted timestamp
    [InlineData(115, DatagramStatus.BadTag)] // timestamp's tag
    public void ATamperedNoiseFieldUnderAValidMac1FailsItsAead(int offset, DatagramStatus expected)
    {
        using var rig = new CryptoRig();
        var tampered = rig.Initiation();
        tampered[offset] ^= 0x80;
        rig.ResignMac1(tampered);

        var result = rig.Respond(tampered).Result;

        Assert.Equal(expected, result.Status);
        Assert.Null(rig.Peer.GreatestTimestamp);
    }

    [Fact]
    public void AnEphemeralOfLowOrderIsRefused()
    {
        using var rig = new CryptoRig();
        var initiation = rig.Initiation();
        initiation.AsSpan(HandshakeMessages.InitiationNoiseOffset, 32).Clear();
        rig.ResignMac1(initiation);

        Assert.Equal(DatagramStatus.BadKey, rig.Respond(initiation).Result.Status);
    }

    [Fact]
    public void Mac2IsIgnoredWhenTheResponderIsNotUnderLoad()
    {
        using var rig = new CryptoRig();
        var initiation = rig.Initiation();
        initiation[HandshakeMessages.InitiationMac2Offset] ^= 0xFF;
        var result = rig.Respond(initiation).Result;
        Assert.Equal(DatagramStatus.Ok, result.Status);
        result.Session!.Dispose();
    }

    [Fact]
    public void ATamperedResponseIsRefusedAndTheGenuineOneStillCompletesTheHandshake()
    {
        using var rig = new CryptoRig();
        var (result, reply) = rig.Respond(rig.Initiation());
        result.Session!.Dispose();

        for (var i = HandshakeMessages.ResponseNoiseOffset; i < HandshakeMessages.ResponseMac1Offset; i++)
        {
            var tampered = (byte[])reply.Clone();
            tampered[i] ^= 0x01;
            var key = new byte[32];
            HandshakeMessages.DeriveKey(HandshakeMessages.LabelMac1, rig.InitiatorKey.PublicKey, key);
            HandshakeMessages.Mac(key, tampered.AsSpan(0, HandshakeMessages.ResponseMac1Offset), tampered.AsSpan(HandshakeMessages.ResponseMac1Offset, 16));
            Assert.True(rig.Initiator.ConsumeResponse(tampered, rig.Now, out var none) is DatagramStatus.BadTag or DatagramStatus.BadKey, $"byte {i}");
            Assert.Null(none);
        }
        var forgedMac = (byte[])reply.Clone();
        forgedMac[HandshakeMessages.ResponseMac1Offset] ^= 1;
        Assert.Equal(DatagramStatus.BadMac1, rig.Initiator.ConsumeResponse(forgedMac, rig.Now, out _));

        Assert.Equal(DatagramStatus.Ok, rig.Initiator.ConsumeResponse(reply, rig.Now, out var session));
        session!.Dispose();
        Assert.Null(rig.Initiator.PendingIndex);
    }

    [Fact]
    public void AResponseToAnotherIndexOrWithNothingPendingNamesNoSession()
    {
        using var rig = new CryptoRig();
        var (result, reply) = rig.Respond(rig.Initiation());
        result.Session!.Dispose();
        var other = (byte[])reply.Clone();
        HandshakeMessages.WriteIndex(other, HandshakeMessages.ResponseReceiverOffset, 99);
        Assert.Equal(DatagramStatus.UnknownSession, rig.Initiator.ConsumeResponse(other, rig.Now, out _));

        Assert.Equal(DatagramStatus.Ok, rig.Initiator.ConsumeResponse(reply, rig.Now, out var session));
        session!.Dispose();
        Assert.Equal(DatagramStatus.UnknownSession, rig.Initiator.ConsumeResponse(reply, rig.Now, out _));
    }

    [Fact]
    public void ANewInitiationReplacesThePendingOne()
    {
        using var rig = new CryptoRig();
        var (first, firstReply) = rig.Respond(rig.Initiation(1));
        first.Session!.Dispose();
        rig.Now += TimeSpan.FromSeconds(5);
        var (second, secondReply) = rig.Respond(rig.Initiation(2));

        Assert.Equal(DatagramStatus.UnknownSession, rig.Initiator.ConsumeResponse(firstReply, rig.Now, out _));
        Assert.Equal(DatagramStatus.Ok, rig.Initiator.ConsumeResponse(secondReply, rig.Now, out var session));
        session!.Dispose();
        second.Session!.Dispose();
    }

    [Fact]
    public void MatchingPresharedKeysHandshakeAndMismatchedOnesFailAtTheResponse()
    {
        var psk = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        using (var rig = new CryptoRig(psk, psk))
        {
            var (i, r) = rig.Handshake();
            i.Dispose();
            r.Dispose();
        }
        using (var rig = new CryptoRig(psk, responderPsk: default))
        {
            var (result, reply) = rig.Respond(rig.Initiation());
            Assert.Equal(DatagramStatus.Ok, result.Status); // psk2 enters only with the response
            result.Session!.Dispose();
            Assert.Equal(DatagramStatus.BadTag, rig.Initiator.ConsumeResponse(reply, rig.Now, out _));
        }
    }

    [Fact]
    public void DatagramsAreClassifiedByTypeReservedBytesAndLength()
    {
        using var rig = new CryptoRig();
        var initiation = rig.Initiation();
        Assert.Equal(MessageType.Initiation, HandshakeMessages.Classify(initiation));
        Assert.Equal(MessageType.Invalid, HandshakeMessages.Classify(initiation.AsSpan(0, 147)));
        initiation[2] = 1;
        Assert.Equal(MessageType.Invalid, HandshakeMessages.Classify(initiation));
        Assert.Equal(DatagramStatus.Malformed, rig.Respond(initiation).Result.Status);
        Assert.Equal(MessageType.Invalid, HandshakeMessages.Classify([4, 0, 0, 0]));
        Assert.Equal(MessageType.Invalid, HandshakeMessages.Classify(new byte[64]));
    }
}
