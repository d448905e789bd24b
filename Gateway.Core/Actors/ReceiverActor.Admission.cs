using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Gateway.Core.Transport;

namespace Gateway.Core.Actors;

/// <summary>
/// Who may create a peer, and when the table is full, whose place it takes (docs/DESIGN.md, "receiver admission"): the
/// socket thread's filter and budgets (<see cref="Strangers"/>), the known addresses, and eviction.
/// </summary>
public sealed partial class ReceiverActor
{
    public long RefusedPeers { get; private set; }

    public long EvictedPeers { get; private set; }

    public long DroppedBeforeJoin { get; private set; }

    public long PeersCreated { get; private set; }

    /// <summary>A place for a newcomer, perhaps an evicted half-open peer's; false (counted) when every place is taken by peers it may not displace.</summary>
    private bool MakeRoom(bool newcomerKnown)
    {
        if (!peers.MakeRoom(newcomerKnown, out var evicted))
        {
            RefusedPeers++;
            return false;
        }
        if (evicted is not null)
        {
            // Out of the table now; its Terminated finds nothing. It stops saying nothing: counted here.
            EvictedPeers++;
            evicted.Tell(SublinkActor.Evict.Instance);
        }
        return true;
    }

    private void PublishKnownSources() => listener?.KnownSources.Replace(knownSources.Addresses);

    /// <param name="Opened">Opened from an encrypted datagram (a sublink between its handshake and its registration): never creates a peer.</param>
    /// <param name="Known">From an address in <see cref="UdpSharedListener.KnownSources"/>.</param>
    private sealed record PeerDatagram(IPEndPoint From, byte[] Datagram, bool Opened = false, bool Known = false);

    private sealed record EncryptedPeer(IPEndPoint From, SealedLink Link);

    /// <summary>Written by the socket's thread, read by the actor.</summary>
    private sealed class StrangerCounters
    {
        public long NotConfigureRequest;
        public long RateLimited;
        public long KnownRateLimited;
    }

    /// <summary>
    /// Datagrams from senders with no sublink yet (rate-bounded by the listener) and socket failures. Only an
    /// LCP Configure-Request goes on to the actor, within its budget (strangers' and known addresses' apart);
    /// the rest is counted here, without allocating.
    /// </summary>
    private sealed class Strangers(
        IActorRef receiver, StrangerCounters counters, ReceiverOptions options, SourceAddressSet known, ReceiverHandshakes? handshakes) : IDatagramHandler
    {
        // Touched only by the socket's thread.
        private OneSecondWindow strangerRequests;
        private OneSecondWindow knownRequests;

        public void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress sender)
        {
            if (handshakes is not null && OnEncrypted(datagram, sender))
                return;
            if (!IsLcpConfigureRequest(datagram))
            {
                Interlocked.Increment(ref counters.NotConfigureRequest);
                return;
            }
            bool fromKnown = known.Contains(sender);
            bool admitted = fromKnown
                ? knownRequests.Admit(TimeProvider.System, options.MaxKnownPeerRequestsPerSecond)
                : strangerRequests.Admit(TimeProvider.System, options.MaxNewPeerRequestsPerSecond);
            if (!admitted)
            {
                Interlocked.Increment(ref fromKnown ? ref counters.KnownRateLimited : ref counters.RateLimited);
                return;
            }
            receiver.Tell(new PeerDatagram(EndPointOf(sender), datagram.ToArray(), Known: fromKnown));
        }

        /// <summary>True when the datagram was the encryption's business (a handshake, a sealed packet, a clear request under <c>require</c>).</summary>
        private bool OnEncrypted(ReadOnlySpan<byte> datagram, SocketAddress sender)
        {
            switch (Crypto.HandshakeMessages.Classify(datagram))
            {
                case Crypto.MessageType.Initiation:
                    if (handshakes!.Accept(datagram, sender, MonotonicClock.Now) is { } link)
                        receiver.Tell(new EncryptedPeer(EndPointOf(sender), link));
                    return true;
                case Crypto.MessageType.Transport:
                    if (handshakes!.OpenForStranger(datagram, MonotonicClock.Now, out var packet) == Crypto.DatagramStatus.Ok && packet.Length > 0)
                        receiver.Tell(new PeerDatagram(EndPointOf(sender), packet.ToArray(), Opened: true));
                    return true;
                case Crypto.MessageType.Response or Crypto.MessageType.CookieReply:
                    handshakes!.Count(Crypto.DatagramStatus.Malformed);
                    return true;
            }
            if (handshakes!.Mode == Config.EncryptionMode.Require && IsLcpConfigureRequest(datagram))
            {
                handshakes.CountClearRefused();
                return true;
            }
            return false;
        }

        private static IPEndPoint EndPointOf(SocketAddress sender) => (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(sender);

        public void OnFailure(DatagramPathFailure failure)
        {
            if (failure.Fatal)
                receiver.Tell(new ListenerFailed(failure));
        }
    }
}
