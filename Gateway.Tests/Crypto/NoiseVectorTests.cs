using System.Runtime.CompilerServices;
using System.Text.Json;
using Gateway.Core.Crypto;
using NSec.Cryptography;

namespace Gateway.Tests.Crypto;

/// <summary>
/// Known answers for Noise_IKpsk2_25519_ChaChaPoly_SHA256 from cacophony's published vectors
/// (Fixtures/noise/README.md): both handshake messages byte for byte and the four transport messages through <see cref="TransportSession.Seal"/> and <see cref="TransportSession.Open"/>.
/// </summary>
public class NoiseVectorTests
{
    private sealed record Vector(JsonElement Root)
    {
        public byte[] Bytes(string name) => Convert.FromHexString(Root.GetProperty(name).GetString()!);
        public byte[] Psk => Convert.FromHexString(Root.GetProperty("init_psks")[0].GetString()!);
        public byte[] Payload(int i) => Convert.FromHexString(Root.GetProperty("messages")[i].GetProperty("payload").GetString()!);
        public byte[] Ciphertext(int i) => Convert.FromHexString(Root.GetProperty("messages")[i].GetProperty("ciphertext").GetString()!);
        public int MessageCount => Root.GetProperty("messages").GetArrayLength();
    }

    private static Vector Load([CallerFilePath] string source = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(source)!, "..", "Fixtures", "noise", "Noise_IKpsk2_25519_ChaChaPoly_SHA256.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var vector = document.RootElement.GetProperty("vectors")[0];
        Assert.Equal(NoiseHandshake.ProtocolName, vector.GetProperty("protocol_name").GetString());
        return new Vector(vector.Clone());
    }

    private static Key Ephemeral(byte[] privateKey) => Key.Import(KeyAgreementAlgorithm.X25519, privateKey, KeyBlobFormat.RawPrivateKey);

    private sealed class Run : IDisposable
    {
        public required KeyPair InitiatorStatic { get; init; }
        public required KeyPair ResponderStatic { get; init; }
        public required NoiseHandshake Initiator { get; init; }
        public required NoiseHandshake Responder { get; init; }
        public byte[] Message0 { get; set; } = [];
        public byte[] Message1 { get; set; } = [];
        public byte[] ReceivedPayload0 { get; set; } = [];
        public byte[] ReceivedPayload1 { get; set; } = [];
        public X25519PublicKey? LearntStatic { get; set; }

        public void Dispose()
        {
            Initiator.Dispose();
            Responder.Dispose();
            InitiatorStatic.Dispose();
            ResponderStatic.Dispose();
        }
    }

    private static Run Handshake(Vector v)
    {
        var initiatorStatic = KeyPair.FromPrivateKey(v.Bytes("init_static"));
        var responderStatic = KeyPair.FromPrivateKey(v.Bytes("resp_static"));
        var run = new Run
        {
            InitiatorStatic = initiatorStatic,
            ResponderStatic = responderStatic,
            Initiator = NoiseHandshake.Initiator(initiatorStatic, new X25519PublicKey(v.Bytes("init_remote_static")), v.Bytes("init_prologue")),
            Responder = NoiseHandshake.Responder(responderStatic, v.Bytes("resp_prologue")),
        };
        var payload0 = v.Payload(0);
        run.Message0 = new byte[NoiseHandshake.InitiationLength(payload0.Length)];
        Assert.Equal(DatagramStatus.Ok, run.Initiator.WriteInitiation(payload0, run.Message0, Ephemeral(v.Bytes("init_ephemeral"))));

        Assert.Equal(DatagramStatus.Ok, run.Responder.ReadInitiationStatic(run.Message0, out var learnt));
        run.LearntStatic = learnt;
        run.ReceivedPayload0 = new byte[payload0.Length];
        Assert.Equal(DatagramStatus.Ok, run.Responder.ReadInitiationPayload(run.Message0, run.ReceivedPayload0));

        var payload1 = v.Payload(1);
        run.Message1 = new byte[NoiseHandshake.ResponseLength(payload1.Length)];
        Assert.Equal(DatagramStatus.Ok, run.Responder.WriteResponse(v.Psk, payload1, run.Message1, Ephemeral(v.Bytes("resp_ephemeral"))));
        run.ReceivedPayload1 = new byte[payload1.Length];
        Assert.Equal(DatagramStatus.Ok, run.Initiator.ReadResponse(v.Psk, run.Message1, run.ReceivedPayload1));
        return run;
    }

    [Fact]
    public void TheResponderPublicKeyOfTheVectorIsTheOneItsPrivateKeyGives()
    {
        var v = Load();
        using var responder = KeyPair.FromPrivateKey(v.Bytes("resp_static"));
        Assert.Equal(Convert.ToHexString(v.Bytes("init_remote_static")), Convert.ToHexString(responder.PublicKey.Bytes));
    }

    [Fact]
    public void TheInitiatorWritesMessageOneOfTheVector()
    {
        var v = Load();
        using var run = Handshake(v);
        Assert.Equal(Convert.ToHexString(v.Ciphertext(0)), Convert.ToHexString(run.Message0));
    }

    [Fact]
    public void TheResponderLearnsTheInitiatorAndItsPayloadAndWritesMessageTwo()
    {
        var v = Load();
        using var run = Handshake(v);
        Assert.Equal(run.InitiatorStatic.PublicKey, run.LearntStatic);
        Assert.Equal(v.Payload(0), run.ReceivedPayload0);
        Assert.Equal(Convert.ToHexString(v.Ciphertext(1)), Convert.ToHexString(run.Message1));
        Assert.Equal(v.Payload(1), run.ReceivedPayload1);
    }

    [Fact]
    public void BothEndsReachTheSameHandshakeHash()
    {
        // The vector's "handshake_hash" field is not checked: it is not the final h of sections 5.2 and 11.2 for this
        // vector nor for cacophony's Noise_NN_25519_ChaChaPoly_SHA256 (Fixtures/noise/README.md). The messages, which
        // use h as associated data at every step, are.
        var v = Load();
        using var run = Handshake(v);
        Assert.Equal(Convert.ToHexString(run.Initiator.HandshakeHash), Convert.ToHexString(run.Responder.HandshakeHash));
        Assert.NotEqual(new byte[32], run.Initiator.HandshakeHash.ToArray());
    }

    [Fact]
    public void TransportMessagesOfTheVectorAreWhatSealWritesAfterItsHeaderAndOpenReads()
    {
        var v = Load();
        using var run = Handshake(v);
        var i2r = new byte[32];
        var r2i = new byte[32];
        var i2rCheck = new byte[32];
        var r2iCheck = new byte[32];
        run.Initiator.Split(i2r, r2i);
        run.Responder.Split(i2rCheck, r2iCheck);
        Assert.Equal(i2r, i2rCheck);
        Assert.Equal(r2i, r2iCheck);

        var now = TimeSpan.FromSeconds(1);
        using var initiator = new TransportSession(i2r, r2i, localIndex: 1, remoteIndex: 2, isInitiator: true, now);
        using var responder = new TransportSession(r2i, i2r, localIndex: 2, remoteIndex: 1, isInitiator: false, now);
        for (var i = 2; i < v.MessageCount; i++)
        {
            var (sender, receiver) = i % 2 == 0 ? (initiator, responder) : (responder, initiator);
            var payload = v.Payload(i);
            var datagram = new byte[sender.SealedLength(payload.Length)];
            Assert.Equal(DatagramStatus.Ok, sender.Seal(payload, datagram, now, out var sealedLength));
            Assert.Equal(datagram.Length, sealedLength);
            Assert.Equal(Convert.ToHexString(v.Ciphertext(i)), Convert.ToHexString(datagram.AsSpan(16)));

            var opened = new byte[payload.Length];
            Assert.Equal(DatagramStatus.Ok, receiver.Open(datagram, opened, now, out var openedLength));
            Assert.Equal(payload, opened[..openedLength]);
        }
    }
}
