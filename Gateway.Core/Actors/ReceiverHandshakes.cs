using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Gateway.Core.Config;
using Gateway.Core.Crypto;
using Gateway.Core.Status;
using Gateway.Core.Transport;

namespace Gateway.Core.Actors;

/// <summary>A receiver's encryption (<c>set encrypt on|require</c> on <c>vpn-in</c>): its static key and the gateways' keys (ppp.keys).</summary>
/// <param name="Mode"><see cref="EncryptionMode.On"/> accepts clear sublinks too; <see cref="EncryptionMode.Require"/> refuses them.</param>
/// <param name="LocalStatic">The receiver's key pair (the caller keeps it for the process's life).</param>
/// <param name="AllowList">Who may initiate, as which authname.</param>
public sealed record ReceiverEncryption(EncryptionMode Mode, KeyPair LocalStatic, IInitiatorAllowList AllowList)
{
    /// <summary>
    /// Initiations per second the responder answers with handshakes; past that in the same second it is "under load"
    /// and answers those without a valid MAC2 with a cookie reply only, so spoofed sources cost no Diffie-Hellman and
    /// leave no state (WireGuard 5.3). A real gateway's sublinks start a few a second.
    /// </summary>
    public int HandshakesPerSecondBeforeCookies { get; init; } = 64;

    /// <summary>
    /// Cookie replies sent per second at most; past that an initiation without a valid MAC2 is dropped and counted
    /// (<c>rateLimited</c>). A reply costs the receive thread a send: unbounded, a flood from spoofed sources would
    /// keep it from the live sublinks' datagrams, and the socket's buffer would overflow with theirs.
    /// </summary>
    public int MaxCookieRepliesPerSecond { get; init; } = 1000;
}

/// <summary>The receiver's handshake figures.</summary>
/// <param name="Mode">The receiver's <c>set encrypt</c>.</param>
/// <param name="Sessions">Sessions in the socket's table now (at most two per encrypted sublink).</param>
/// <param name="HandshakesCompleted">Initiations answered with a response.</param>
/// <param name="CookieReplies">Initiations answered with a cookie reply (under load).</param>
/// <param name="ClearRefused">Clear LCP Configure-Requests from new senders refused (<c>require</c>).</param>
/// <param name="Rejected">Datagrams from senders with no sublink rejected by reason, and failed initiations.</param>
public sealed record ReceiverEncryptionStatus(
    EncryptionMode Mode, int Sessions, long HandshakesCompleted, long CookieReplies, long ClearRefused, RejectedDatagrams Rejected);

/// <summary>
/// The responder's side of the receiver's one socket, used only on that socket's receive thread: initiations are
/// checked cheap-first (<see cref="HandshakeResponder"/>), answered from that thread, and only a completed handshake
/// (a listed key) creates anything: a <see cref="SealedLink"/> for a new sublink, or a new session on an existing one.
/// Transport datagrams from senders with no sublink yet (the moment between a handshake and the sublink's
/// registration) are opened through the socket's <see cref="SessionTable"/>. Nothing here allocates for a rejected
/// datagram, and what the socket has is bounded by its sublinks.
/// </summary>
internal sealed class ReceiverHandshakes : IDisposable
{
    private readonly ReceiverEncryption options;
    private readonly HandshakeResponder responder;
    private readonly UdpSharedListener listener;
    private readonly byte[] reply = new byte[HandshakeMessages.ResponseLength];
    private readonly byte[] packet = new byte[UdpPathOptions.MaxUdpPayload];
    private readonly long[] rejected = new long[RejectedReasons.Count];
    private long windowStart = Environment.TickCount64;
    private int inWindow;
    private int cookiesInWindow;
    private long completed;
    private long cookieReplies;
    private long clearRefused;

    public ReceiverHandshakes(ReceiverEncryption options, UdpSharedListener listener)
    {
        this.options = options;
        this.listener = listener;
        responder = new HandshakeResponder(options.LocalStatic, options.AllowList);
    }

    public SessionTable Sessions { get; } = new();

    public EncryptionMode Mode => options.Mode;

    public ReceiverEncryptionStatus Status => new(options.Mode, Sessions.Count, Interlocked.Read(ref completed),
        Interlocked.Read(ref cookieReplies), Interlocked.Read(ref clearRefused), RejectedReasons.Snapshot(rejected));

    public void CountClearRefused() => Interlocked.Increment(ref clearRefused);

    public void Count(DatagramStatus status)
    {
        if (RejectedReasons.IndexOf(status) is var i and >= 0)
            Interlocked.Increment(ref rejected[i]);
    }

    /// <summary>An initiation from a sender with no sublink: the new sublink's keys, or null (answered with a cookie, or dropped and counted).</summary>
    public SealedLink? Accept(ReadOnlySpan<byte> datagram, SocketAddress sender, TimeSpan now)
    {
        if (Respond(datagram, sender, now, requiredAuthName: null, out var status) is not { } result)
        {
            Count(status);
            return null;
        }
        var link = new SealedLink(Sessions, result.Peer!.AuthName);
        if (!link.Install(result.Session!))
            return null;
        Reply(sender);
        return link;
    }

    /// <summary>
    /// An initiation from a sublink's own address (a rekey, or its gateway's sublink starting again on the same port):
    /// the new session joins <paramref name="link"/> only when its key is listed under the same authname.
    /// </summary>
    public void Rekey(SealedLink link, ReadOnlySpan<byte> datagram, SocketAddress sender, TimeSpan now)
    {
        if (Respond(datagram, sender, now, link.AuthName, out var status) is not { } result)
            link.Count(status); // a replayed or forged initiation from the sublink's own address counts on that sublink
        else if (link.Install(result.Session!))
            Reply(sender);
    }

    /// <summary>A transport datagram from a sender with no sublink: opened through the table, or counted.</summary>
    public DatagramStatus OpenForStranger(ReadOnlySpan<byte> datagram, TimeSpan now, out ReadOnlySpan<byte> opened)
    {
        var status = Sessions.Open(datagram, packet, now, out int written, out _);
        opened = status == DatagramStatus.Ok ? packet.AsSpan(0, written) : default;
        Count(status);
        return status;
    }

    private ResponderResult? Respond(ReadOnlySpan<byte> datagram, SocketAddress sender, TimeSpan now, string? requiredAuthName, out DatagramStatus status)
    {
        uint index;
        do
            index = (uint)Random.Shared.NextInt64(1, uint.MaxValue);
        while (!Sessions.IsFree(index));
        var address = sender.Buffer.Span;
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(address[2..]); // sockaddr_in(6): family, port (network order), ...
        var bytes = sender.Family == AddressFamily.InterNetworkV6 ? address.Slice(8, 16) : address.Slice(4, 4);
        bool underLoad = UnderLoad();
        if (underLoad && cookiesInWindow >= options.MaxCookieRepliesPerSecond
            && !responder.Cookies.Mac2Valid(datagram, HandshakeMessages.InitiationMac2Offset, bytes, port, now))
        {
            // No cookie reply left to give this second: drop before MAC1, the cookie and the reply are computed.
            status = DatagramStatus.RateLimited;
            return null;
        }
        var result = responder.ConsumeInitiation(datagram, bytes, port, underLoad, index, now, reply);
        status = result.Status;
        if (result.Status == DatagramStatus.CookieReplySent)
        {
            if (++cookiesInWindow > options.MaxCookieRepliesPerSecond)
            {
                status = DatagramStatus.RateLimited;
                return null;
            }
            Interlocked.Increment(ref cookieReplies);
            listener.Reply(reply.AsSpan(0, result.ReplyLength), sender);
            return null;
        }
        if (result.Status != DatagramStatus.Ok)
            return null;
        if (requiredAuthName is not null && !string.Equals(result.Peer!.AuthName, requiredAuthName, StringComparison.Ordinal))
        {
            result.Session!.Dispose();
            status = DatagramStatus.UnknownPeer;
            return null;
        }
        Interlocked.Increment(ref completed);
        return result;
    }

    private void Reply(SocketAddress sender) => listener.Reply(reply.AsSpan(0, HandshakeMessages.ResponseLength), sender);

    // A fixed one-second window of initiations, on the receive thread only.
    private bool UnderLoad()
    {
        long now = Environment.TickCount64;
        if (now - windowStart >= 1000)
        {
            windowStart = now;
            inWindow = 0;
            cookiesInWindow = 0;
        }
        return ++inWindow > options.HandshakesPerSecondBeforeCookies;
    }

    public void Dispose() => responder.Dispose();
}

/// <summary>Initiations from a registered encrypted sublink's address go to the responder, for that sublink's keys.</summary>
internal sealed class PeerHandshakes(ReceiverHandshakes handshakes, SealedLink link) : IHandshakeSink
{
    public void OnHandshake(ReadOnlySpan<byte> datagram, SocketAddress sender)
    {
        if (HandshakeMessages.Classify(datagram) == MessageType.Initiation)
            handshakes.Rekey(link, datagram, sender, MonotonicClock.Now);
        else
            link.Count(DatagramStatus.Malformed);
    }
}
