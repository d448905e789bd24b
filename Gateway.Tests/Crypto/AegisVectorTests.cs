using System.Security.Cryptography;
using Gateway.Core.Crypto;
using NSec.Cryptography;

namespace Gateway.Tests.Crypto;

/// <summary>
/// Known answers for the AEGIS-256 transport cipher: the specification's own test vector (draft-irtf-cfrg-aegis-aead,
/// appendix "AEGIS-256 Test Vectors", Test Vector 1, with its 256-bit tag) through the library the product uses, and
/// the transport framing written out by hand from Gateway.Core/Crypto/README.md (header, counter, HKDF-bound key,
/// zero-padded counter nonce) against what <see cref="TransportSession.Seal"/> writes.
/// </summary>
public class AegisVectorTests
{
    [Fact]
    public void NSecsAegis256IsTheSpecificationsWithItsLongTag()
    {
        var key = Convert.FromHexString("1001000000000000000000000000000000000000000000000000000000000000");
        var nonce = Convert.FromHexString("1000020000000000000000000000000000000000000000000000000000000000");
        var message = new byte[16];
        var expected = Convert.FromHexString("754fc3d8c973246dcc6d741412a4b236"
            + "1181a1d18091082bf0266f66297d167d2e68b845f61a3b0527d31fc7b7b89f13");
        using var k = Key.Import(AeadAlgorithm.Aegis256, key, KeyBlobFormat.RawSymmetricKey);
        var sealedMessage = AeadAlgorithm.Aegis256.Encrypt(k, nonce, ReadOnlySpan<byte>.Empty, message);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(sealedMessage));
        Assert.Equal(message, AeadAlgorithm.Aegis256.Decrypt(k, nonce, ReadOnlySpan<byte>.Empty, expected));
    }

    [Fact]
    public void AnAegisTransportDatagramIsTheHeaderAndAegis256UnderTheHkdfBoundKeyAndTheCounterNonce()
    {
        var noiseKey = Enumerable.Range(0x40, 32).Select(n => (byte)n).ToArray();
        var now = TimeSpan.FromSeconds(1);
        using var session = new TransportSession(noiseKey, new byte[32], localIndex: 7, remoteIndex: 0x0A0B0C0D,
            isInitiator: true, now, cipher: TransportCipher.Aegis256);
        session.AdvanceSendCounter(0x0102030405);
        var packet = "an IP packet inside a PPP frame"u8.ToArray();
        var datagram = new byte[session.SealedLength(packet.Length)];
        Assert.Equal(DatagramStatus.Ok, session.Seal(packet, datagram, now, out var written));
        Assert.Equal(16 + packet.Length + 32, written);

        // type 4, three zero bytes, the receiver index and the counter, little-endian
        Assert.Equal("040000000D0C0B0A0504030201000000", Convert.ToHexString(datagram, 0, 16));
        var transportKey = new byte[32];
        HKDF.Expand(HashAlgorithmName.SHA256, noiseKey, transportKey, "Gateway transport aegis-256"u8);
        var nonce = new byte[32];
        Convert.FromHexString("000000000504030201000000").CopyTo(nonce, 0);
        using var k = Key.Import(AeadAlgorithm.Aegis256, transportKey, KeyBlobFormat.RawSymmetricKey);
        var expected = AeadAlgorithm.Aegis256.Encrypt(k, nonce, ReadOnlySpan<byte>.Empty, packet);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(datagram, 16, written - 16));
    }
}
