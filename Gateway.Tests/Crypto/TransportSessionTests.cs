using System.Buffers.Binary;
using System.Text;
using Gateway.Core.Crypto;
using NSec.Cryptography;

namespace Gateway.Tests.Crypto;

public class TransportSessionTests
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(100);
    private static readonly byte[] KeyA = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] KeyB = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();

    /// <summary>Two ends of one session: the initiator (index 1) and the responder (index 2).</summary>
    private sealed class Pair(TransportCipher cipher = TransportCipher.ChaCha20Poly1305) : IDisposable
    {
        public TransportSession I { get; } = new(KeyA, KeyB, 1, 2, isInitiator: true, Start, cipher: cipher);
        public TransportSession R { get; } = new(KeyB, KeyA, 2, 1, isInitiator: false, Start, cipher: cipher);

        public void Dispose()
        {
            I.Dispose();
            R.Dispose();
        }
    }

    private static byte[] Sealed(TransportSession session, byte[] packet, TimeSpan? now = null)
    {
        var datagram = new byte[session.SealedLength(packet.Length)];
        Assert.Equal(DatagramStatus.Ok, session.Seal(packet, datagram, now ?? Start, out _));
        return datagram;
    }

    [Fact]
    public void TheNonceIsFourZeroBytesAndTheLittleEndianCounterAsRfc8439AppendixA5Uses()
    {
        // RFC 8439 A.5: nonce 00000000 0102030405060708, i.e. counter 0x0807060504030201 in our layout. The AEAD itself
        // (libsodium through NSec) must decrypt the RFC's ciphertext with it.
        var nonce = new byte[12];
        NoiseHandshake.WriteNonce(nonce, 0x0807060504030201);
        Assert.Equal("000000000102030405060708", Convert.ToHexString(nonce));

        var key = Convert.FromHexString("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0");
        var ciphertext = Convert.FromHexString(
            "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb24c6cfc18755d43eea09ee94e382d26b0" +
            "bdb7b73c321b0100d4f03b7f355894cf332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855" +
            "9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4b9166c767b804d46a59b5216cde7a4e9" +
            "9040c5a40433225ee282a1b0a06c523eaf4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a" +
            "0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a1049e617d91d361094fa68f0ff77987130" +
            "305beaba2eda04df997b714d6c6f2c29a6ad5cb4022b02709b" + "eead9d67890cbb22392336fea1851f38");
        var aad = Convert.FromHexString("f33388860000000000004e91");
        var expected = Encoding.UTF8.GetBytes("Internet-Drafts are draft documents valid for a maximum of six months and may be " +
            "updated, replaced, or obsoleted by other documents at any time. It is inappropriate to use Internet-Drafts as " +
            "reference material or to cite them other than as /\u201cwork in progress./\u201d");
        using var aeadKey = Key.Import(AeadAlgorithm.ChaCha20Poly1305, key, KeyBlobFormat.RawSymmetricKey);
        var plaintext = new byte[ciphertext.Length - 16];
        Assert.True(AeadAlgorithm.ChaCha20Poly1305.Decrypt(aeadKey, nonce, aad, ciphertext, plaintext));
        Assert.Equal(expected, plaintext);
    }

    [Theory]
    [InlineData(TransportCipher.ChaCha20Poly1305, 32)]
    [InlineData(TransportCipher.Aegis256, 48)]
    public void SealWritesTheHeaderAndCountsFromZero(TransportCipher cipher, int overhead)
    {
        using var pair = new Pair(cipher);
        var (i, r) = (pair.I, pair.R);
        var first = Sealed(i, [1, 2, 3]);
        var second = Sealed(i, [1, 2, 3]);
        Assert.Equal(new byte[] { 4, 0, 0, 0, 2, 0, 0, 0 }, first[..8]);
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(first.AsSpan(8)));
        Assert.Equal(1UL, BinaryPrimitives.ReadUInt64LittleEndian(second.AsSpan(8)));
        Assert.Equal(3 + overhead, first.Length);
        Assert.Equal(overhead, i.Overhead);
        Assert.NotEqual(first[16..], second[16..]);
        Assert.Equal(2UL, i.MessagesSent);
    }

    [Theory]
    [InlineData(TransportCipher.ChaCha20Poly1305)]
    [InlineData(TransportCipher.Aegis256)]
    public void AKeepaliveIsAnEmptyPacket(TransportCipher cipher)
    {
        using var pair = new Pair(cipher);
        var (i, r) = (pair.I, pair.R);
        var keepalive = Sealed(i, []);
        Assert.Equal(i.Overhead, keepalive.Length);
        Assert.Equal(DatagramStatus.Ok, r.Open(keepalive, Span<byte>.Empty, Start, out var written));
        Assert.Equal(0, written);
    }

    [Theory]
    [InlineData(TransportCipher.ChaCha20Poly1305)]
    [InlineData(TransportCipher.Aegis256)]
    public void SealAndOpenWorkInPlace(TransportCipher cipher)
    {
        using var pair = new Pair(cipher);
        var (i, r) = (pair.I, pair.R);
        var packet = "in place"u8.ToArray();
        var buffer = new byte[i.SealedLength(packet.Length)];
        packet.CopyTo(buffer, 16);
        Assert.Equal(DatagramStatus.Ok, i.Seal(buffer.AsSpan(16, packet.Length), buffer, Start, out _));
        Assert.NotEqual(packet, buffer.AsSpan(16, packet.Length).ToArray());
        Assert.Equal(DatagramStatus.Ok, r.Open(buffer, buffer.AsSpan(16), Start, out var written));
        Assert.Equal(packet, buffer.AsSpan(16, written).ToArray());
    }

    [Fact]
    public void TheResponderMayNotSendUntilTheInitiatorsFirstDatagramOpens()
    {
        using var pair = new Pair();
        var (i, r) = (pair.I, pair.R);
        var buffer = new byte[64];
        Assert.Equal(DatagramStatus.NotConfirmed, r.Seal([1], buffer, Start, out _));
        Assert.False(r.IsConfirmed);
        var forged = Sealed(i, [9]);
        forged[^1] ^= 1;
        Assert.Equal(DatagramStatus.BadTag, r.Open(forged, buffer, Start, out _));
        Assert.False(r.IsConfirmed);
        Assert.Equal(DatagramStatus.Ok, r.Open(Sealed(i, [9]), buffer, Start, out _));
        Assert.True(r.IsConfirmed);
        Assert.Equal(DatagramStatus.Ok, r.Seal([1], buffer, Start, out _));
    }

    [Fact]
    public void EveryTamperedByteIsRefusedAndLeavesTheWindowWhereItWas()
    {
        using var pair = new Pair();
        var (i, r) = (pair.I, pair.R);
        var genuine = Sealed(i, "payload"u8.ToArray());
        var buffer = new byte[64];
        for (var b = 0; b < genuine.Length; b++)
        {
            var tampered = (byte[])genuine.Clone();
            tampered[b] ^= 0x01;
            var status = r.Open(tampered, buffer, Start, out _);
            var expected = b switch
            {
                < 4 => DatagramStatus.Malformed,
                < 8 => DatagramStatus.UnknownSession,
                _ => DatagramStatus.BadTag, // counter bytes change the nonce
            };
            Assert.True(expected == status, $"byte {b}: {status}");
        }
        Assert.Equal(DatagramStatus.Ok, r.Open(genuine, buffer, Start, out _));
    }

    [Fact]
    public void ADuplicateIsAReplayAndIsRefusedBeforeAnyAead()
    {
        using var pair = new Pair();
        var (i, r) = (pair.I, pair.R);
        var datagram = Sealed(i, [1, 2, 3]);
        var buffer = new byte[64];
        Assert.Equal(DatagramStatus.Ok, r.Open(datagram, buffer, Start, out _));
        Assert.Equal(DatagramStatus.Replay, r.Open(datagram, buffer, Start, out _));
        datagram[^1] ^= 1; // a forged copy is also refused as a replay: the counter is checked first
        Assert.Equal(DatagramStatus.Replay, r.Open(datagram, buffer, Start, out _));
    }

    [Fact]
    public void ReorderedDatagramsOpenAndTheirDuplicatesDoNot()
    {
        using var pair = new Pair();
        var (i, r) = (pair.I, pair.R);
        var datagrams = Enumerable.Range(0, 50).Select(n => Sealed(i, [(byte)n])).ToArray();
        var buffer = new byte[16];
        foreach (var n in Enumerable.Range(0, 50).Reverse())
            Assert.Equal(DatagramStatus.Ok, r.Open(datagrams[n], buffer, Start, out _));
        Assert.All(datagrams, d => Assert.Equal(DatagramStatus.Replay, r.Open(d, buffer, Start, out _)));
    }

    [Fact]
    public void KeysPastRejectAfterTimeNeitherSealNorOpen()
    {
        using var pair = new Pair();
        var (i, r) = (pair.I, pair.R);
        var early = Sealed(i, [1]);
        var late = Start + KeyLifetime.RejectAfterTime;
        var buffer = new byte[64];
        Assert.Equal(DatagramStatus.Expired, i.Seal([1], buffer, late, out _));
        Assert.Equal(DatagramStatus.Expired, r.Open(early, buffer, late, out _));
        Assert.Equal(DatagramStatus.Ok, r.Open(early, buffer, late - TimeSpan.FromTicks(1), out _));
        Assert.True(i.IsExpired(late));
    }

    [Fact]
    public void CountersAtTheRejectLimitAreRefusedEitherWay()
    {
        using var pair = new Pair();
        var (i, r) = (pair.I, pair.R);
        var buffer = new byte[64];
        i.AdvanceSendCounter(KeyLifetime.RejectAfterMessages - 1);
        Assert.Equal(DatagramStatus.Ok, i.Seal([1], buffer, Start, out _));
        Assert.Equal(DatagramStatus.Expired, i.Seal([1], buffer, Start, out _));
        Assert.True(i.IsExpired(Start));

        // a forged header with a counter past the limit is refused without trying the tag
        var forged = new byte[33];
        forged[0] = 4;
        BinaryPrimitives.WriteUInt32LittleEndian(forged.AsSpan(4), r.LocalIndex);
        BinaryPrimitives.WriteUInt64LittleEndian(forged.AsSpan(8), KeyLifetime.RejectAfterMessages);
        Assert.Equal(DatagramStatus.Expired, r.Open(forged, buffer, Start, out _));
    }

    [Fact]
    public void ADisposedSessionRefusesInsteadOfThrowing()
    {
        var pair = new Pair();
        var (i, r) = (pair.I, pair.R);
        var datagram = Sealed(i, [1]);
        pair.Dispose();
        var buffer = new byte[64];
        Assert.Equal(DatagramStatus.Expired, i.Seal([1], buffer, Start, out _));
        Assert.Equal(DatagramStatus.UnknownSession, r.Open(datagram, buffer, Start, out _));
    }

    [Fact]
    public void TheSessionTableFindsTheSessionByReceiverIndexAndRefusesOthers()
    {
        using var pair = new Pair();
        var (i, r) = (pair.I, pair.R);
        var table = new SessionTable();
        Assert.True(table.TryAdd(r));
        Assert.False(table.TryAdd(r));
        Assert.False(table.IsFree(2));
        var buffer = new byte[64];

        Assert.Equal(DatagramStatus.Ok, table.Open(Sealed(i, [7]), buffer, Start, out var written, out var session));
        Assert.Same(r, session);
        Assert.Equal(7, buffer[0]);
        Assert.Equal(1, written);

        var toNobody = Sealed(i, [7]);
        BinaryPrimitives.WriteUInt32LittleEndian(toNobody.AsSpan(4), 99);
        Assert.Equal(DatagramStatus.UnknownSession, table.Open(toNobody, buffer, Start, out _, out _));
        Assert.Equal(DatagramStatus.Malformed, table.Open(new byte[10], buffer, Start, out _, out _));

        Assert.True(table.TryRemove(2, out _));
        Assert.Equal(DatagramStatus.UnknownSession, table.Open(Sealed(i, [7]), buffer, Start, out _, out _));
    }

    [Theory]
    [InlineData(TransportCipher.ChaCha20Poly1305)]
    [InlineData(TransportCipher.Aegis256)]
    public void SealAndOpenAllocateNothingPerPacket(TransportCipher cipher)
    {
        using var pair = new Pair(cipher);
        var (i, r) = (pair.I, pair.R);
        var table = new SessionTable();
        table.TryAdd(r);
        var packet = new byte[1400];
        var datagram = new byte[i.SealedLength(packet.Length)];
        var opened = new byte[packet.Length];
        const int Packets = 20_000;

        void Run(int count)
        {
            for (var n = 0; n < count; n++)
            {
                packet[0] = (byte)n;
                if (i.Seal(packet, datagram, Start, out _) != DatagramStatus.Ok
                    || table.Open(datagram, opened, Start, out _, out _) != DatagramStatus.Ok
                    || opened[0] != (byte)n)
                    throw new InvalidOperationException($"packet {n} did not round-trip");
            }
        }

        Run(1_000); // warm up: JIT, static state of the libraries
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(Packets);
        var perPacket = (double)(GC.GetAllocatedBytesForCurrentThread() - before) / Packets;
        Assert.True(perPacket < 1, $"{perPacket:0.###} bytes allocated per packet");
    }
}
