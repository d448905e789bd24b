using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Crypto;
using Gateway.Core.Status;
using Gateway.Core.Transport;

namespace Gateway.Core.Actors;

/// <summary>
/// The keys of one encrypted sublink (issue 13), shared by the threads that send on it (the sublink actor's, the
/// bundle's) and the one that receives (its socket's loop, the receiver's shared socket, or the modem link carrying
/// it). It holds the current session and the one before (kept until it expires: datagrams sealed with it may still be
/// on a slower path, as WireGuard keeps its previous keypair), counts what it rejects by <see cref="DatagramStatus"/>,
/// and wipes every key on <see cref="Dispose"/>. Sealing and opening allocate nothing.
/// </summary>
public sealed class SealedLink : IDisposable
{
    private readonly SessionTable? table;
    private readonly long[] rejected = new long[RejectedReasons.Count];
    private readonly Lock gate = new();
    private volatile TransportSession? current;
    private volatile TransportSession? previous;
    private long sealDropped;
    private long opened;
    private int disposed;

    /// <param name="table">The receiver's table of every session of its socket, kept in step (null on a gateway).</param>
    /// <param name="authName">The authname the peer's key is listed under (receiver side); PPP must authenticate the same.</param>
    public SealedLink(SessionTable? table = null, string? authName = null)
    {
        this.table = table;
        AuthName = authName;
    }

    /// <summary>The authname of the peer's key in ppp.keys (receiver side; null on a gateway, which chose its peer).</summary>
    public string? AuthName { get; }

    /// <summary>The newest session, or null before the first handshake completes.</summary>
    public TransportSession? Current => current;

    public bool IsEstablished => current is not null;

    /// <summary>Datagrams opened and handed on (keepalives included).</summary>
    public long Opened => Interlocked.Read(ref opened);

    /// <summary>Packets not sent because no session could seal them (none yet, expired, or the responder's not yet confirmed).</summary>
    public long SealDropped => Interlocked.Read(ref sealDropped);

    /// <summary>
    /// Makes <paramref name="session"/> the current one; the current becomes the previous, and the one before that is
    /// removed and its keys wiped. False (and the session disposed) once the link is closed.
    /// </summary>
    public bool Install(TransportSession session)
    {
        TransportSession? retired;
        lock (gate)
        {
            if (disposed != 0)
            {
                session.Dispose();
                return false;
            }
            if (table is not null && !table.TryAdd(session))
            {
                session.Dispose();
                return false;
            }
            retired = previous;
            previous = current;
            current = session;
        }
        Retire(retired);
        return true;
    }

    /// <summary>Wipes the previous session once it is past use (WireGuard 6.2, 6.3).</summary>
    public void ExpireOld(TimeSpan now)
    {
        TransportSession? retired = null;
        lock (gate)
        {
            if (previous is { } old && old.IsExpired(now))
            {
                retired = old;
                previous = null;
            }
        }
        Retire(retired);
    }

    /// <summary>
    /// Seals <paramref name="packet"/> with the newest session that may send: the current one once it is confirmed,
    /// else the previous (a responder waits for the initiator's first datagram on new keys, WireGuard 6.1).
    /// </summary>
    public DatagramStatus Seal(ReadOnlySpan<byte> packet, Span<byte> datagram, TimeSpan now, out int written)
    {
        written = 0;
        var status = DatagramStatus.UnknownSession;
        if (current is { } newest)
        {
            status = newest.Seal(packet, datagram, now, out written);
            if (status == DatagramStatus.NotConfirmed && previous is { } older)
                status = older.Seal(packet, datagram, now, out written);
        }
        if (status != DatagramStatus.Ok)
            Interlocked.Increment(ref sealDropped);
        return status;
    }

    /// <summary>
    /// Opens a transport datagram with the session its receiver index names (current or previous) and counts a
    /// rejection by its reason; at most one AEAD check, and nothing changes on a drop.
    /// </summary>
    public DatagramStatus Open(ReadOnlySpan<byte> datagram, Span<byte> packet, TimeSpan now, out int written)
    {
        written = 0;
        var status = DatagramStatus.Malformed;
        if (TransportSession.TryReadHeader(datagram, out var index, out _))
        {
            status = DatagramStatus.UnknownSession;
            if (current is { } newest && newest.LocalIndex == index)
                status = newest.Open(datagram, packet, now, out written);
            else if (previous is { } older && older.LocalIndex == index)
                status = older.Open(datagram, packet, now, out written);
        }
        Count(status);
        return status;
    }

    /// <summary>Counts what became of a datagram (anything but <see cref="DatagramStatus.Ok"/> is a rejection).</summary>
    public void Count(DatagramStatus status)
    {
        if (status == DatagramStatus.Ok)
            Interlocked.Increment(ref opened);
        else if (RejectedReasons.IndexOf(status) is var i and >= 0)
            Interlocked.Increment(ref rejected[i]);
    }

    /// <summary>Datagrams rejected so far, by reason.</summary>
    public RejectedDatagrams Rejected => RejectedReasons.Snapshot(rejected);

    /// <summary>Closes the link: every session is removed from the table and its keys wiped.</summary>
    public void Dispose()
    {
        TransportSession? a, b;
        lock (gate)
        {
            if (disposed != 0)
                return;
            disposed = 1;
            (a, b) = (current, previous);
            current = null;
            previous = null;
        }
        Retire(a);
        Retire(b);
    }

    private void Retire(TransportSession? session)
    {
        if (session is null)
            return;
        table?.TryRemove(session.LocalIndex, out _);
        session.Dispose();
    }
}

/// <summary>The order of <see cref="RejectedDatagrams"/>'s counters; a bad key counts as a bad MAC1 would (a forged handshake).</summary>
internal static class RejectedReasons
{
    public const int Count = 8;

    public static int IndexOf(DatagramStatus status) => status switch
    {
        DatagramStatus.Malformed => 0,
        DatagramStatus.UnknownSession => 1,
        DatagramStatus.BadTag => 2,
        DatagramStatus.Replay => 3,
        DatagramStatus.Expired => 4,
        DatagramStatus.BadMac1 or DatagramStatus.BadKey => 5,
        DatagramStatus.UnknownPeer => 6,
        DatagramStatus.RateLimited => 7,
        _ => -1,
    };

    public static RejectedDatagrams Snapshot(long[] counts) => new(
        Volatile.Read(ref counts[0]), Volatile.Read(ref counts[1]), Volatile.Read(ref counts[2]), Volatile.Read(ref counts[3]),
        Volatile.Read(ref counts[4]), Volatile.Read(ref counts[5]), Volatile.Read(ref counts[6]), Volatile.Read(ref counts[7]));
}

/// <summary>Where a sealed sublink's handshake datagrams go, from its transport's receive thread.</summary>
public interface IHandshakeSink
{
    /// <summary>An initiation, response or cookie reply (by its layout only); valid during the call.</summary>
    void OnHandshake(ReadOnlySpan<byte> datagram, SocketAddress sender);
}

/// <summary>
/// The one sealing layer of every kind of sublink transport (a NIC socket, a peer of the receiver's shared socket, UDP
/// inside an ISP link): it wraps the transport's factory so that every datagram sent is sealed on the sending thread and
/// every datagram received is opened on the receiving thread, before the sublink's own handler sees it.
/// </summary>
public static class SealedTransports
{
    /// <summary>Wraps <paramref name="inner"/>: handshake datagrams go to <paramref name="handshakes"/>, transport datagrams are opened with <paramref name="link"/>.</summary>
    public static SublinkTransportFactory Wrap(SublinkTransportFactory inner, SealedLink link, IHandshakeSink handshakes) => handler =>
    {
        var transport = inner(new OpeningHandler(handler, link, handshakes));
        return new SealedTransport(transport, link);
    };
}

/// <summary>
/// A transport that seals each packet before its inner transport sends it. The sealed datagram is written into a
/// buffer of the sending thread's own (sends come from the sublink actor and from its bundle, on pool threads), so
/// nothing is allocated per packet. <see cref="SendClear"/> sends handshake datagrams as they are.
/// </summary>
public sealed class SealedTransport(ISublinkTransport inner, SealedLink link) : ISublinkTransport
{
    [ThreadStatic]
    private static byte[]? sealBuffer;

    public string Description => inner.Description + " sealed";

    public SealedLink Link => link;

    public bool HasRoom => inner.HasRoom;

    public bool Send(ReadOnlySpan<byte> packet)
    {
        var buffer = sealBuffer;
        int needed = TransportSession.MaxSealedLength(packet.Length);
        if (buffer is null || buffer.Length < needed)
            sealBuffer = buffer = new byte[Math.Max(needed, TransportSession.MaxSealedLength(UdpPathOptions.MaxUdpPayload))];
        if (link.Seal(packet, buffer, MonotonicClock.Now, out int written) != DatagramStatus.Ok)
            return false;
        return inner.Send(buffer.AsSpan(0, written));
    }

    /// <summary>Sends a handshake datagram (initiation) without sealing it.</summary>
    public bool SendClear(ReadOnlySpan<byte> datagram) => inner.Send(datagram);

    public void Dispose() => inner.Dispose();
}

/// <summary>
/// The receive side of the sealing layer, on the transport's thread: a transport datagram is opened into this
/// handler's own buffer (one receive thread per transport) and the packet handed to the sublink's handler; a
/// handshake datagram goes to the handshake sink; anything else, a clear PPP frame included, is counted as malformed
/// and dropped. A keepalive (an empty packet) only confirms the session.
/// </summary>
internal sealed class OpeningHandler(IDatagramHandler inner, SealedLink link, IHandshakeSink handshakes) : IDatagramHandler
{
    private readonly byte[] packet = new byte[UdpPathOptions.MaxUdpPayload];

    public void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress sender)
    {
        switch (HandshakeMessages.Classify(datagram))
        {
            case MessageType.Transport:
                if (link.Open(datagram, packet, MonotonicClock.Now, out int written) == DatagramStatus.Ok && written > 0)
                    inner.OnDatagram(packet.AsSpan(0, written), sender);
                break;
            case MessageType.Initiation or MessageType.Response or MessageType.CookieReply:
                handshakes.OnHandshake(datagram, sender);
                break;
            default:
                link.Count(DatagramStatus.Malformed);
                break;
        }
    }

    public void OnFailure(DatagramPathFailure failure) => inner.OnFailure(failure);
}

/// <summary>A gateway sublink's handshake datagrams go to its actor (a copy: a few per two minutes).</summary>
internal sealed class HandshakeToActor(IActorRef sublink) : IHandshakeSink
{
    public void OnHandshake(ReadOnlySpan<byte> datagram, SocketAddress sender) =>
        sublink.Tell(new SublinkSecurity.HandshakeIn(datagram.ToArray()), ActorRefs.NoSender);
}

/// <summary>How a sublink is encrypted (issue 13); null in <see cref="SublinkOptions"/> for a clear sublink.</summary>
public abstract record SublinkSecurity
{
    private protected SublinkSecurity()
    {
    }

    /// <summary>
    /// A gateway's sublink: it runs the initiator's handshake with the receiver's static key before LCP starts, rekeys
    /// and retransmits by <see cref="KeyLifetime"/>. <paramref name="LocalStatic"/> stays the caller's.
    /// </summary>
    public sealed record Initiator(KeyPair LocalStatic, X25519PublicKey ResponderStatic) : SublinkSecurity
    {
        /// <summary>Shared by every sublink given this record (a bundle's): their initiations are spaced.</summary>
        public InitiationPacer Pacer { get; init; } = new();
    }

    /// <summary>A receiver's sublink whose handshake the receiver's socket thread already ran: its keys and the sink of later initiations.</summary>
    public sealed record Responder(SealedLink Link, IHandshakeSink Handshakes) : SublinkSecurity;

    /// <summary>A handshake datagram for the sublink actor.</summary>
    internal sealed record HandshakeIn(byte[] Datagram);
}
