using Gateway.Core.Crypto;

namespace Gateway.Tests.Crypto;

/// <summary>
/// The transport cipher of a session: AEGIS-256 when the initiator offers it (flags byte of the initiation) and the
/// responder accepts it, ChaCha20-Poly1305 otherwise; the response's flags byte says which, and a response that
/// names a cipher the initiator did not offer, or was altered on the path, never yields a working session.
/// </summary>
public class CipherNegotiationTests
{
    private const TransportCipher Aegis = TransportCipher.Aegis256, ChaCha = TransportCipher.ChaCha20Poly1305;

    public static TheoryData<TransportCipher, TransportCipher, TransportCipher> Choices => new()
    {
        { Aegis, Aegis, Aegis },
        { Aegis, ChaCha, ChaCha },
        { ChaCha, Aegis, ChaCha },
        { ChaCha, ChaCha, ChaCha },
    };

    [Theory]
    [MemberData(nameof(Choices))]
    public void BothEndsUseTheCipherTheResponderChoseFromTheOffer(TransportCipher offer, TransportCipher accept, TransportCipher expected)
    {
        using var rig = new CryptoRig(offer: offer, accept: accept);
        var initiation = rig.Initiation();
        Assert.Equal(offer == Aegis ? HandshakeMessages.FlagAegis256 : 0, initiation[HandshakeMessages.FlagsOffset]);
        var (result, reply) = rig.Respond(initiation);
        Assert.Equal(DatagramStatus.Ok, result.Status);
        Assert.Equal(expected == Aegis ? HandshakeMessages.FlagAegis256 : 0, reply[HandshakeMessages.FlagsOffset]);
        Assert.Equal(DatagramStatus.Ok, rig.Initiator.ConsumeResponse(reply, rig.Now, out var initiatorSession));
        using var i = initiatorSession!;
        using var r = result.Session!;
        Assert.Equal((expected, expected), (i.Cipher, r.Cipher));
        RoundTrip(i, r, rig.Now);
        RoundTrip(r, i, rig.Now);
    }

    [Fact]
    public void TheSameKeysSealDifferentlyUnderTheTwoCiphers()
    {
        var key = Enumerable.Range(0, 32).Select(n => (byte)n).ToArray();
        var now = TimeSpan.FromSeconds(1);
        using var chacha = new TransportSession(key, key, 1, 2, isInitiator: true, now, cipher: ChaCha);
        using var aegis = new TransportSession(key, key, 1, 2, isInitiator: true, now, cipher: Aegis);
        var packet = new byte[40];
        var a = new byte[chacha.SealedLength(packet.Length)];
        var b = new byte[aegis.SealedLength(packet.Length)];
        Assert.Equal(a.Length + 16, b.Length); // AEGIS-256's tag is 32 bytes
        chacha.Seal(packet, a, now, out _);
        aegis.Seal(packet, b, now, out _);
        Assert.Equal(a[..16], b[..16]); // same header and counter
        Assert.NotEqual(a[16..], b[16..]);
        using var aegisReceiver = new TransportSession(key, key, 2, 1, isInitiator: false, now, cipher: Aegis);
        var opened = new byte[packet.Length];
        Assert.Equal(DatagramStatus.BadTag, aegisReceiver.Open(a, opened, now, out _));
    }

    [Fact]
    public void ATransportDatagramShorterThanTheSessionsTagIsMalformedAndMovesNothing()
    {
        var key = new byte[32];
        var now = TimeSpan.FromSeconds(1);
        using var receiver = new TransportSession(key, key, 2, 1, isInitiator: false, now, cipher: Aegis);
        var datagram = new byte[40]; // a ChaCha20-Poly1305 keepalive and 8 bytes: too short for a 32-byte tag
        datagram[0] = (byte)MessageType.Transport;
        datagram[HandshakeMessages.TransportReceiverOffset] = 2;
        Assert.Equal(MessageType.Transport, HandshakeMessages.Classify(datagram));
        Assert.Equal(DatagramStatus.Malformed, receiver.Open(datagram, new byte[64], now, out var written));
        Assert.Equal(0, written);
        Assert.False(receiver.IsConfirmed);
    }

    [Fact]
    public void ThisMachinePrefersAegisOnlyWithHardwareAes() =>
        Assert.Equal(TransportCiphers.HardwareAes ? Aegis : ChaCha, TransportCiphers.Preferred);

    [Fact]
    public void AResponseNamingACipherThatWasNotOfferedIsRefused()
    {
        using var rig = new CryptoRig(offer: ChaCha, accept: ChaCha);
        var (result, reply) = rig.Respond(rig.Initiation());
        using var r = result.Session!;
        reply[HandshakeMessages.FlagsOffset] = HandshakeMessages.FlagAegis256;
        rig.ResignResponseMac1(reply);
        Assert.Equal(DatagramStatus.Malformed, rig.Initiator.ConsumeResponse(reply, rig.Now, out var session));
        Assert.Null(session);
    }

    [Fact]
    public void AFlagClearedOnThePathLeavesTheEndsWithUnrelatedKeysAndTheFirstDatagramFailsItsTag()
    {
        using var rig = new CryptoRig(offer: Aegis, accept: Aegis);
        var (result, reply) = rig.Respond(rig.Initiation());
        using var r = result.Session!;
        Assert.Equal(Aegis, r.Cipher);
        reply[HandshakeMessages.FlagsOffset] = 0; // a downgrade to ChaCha20-Poly1305, MAC1 recomputed by someone who knows the key
        rig.ResignResponseMac1(reply);
        Assert.Equal(DatagramStatus.Ok, rig.Initiator.ConsumeResponse(reply, rig.Now, out var session));
        using var i = session!;
        Assert.Equal(ChaCha, i.Cipher);
        var packet = "an LCP Configure-Request, long enough for either tag"u8.ToArray();
        var datagram = new byte[i.SealedLength(packet.Length)];
        Assert.Equal(DatagramStatus.Ok, i.Seal(packet, datagram, rig.Now, out _));
        Assert.Equal(DatagramStatus.BadTag, r.Open(datagram, new byte[packet.Length], rig.Now, out _));
    }

    [Theory]
    [InlineData(HandshakeMessages.FlagAegis256, 1, true)] // initiation: offered
    [InlineData(0x02, 1, false)] // an undefined flag
    [InlineData(0x03, 1, false)]
    [InlineData(HandshakeMessages.FlagAegis256, 3, false)] // cookie reply: no flags
    [InlineData(HandshakeMessages.FlagAegis256, 4, false)] // transport: no flags
    public void OnlyTheDefinedFlagIsValidAndOnlyInHandshakeMessages(byte flags, byte type, bool valid)
    {
        var datagram = new byte[type switch { 1 => HandshakeMessages.InitiationLength, 3 => HandshakeMessages.CookieReplyLength, _ => 48 }];
        datagram[0] = type;
        datagram[HandshakeMessages.FlagsOffset] = flags;
        Assert.Equal(valid ? (MessageType)type : MessageType.Invalid, HandshakeMessages.Classify(datagram));
    }

    private static void RoundTrip(TransportSession sender, TransportSession receiver, TimeSpan now)
    {
        var packet = "an IP packet of the bundle"u8.ToArray();
        var datagram = new byte[sender.SealedLength(packet.Length)];
        var opened = new byte[packet.Length];
        Assert.Equal(DatagramStatus.Ok, sender.Seal(packet, datagram, now, out var written));
        Assert.Equal(datagram.Length, written);
        Assert.Equal(DatagramStatus.Ok, receiver.Open(datagram, opened, now, out _));
        Assert.Equal(packet, opened);
    }
}
