using System.Net;
using Akka.Actor;

namespace Gateway.Core.Actors.Messages;

/// <summary>Commands, requests and events of a modem link actor (one ISP label).</summary>
public static class IspMessages
{
    /// <summary>FreeBSD's <c>dial</c>: open the link and dial (a no-op while it is already open).</summary>
    public sealed record Dial
    {
        public static Dial Instance { get; } = new();
    }

    /// <summary>FreeBSD's <c>close</c>: LCP Terminate, hang up, stay down until the next <see cref="Dial"/>.</summary>
    public sealed record Close
    {
        public static Close Instance { get; } = new();
    }

    /// <summary>FreeBSD's <c>down</c>: drop the link at once, as if the carrier went (no Terminate), and stay down.</summary>
    public sealed record Down
    {
        public static Down Instance { get; } = new();
    }

    /// <summary>Asks for the current <see cref="Gateway.Core.Status.IspLinkStatus"/>.</summary>
    public sealed record GetStatus
    {
        public static GetStatus Instance { get; } = new();
    }

    /// <summary>Send an ICMP echo request from MYADDR; the sender gets <see cref="PingReply"/> when the answer comes.</summary>
    public sealed record Ping(IPAddress Destination, ushort Sequence, byte[] Data);

    public sealed record PingReply(string Link, IPAddress Source, ushort Sequence, byte[] Data);

    /// <summary>
    /// Published on the event stream: IPCP is up on ISP link <paramref name="Name"/>; <paramref name="Udp"/> carries the
    /// UDP of the sublinks over it while it stays up.
    /// </summary>
    public sealed record IspLinkUp(string Name, IPAddress MyAddr, IPAddress HisAddr, Isp.IspUdpPorts Udp);

    /// <summary>Published on the event stream: the ISP link left the up state.</summary>
    public sealed record IspLinkDown(string Name, string Reason);

    /// <summary>Published on the event stream when a dial attempt starts (<paramref name="Delay"/>: the pause that preceded it).</summary>
    public sealed record IspDialAttempt(string Name, int Attempt, string? Phone, TimeSpan Delay, string Reason);

    /// <summary>Published on the event stream when the redial policy gives up (<paramref name="Reason"/> says why).</summary>
    public sealed record IspLinkGaveUp(string Name, string Reason);
}
