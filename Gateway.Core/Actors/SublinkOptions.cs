using System.Net;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Ppp.Session;

namespace Gateway.Core.Actors;

/// <summary>What one sublink is built from.</summary>
/// <param name="Bundle">The bundle's name (for status).</param>
/// <param name="Name">The sublink's name (<c>1</c>, <c>2</c>, ... as FreeBSD's <c>rename N</c>, or the peer address on a receiver).</param>
/// <param name="Session">A member-mode session: sync framing, Multilink in LCP, no IPCP.</param>
/// <param name="Transport">Opens the datagram path in <c>PreStart</c>.</param>
/// <param name="Carrier">What carries it, in words (<c>isp1</c>, <c>nic</c>, <c>udp 192.0.2.7:40000</c>).</param>
/// <param name="Remote">The peer's address and port, when known.</param>
/// <param name="EchoPeriod">LCP echo keepalive period (FreeBSD <c>enable echo</c>, <c>set echoperiod</c>); null = none.</param>
/// <param name="EchoMisses">Unanswered echoes before the sublink is declared failed.</param>
/// <param name="EstablishTimeout">A sublink that has not reached the Network phase by then gives up (bounds half-open peers).</param>
/// <param name="Security">How the sublink is encrypted (issue 13); null: clear PPP in UDP, as FreeBSD ppp.</param>
/// <param name="QuietUntilAuthenticated">
/// A receiver's sublink, which anyone can start with a datagram: until its peer authenticates it logs at Debug, publishes
/// no status, and tells its owner how it ended (<see cref="SublinkActor.HalfOpenEnded"/>) instead (docs/RELIABILITY.md).
/// </param>
/// <param name="SilentLimit">
/// A gateway's sublink with other receivers to try (<c>set device</c> lists several): it stops when not one datagram
/// came from its peer within this time. Null: it waits for LCP (or <paramref name="EstablishTimeout"/>).
/// </param>
public sealed record SublinkOptions(
    string Bundle,
    string Name,
    SessionSettings Session,
    SublinkTransportFactory Transport,
    string Carrier,
    IPEndPoint? Remote = null,
    TimeSpan? EchoPeriod = null,
    int EchoMisses = 5,
    TimeSpan? EstablishTimeout = null,
    SublinkSecurity? Security = null,
    bool QuietUntilAuthenticated = false,
    TimeSpan? SilentLimit = null);

/// <summary>A sublink's transport failed for good; its supervisor restarts it with back-off.</summary>
public sealed class SublinkTransportException(string message, Exception inner) : Exception(message, inner);
