using Akka.Actor;
using Gateway.Core.Ppp.Lcp;

namespace Gateway.Core.Actors.Messages;

/// <summary>
/// A member link on another node of the receiver cluster reached the Network phase (issue 14): its
/// <see cref="Cluster.MemberRelay"/> stands for it. The bundle sends it fragments as <see cref="RelayedFragment"/>s.
/// </summary>
public sealed record RemoteSublinkUp(string Name, IActorRef Relay, LcpNegotiated Link, string PeerName, string? Remote);

/// <summary>A Multilink fragment (MP header and data, unframed) a bundle sends on a member link on another node.</summary>
public sealed record RelayedFragment(byte[] Fragment);
