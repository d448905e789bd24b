using Akka.Actor;
using Gateway.Core.Ppp.Lcp;

namespace Gateway.Core.Actors.Messages;

/// <summary>
/// A member link on another node of the receiver cluster reached the Network phase (issue 14): its
/// <see cref="Cluster.MemberRelay"/> stands for it. The bundle sends it fragments as <see cref="RelayedFragment"/>s.
/// <paramref name="Address"/> is the peer address (an index into <c>set ifaddr</c>'s range) the sublink's node chose for
/// the bundle from the cluster's leases; a bundle that exists already keeps its own.
/// </summary>
public sealed record RemoteSublinkUp(string Name, IActorRef Relay, LcpNegotiated Link, string PeerName, string? Remote, int Address = -1);

/// <summary>A Multilink fragment (MP header and data, unframed) a bundle sends on a member link on another node.</summary>
public sealed record RelayedFragment(byte[] Fragment);

/// <summary>
/// <paramref name="Message"/> for the bundle of <paramref name="Identity"/> (a <see cref="Ppp.Multilink.BundleIdentity"/>
/// in words) wherever the cluster placed it: what a relay sends until its bundle has answered (issue 14).
/// </summary>
public sealed record ForBundle(string Identity, object Message);
