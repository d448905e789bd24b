using System.Net;
using Akka.Event;
using Gateway.Core.Transport;

namespace Gateway.Core.Actors;

/// <summary>The receiver's counts (<see cref="GetReceiverStatus"/>), and what strangers cost logged as a periodic summary (<see cref="ReceiverLogSummary"/>).</summary>
public sealed partial class ReceiverActor
{
    private const string SummaryTimerKey = "summary";
    private readonly long[] halfOpenEnded = new long[Enum.GetValues<SublinkActor.HalfOpenEnd>().Length];
    private readonly ReceiverLogSummary summary;

    /// <summary>Ask the receiver for its bound address and counts.</summary>
    public sealed record GetReceiverStatus
    {
        public static GetReceiverStatus Instance { get; } = new();
    }

    /// <summary>The receiver's counts.</summary>
    /// <param name="Listening">The bound address and port.</param>
    /// <param name="Peers">Peers (address and port) with a sublink now.</param>
    /// <param name="Bundles">Bundles now.</param>
    /// <param name="RefusedPeers">Would-be peers turned away because <see cref="ReceiverOptions.MaxPeers"/> were there, none of which they could displace.</param>
    /// <param name="DroppedBeforeJoin">Multilink or IP frames from a sublink that had not joined a bundle.</param>
    /// <param name="IgnoredStrangerDatagrams">Datagrams from senders with no sublink that were not an LCP Configure-Request.</param>
    /// <param name="RateLimitedRequests">Configure-Requests from senders with no sublink dropped by <see cref="ReceiverOptions.MaxNewPeerRequestsPerSecond"/>.</param>
    /// <param name="PeersCreated">Sublinks created since the start.</param>
    /// <param name="Socket">The shared socket's counters (unexpected senders, rate-bound drops).</param>
    public sealed record ReceiverStatus(
        IPEndPoint? Listening, int Peers, int Bundles, long RefusedPeers, long DroppedBeforeJoin,
        long IgnoredStrangerDatagrams, long RateLimitedRequests, long PeersCreated, DatagramCounters Socket)
    {
        /// <summary>The handshakes' figures; null without encryption.</summary>
        public ReceiverEncryptionStatus? Encryption { get; init; }

        /// <summary>Configure-Requests from known addresses dropped by <see cref="ReceiverOptions.MaxKnownPeerRequestsPerSecond"/>.</summary>
        public long KnownRateLimitedRequests { get; init; }

        /// <summary>Half-open peers whose place a newcomer took (the table was full).</summary>
        public long EvictedPeers { get; init; }

        /// <summary>Half-open peers now (no authenticated peer yet).</summary>
        public int HalfOpenPeers { get; init; }

        /// <summary>Addresses known from authenticated sublinks now.</summary>
        public int KnownSources { get; init; }

        /// <summary>Peers that ended before authenticating, by how (evicted ones apart: <see cref="EvictedPeers"/>).</summary>
        public HalfOpenEnds HalfOpenEnded { get; init; } = new(0, 0, 0);
    }

    /// <summary>
    /// Asks a receiver, possibly on another node of the cluster, for <see cref="NodeSummary"/>. Its fields are plain
    /// values, so that Akka.Remote carries both with its default serializer.
    /// </summary>
    public sealed record GetNodeSummary;

    /// <summary>What the cluster view shows of one node's receiver: its UDP address, its sublinks (peers) and bundles.</summary>
    public sealed record NodeSummary(string? Listen, int Peers, int Bundles)
    {
        /// <summary>Address leases this node knows of in the cluster (<see cref="ClusterLeases"/>); null without an address book.</summary>
        public int? Leases { get; init; }
    }

    /// <summary>Peers that ended before authenticating, by <see cref="SublinkActor.HalfOpenEnd"/>.</summary>
    public sealed record HalfOpenEnds(long TimedOut, long AuthenticationFailed, long Closed);

    private ReceiverStatus Status() => new(
        listener?.LocalEndPoint, peers.Count, BundleCount, RefusedPeers, DroppedBeforeJoin,
        Volatile.Read(ref strangerCounters.NotConfigureRequest), Volatile.Read(ref strangerCounters.RateLimited), PeersCreated,
        listener?.Counters ?? default)
    {
        Encryption = handshakes?.Status,
        KnownRateLimitedRequests = Volatile.Read(ref strangerCounters.KnownRateLimited),
        EvictedPeers = EvictedPeers,
        HalfOpenPeers = peers.HalfOpen,
        KnownSources = knownSources.Count,
        HalfOpenEnded = new(
            halfOpenEnded[(int)SublinkActor.HalfOpenEnd.TimedOut],
            halfOpenEnded[(int)SublinkActor.HalfOpenEnd.AuthenticationFailed],
            halfOpenEnded[(int)SublinkActor.HalfOpenEnd.Closed]),
    };

    private void OnSummaryTick()
    {
        if (knownSources.Expire(MonotonicClock.Now))
            PublishKnownSources();
        var (dropped, halfOpen) = summary.Next(Status());
        if (dropped is not null)
            log.Warning("{0}", dropped);
        if (halfOpen is not null)
            log.Info("{0}", halfOpen);
    }

    private sealed record SummaryTick
    {
        public static SummaryTick Instance { get; } = new();
    }
}
