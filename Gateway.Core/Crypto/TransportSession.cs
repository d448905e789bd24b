using System.Buffers.Binary;
using NSec.Cryptography;
using static Gateway.Core.Crypto.HandshakeMessages;

namespace Gateway.Core.Crypto;

/// <summary>
/// The transport keys of one completed handshake (WireGuard 5.4.6): <see cref="Seal"/> turns a packet into a data
/// datagram and <see cref="Open"/> turns one back, ChaCha20-Poly1305 or AEGIS-256 (<see cref="TransportCipher"/>)
/// with the 64-bit counter as nonce (Noise 12.3)
/// and no associated data. Both write into the caller's spans and allocate nothing.
/// <para>
/// Open spends at most one AEAD check on a datagram, and only after the cheap tests (layout, index, lifetime, replay
/// window) pass; the window moves only when the tag verifies, so forged datagrams change nothing. Seal may be called
/// from several threads at once (the counter is taken atomically, so no nonce repeats); Open from one thread at a time.
/// </para>
/// <para>
/// The session is not padded: a PPP frame's length already says what padding would hide in WireGuard (its IP packet
/// length), and the bytes would be paid on every sublink. Keys live in libsodium memory and are wiped on dispose; a
/// disposed session refuses to seal (<see cref="DatagramStatus.Expired"/>) and to open (<see cref="DatagramStatus.UnknownSession"/>)
/// instead of throwing, since a receive loop may still hold it for a moment.
/// </para>
/// </summary>
public sealed class TransportSession : IDisposable
{
    /// <summary>The most bytes a sealed datagram adds to its packet: header and the longest tag.</summary>
    public const int MaxOverhead = TransportHeaderLength + TransportCiphers.MaxTagLength;

    private readonly AeadAlgorithm aead;
    private readonly Key sendKey;
    private readonly Key receiveKey;
    private readonly ReplayWindow window = new();
    private ulong nextSendCounter;
    private volatile bool confirmed;
    private int disposed;

    internal TransportSession(ReadOnlySpan<byte> sendKey, ReadOnlySpan<byte> receiveKey, uint localIndex, uint remoteIndex,
        bool isInitiator, TimeSpan createdAt, AllowedPeer? peer = null, TransportCipher cipher = TransportCipher.ChaCha20Poly1305)
    {
        Cipher = cipher;
        aead = TransportCiphers.Algorithm(cipher);
        Overhead = TransportHeaderLength + aead.TagSize;
        this.sendKey = TransportCiphers.Import(cipher, sendKey);
        this.receiveKey = TransportCiphers.Import(cipher, receiveKey);
        LocalIndex = localIndex;
        RemoteIndex = remoteIndex;
        Lifetime = new KeyLifetime(createdAt, isInitiator);
        Peer = peer;
        // The initiator knows the responder holds the keys (its response authenticated); the responder learns the
        // same of the initiator from its first transport message (WireGuard 6.1 "key confirmation").
        confirmed = isInitiator;
    }

    /// <summary>The AEAD both ends agreed on in the handshake.</summary>
    public TransportCipher Cipher { get; }

    /// <summary>Our index: the receiver index of datagrams sent to us.</summary>
    public uint LocalIndex { get; }

    /// <summary>The peer's index: written into every datagram we seal.</summary>
    public uint RemoteIndex { get; }

    public KeyLifetime Lifetime { get; }

    public bool IsInitiator => Lifetime.IsInitiator;

    /// <summary>The allow-list entry of the peer (responder side); null on the initiator, which chose its peer.</summary>
    public AllowedPeer? Peer { get; }

    /// <summary>Whether this end may send: always for the initiator, for the responder once a transport datagram opened.</summary>
    public bool IsConfirmed => confirmed;

    /// <summary>Counters handed out so far (the next counter to send).</summary>
    public ulong MessagesSent => Volatile.Read(ref nextSendCounter);

    /// <summary>Bytes a sealed datagram of this session adds to its packet: header and tag (32, or 48 with AEGIS-256).</summary>
    public int Overhead { get; }

    /// <summary>The datagram length for a packet of <paramref name="packetLength"/> bytes.</summary>
    public int SealedLength(int packetLength) => packetLength + Overhead;

    /// <summary>A datagram buffer long enough for a packet of <paramref name="packetLength"/> bytes under any cipher.</summary>
    public static int MaxSealedLength(int packetLength) => packetLength + MaxOverhead;

    /// <summary>Should the sender start a new handshake (count, or initiator's age)? Ask after sending.</summary>
    public bool RekeyDueOnSend(TimeSpan now) => Lifetime.RekeyDueOnSend(now, MessagesSent);

    /// <summary>Should the initiator start a new handshake because it receives on old keys? Ask after a successful open.</summary>
    public bool RekeyDueOnReceive(TimeSpan now) => Lifetime.RekeyDueOnReceive(now);

    /// <summary>Are the keys past use (age or count)?</summary>
    public bool IsExpired(TimeSpan now) => Lifetime.Expired(now, MessagesSent);

    /// <summary>
    /// Seals <paramref name="packet"/> into <paramref name="datagram"/> (at least <see cref="SealedLength"/> bytes;
    /// the packet may already sit at <c>datagram[16..]</c>, sealed in place). An empty packet is a keepalive.
    /// Returns <see cref="DatagramStatus.Ok"/>, <see cref="DatagramStatus.Expired"/> or <see cref="DatagramStatus.NotConfirmed"/>.
    /// </summary>
    public DatagramStatus Seal(ReadOnlySpan<byte> packet, Span<byte> datagram, TimeSpan now, out int written)
    {
        written = 0;
        var length = SealedLength(packet.Length);
        if (datagram.Length < length)
            throw new ArgumentException($"a sealed datagram of this packet needs {length} bytes", nameof(datagram));
        if (disposed != 0)
            return DatagramStatus.Expired;
        if (!confirmed)
            return DatagramStatus.NotConfirmed;
        if (Lifetime.Age(now) >= KeyLifetime.RejectAfterTime)
            return DatagramStatus.Expired;
        var counter = Interlocked.Increment(ref nextSendCounter) - 1;
        if (counter >= KeyLifetime.RejectAfterMessages)
            return DatagramStatus.Expired;

        Span<byte> nonce = stackalloc byte[aead.NonceSize];
        WriteNonce(nonce, counter);
        try
        {
            aead.Encrypt(sendKey, nonce, ReadOnlySpan<byte>.Empty, packet, datagram[TransportHeaderLength..length]);
        }
        catch (ObjectDisposedException)
        {
            return DatagramStatus.Expired; // disposed by another thread since the check above
        }
        WriteHeader(datagram, MessageType.Transport);
        WriteIndex(datagram, TransportReceiverOffset, RemoteIndex);
        BinaryPrimitives.WriteUInt64LittleEndian(datagram[TransportCounterOffset..], counter);
        written = length;
        return DatagramStatus.Ok;
    }

    /// <summary>
    /// Opens a transport datagram addressed to this session into <paramref name="packet"/> (at least the datagram's
    /// length minus <see cref="Overhead"/>; it may be <c>datagram[16..]</c>, opened in place). Returns
    /// <see cref="DatagramStatus.Ok"/> or the reason for the drop; on a drop nothing changes.
    /// </summary>
    public DatagramStatus Open(ReadOnlySpan<byte> datagram, Span<byte> packet, TimeSpan now, out int written)
    {
        written = 0;
        if (!TryReadHeader(datagram, out var receiver, out var counter))
            return DatagramStatus.Malformed;
        if (receiver != LocalIndex)
            return DatagramStatus.UnknownSession;
        if (disposed != 0)
            return DatagramStatus.UnknownSession;
        if (counter >= KeyLifetime.RejectAfterMessages || Lifetime.Age(now) >= KeyLifetime.RejectAfterTime)
            return DatagramStatus.Expired;
        if (datagram.Length < Overhead)
            return DatagramStatus.Malformed; // shorter than this cipher's tag
        if (!window.IsFresh(counter))
            return DatagramStatus.Replay;
        var length = datagram.Length - Overhead;
        if (packet.Length < length)
            throw new ArgumentException($"the opened packet needs {length} bytes", nameof(packet));

        Span<byte> nonce = stackalloc byte[aead.NonceSize];
        WriteNonce(nonce, counter);
        try
        {
            if (!aead.Decrypt(receiveKey, nonce, ReadOnlySpan<byte>.Empty, datagram[TransportHeaderLength..], packet[..length]))
                return DatagramStatus.BadTag;
        }
        catch (ObjectDisposedException)
        {
            return DatagramStatus.UnknownSession; // disposed by another thread since the check above
        }
        window.Mark(counter);
        confirmed = true;
        written = length;
        return DatagramStatus.Ok;
    }

    /// <summary>The counter as Noise's nonce (four zero bytes, the counter little-endian), zero-padded to the AEAD's nonce size.</summary>
    private static void WriteNonce(Span<byte> nonce, ulong counter)
    {
        nonce.Clear();
        NoiseHandshake.WriteNonce(nonce, counter);
    }

    /// <summary>Moves the send counter forward, so tests reach the message limits without sealing 2^60 packets.</summary>
    internal void AdvanceSendCounter(ulong next) => Volatile.Write(ref nextSendCounter, Math.Max(next, MessagesSent));

    /// <summary>The receiver index and counter of a transport datagram; false when it is not one (type, reserved bytes, length).</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> datagram, out uint receiverIndex, out ulong counter)
    {
        receiverIndex = 0;
        counter = 0;
        if (Classify(datagram) != MessageType.Transport)
            return false;
        receiverIndex = ReadIndex(datagram, TransportReceiverOffset);
        counter = BinaryPrimitives.ReadUInt64LittleEndian(datagram[TransportCounterOffset..]);
        return true;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
            return;
        sendKey.Dispose();
        receiveKey.Dispose();
    }
}
