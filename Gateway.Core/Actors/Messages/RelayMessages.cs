using Akka.Actor;
using Gateway.Core.Ppp.Lcp;

namespace Gateway.Core.Actors.Messages;

/// <summary>
/// A member link on another node of the receiver cluster reached the Network phase (issue 14): its
/// <see cref="Cluster.MemberRelay"/> stands for it. The bundle sends it fragments as <see cref="RelayedFragment"/>s.
/// <paramref name="Address"/> is the peer address (an index into <c>set ifaddr</c>'s range) the sublink's node chose for
/// the bundle from the cluster's leases; a bundle that exists already keeps its own. <paramref name="NextSequence"/>
/// follows the last Multilink sequence number the relay sent the peer (-1: none yet): a bundle formed again on another
/// node numbers on past it.
/// </summary>
public sealed record RemoteSublinkUp(string Name, IActorRef Relay, LcpNegotiated Link, string PeerName, string? Remote, int Address = -1, long NextSequence = -1);

/// <summary>
/// How far a bundle has numbered its fragments (the sequence number its next one carries), told every
/// <see cref="ReceiverBundleActor.NumberingPeriod"/> while it sends (else at its stats tick, when it moved) to each
/// member link on another node: if the bundle's node goes, the
/// relay hands it to the bundle formed again, which numbers on past it (issue 14).
/// </summary>
public sealed record BundleNumbering(long NextSequence);

/// <summary>A Multilink fragment (MP header and data, unframed) a bundle sends on a member link on another node.</summary>
public sealed record RelayedFragment(byte[] Fragment);

/// <summary>
/// <paramref name="Message"/> for the bundle of <paramref name="Identity"/> (a <see cref="Ppp.Multilink.BundleIdentity"/>
/// in words) wherever the cluster placed it: what a relay sends until its bundle has answered (issue 14).
/// </summary>
public sealed record ForBundle(string Identity, object Message);

/// <summary>
/// The bundle stops because its node is leaving the cluster (a graceful stop, a rolling restart): the relay asks for it
/// again only once <paramref name="Node"/>, an actor that lives as long as that node, has gone. A leaving node hands its
/// shards off while it may still run the cluster's shard coordinator, and a request in that moment would have the
/// departing coordinator place the bundle, a placement its successor does not learn (issue 14; docs/DESIGN.md,
/// "Rolling restart").
/// </summary>
public sealed record BundleMoving(IActorRef Node);
