using Gateway.Core.Crypto;

namespace Gateway.Tests.Crypto;

/// <summary>A responder with one allowed initiator ("gw1"), and that initiator, on a clock the test moves.</summary>
internal sealed class CryptoRig : IDisposable
{
    public static readonly byte[] SourceAddress = [192, 0, 2, 7];
    public const ushort SourcePort = 49152;
    public const uint InitiatorIndex = 0x1111_1111, ResponderIndex = 0x2222_2222;

    private long seconds = 1_700_000_000;

    public CryptoRig(ReadOnlySpan<byte> initiatorPsk = default, ReadOnlySpan<byte> responderPsk = default,
        TransportCipher? offer = null, TransportCipher? accept = null)
    {
        ResponderKey = KeyPair.Generate();
        InitiatorKey = KeyPair.Generate();
        AllowList = new PeerAllowList();
        Peer = AllowList.Add("gw1", InitiatorKey.PublicKey, "site a", responderPsk);
        Responder = new HandshakeResponder(ResponderKey, AllowList, accept);
        Initiator = new HandshakeInitiator(InitiatorKey, ResponderKey.PublicKey, initiatorPsk, offer);
    }

    public KeyPair ResponderKey { get; }
    public KeyPair InitiatorKey { get; }
    public PeerAllowList AllowList { get; }
    public AllowedPeer Peer { get; }
    public HandshakeResponder Responder { get; }
    public HandshakeInitiator Initiator { get; }
    public TimeSpan Now { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A timestamp one second later than the last one handed out.</summary>
    public Tai64N NextTimestamp() => Tai64N.FromUnixTime(++seconds, 0);

    public byte[] Initiation(uint index = InitiatorIndex)
    {
        var datagram = new byte[HandshakeMessages.InitiationLength];
        Assert.Equal(HandshakeMessages.InitiationLength, Initiator.WriteInitiation(index, NextTimestamp(), Now, datagram));
        return datagram;
    }

    public (ResponderResult Result, byte[] Reply) Respond(byte[] initiation, bool underLoad = false, byte[]? address = null, ushort port = SourcePort)
    {
        var reply = new byte[HandshakeMessages.ResponseLength];
        var result = Responder.ConsumeInitiation(initiation, address ?? SourceAddress, port, underLoad, ResponderIndex, Now, reply);
        return (result, reply[..result.ReplyLength]);
    }

    /// <summary>A whole handshake: the initiator's and the responder's sessions.</summary>
    public (TransportSession Initiator, TransportSession Responder) Handshake()
    {
        var (result, reply) = Respond(Initiation());
        Assert.Equal(DatagramStatus.Ok, result.Status);
        Assert.Equal(DatagramStatus.Ok, Initiator.ConsumeResponse(reply, Now, out var session));
        return (session!, result.Session!);
    }

    /// <summary>Recomputes an initiation's MAC1 after a test changed bytes under it, as anyone knowing the responder's public key can.</summary>
    public void ResignMac1(byte[] initiation)
    {
        var key = new byte[32];
        HandshakeMessages.DeriveKey(HandshakeMessages.LabelMac1, ResponderKey.PublicKey, key);
        HandshakeMessages.Mac(key, initiation.AsSpan(0, HandshakeMessages.InitiationMac1Offset),
            initiation.AsSpan(HandshakeMessages.InitiationMac1Offset, HandshakeMessages.MacLength));
    }

    /// <summary>Recomputes a response's MAC1 (keyed by the initiator's public key) after a test changed bytes under it.</summary>
    public void ResignResponseMac1(byte[] response)
    {
        var key = new byte[32];
        HandshakeMessages.DeriveKey(HandshakeMessages.LabelMac1, InitiatorKey.PublicKey, key);
        HandshakeMessages.Mac(key, response.AsSpan(0, HandshakeMessages.ResponseMac1Offset),
            response.AsSpan(HandshakeMessages.ResponseMac1Offset, HandshakeMessages.MacLength));
    }

    public void Dispose()
    {
        Initiator.Dispose();
        Responder.Dispose();
        AllowList.Dispose();
        InitiatorKey.Dispose();
        ResponderKey.Dispose();
    }
}
