using System.Net;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Ppp.Session;
using Gateway.Core.Actors.Messages;

namespace Gateway.Core.Actors;

/// <summary>A sublink a bundle starts by itself (NIC mode), or the template of one started by ppp.linkup.</summary>
/// <param name="Name">FreeBSD's link name after <c>rename N</c> / <c>clone</c>: <c>1</c>, <c>2</c>, <c>N</c>.</param>
/// <param name="Transport">How its datagrams travel.</param>
/// <param name="Carrier">In words, for the dashboard.</param>
/// <param name="Remote">The receiver's address and port.</param>
/// <param name="BytesPerSecond">Its weight for the fragmenter (<c>set bandwidth</c>, or the line's rate).</param>
/// <param name="Policy">Primary of some priority, or backup (<c>set policy</c>); null: a primary of priority 1.</param>
/// <param name="Alternates">
/// The receivers after the first of a <c>set device</c> list (docs/CONFIG.md): the bundle's sublinks dial the next one
/// when the current one stops answering (<see cref="Ppp.Multilink.DeviceFailover"/>). Null or empty: one receiver.
/// </param>
public sealed record SublinkSpec(
    string Name, SublinkTransportFactory Transport, string Carrier, IPEndPoint? Remote, double BytesPerSecond = 1_250_000, MemberPolicy? Policy = null,
    IReadOnlyList<SublinkDevice>? Alternates = null)
{
    /// <summary>How many receivers the sublink's <c>set device</c> lists.</summary>
    public int DeviceCount => 1 + (Alternates?.Count ?? 0);

    /// <summary>Receiver <paramref name="index"/> of the list (0: the first, <see cref="Transport"/> to <see cref="Remote"/>).</summary>
    public SublinkDevice Device(int index) => index == 0 ? new(Transport, Carrier, Remote) : Alternates![index - 1];
}

/// <summary>One receiver a sublink may dial: how its datagrams travel there, that in words, and the receiver's address.</summary>
public sealed record SublinkDevice(SublinkTransportFactory Transport, string Carrier, IPEndPoint? Remote);

/// <summary>What one bundle actor is built from.</summary>
public sealed record BundleOptions
{
    public required BundleSettings Settings { get; init; }

    /// <summary>The session of each member link: sync framing, member mode (no IPCP, CCP Protocol-Rejected), MRRU set.</summary>
    public required SessionSettings MemberSession { get; init; }

    /// <summary>Sublinks started with the bundle and kept running (NIC mode, <c>vpn-nic</c>).</summary>
    public IReadOnlyList<SublinkSpec> Sublinks { get; init; } = [];

    /// <summary>LCP echo on every sublink (period); null = none.</summary>
    public TimeSpan? EchoPeriod { get; init; } = TimeSpan.FromSeconds(1);

    public int EchoMisses { get; init; } = 3;

    /// <summary>Where the bundle's IP packets go while its network is up (a tun device, the in-process traffic, a test's sink); null: none.</summary>
    public IDataPlaneFactory? DataPlane { get; init; }

    /// <summary>
    /// How long the data plane stays open while the bundle's network is down (docs/DESIGN.md "data plane through an
    /// outage"); zero closes it at once.
    /// </summary>
    public TimeSpan DataPlaneLinger { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>First and longest pause before a failed sublink of this bundle is started again.</summary>
    public TimeSpan RestartMin { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RestartMax { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A sublink whose <c>set device</c> lists several receivers leaves one that has not answered it at all within this
    /// time (two LCP Configure-Requests, or two handshake initiations), and the bundle may move on to the next.
    /// </summary>
    public TimeSpan SilentReceiverLimit { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The longest a member that joined again is given no data while its round trip stays far above its usual one
    /// (<c>BundleActor.Probation</c>): a path whose delay changed for good is not shut out for ever.
    /// </summary>
    public TimeSpan RejoinProbationLimit { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A gateway's encryption (<c>set encrypt on</c>): every sublink, NIC or ISP-carried, runs the handshake with the
    /// receiver's key before LCP and seals every datagram. Null: clear, FreeBSD ppp's wire.
    /// </summary>
    public SublinkSecurity.Initiator? Encryption { get; init; }
}
