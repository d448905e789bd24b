namespace Gateway.Core.Config;

/// <summary>
/// The gateway's configuration, derived from FreeBSD ppp's files: what the actors are built from. Addresses that
/// are placeholders in the files (<c>RIP1</c>, <c>HISADDR</c>, <c>REAL-LOCAL-IP</c>) stay symbolic until run time.
/// </summary>
public sealed record GatewayModel(
    IReadOnlyList<IspLinkModel> IspLinks,
    IReadOnlyList<BundleModel> Bundles,
    IReadOnlyList<ReceiverModel> Receivers,
    IReadOnlyList<OtherLabel> OtherLabels);

/// <summary>How a link watches its quality: LQR (RFC 1989) and/or LCP echo, every <see cref="PeriodSeconds"/>.</summary>
public sealed record LinkQuality(bool Lqr, bool LqrAccepted, bool Echo, double PeriodSeconds)
{
    public static LinkQuality Of(LinkProfile link) => new(link.Lqr.Enabled, link.Lqr.Accepted, link.Echo, link.LqrPeriod);
}

/// <summary>A modem link to an ISP: one modem actor.</summary>
public sealed record IspLinkModel(
    string Label,
    IReadOnlyList<string> Devices,
    int Speed,
    ChatScriptText Dial,
    ChatScriptText Login,
    ChatScriptText Logout,
    ChatScriptText Hangup,
    PhoneList Phone,
    RedialSpec Redial,
    ReconnectSpec Reconnect,
    int IdleTimeoutSeconds,
    string AuthName,
    ConfigSecret AuthKey,
    LinkQuality Quality,
    IReadOnlyList<RouteSpec> Routes,
    IReadOnlyList<LinkAction> OnLinkUp,
    IReadOnlyList<LinkAction> OnLinkDown)
{
    /// <summary>
    /// Its <c>set lcpretry</c>, <c>ipcpretry</c>, <c>ccpretry</c>, <c>papretry</c> and <c>chapretry</c> (not
    /// <c>ipv6cpretry</c>: the modem link runs no IPV6CP); null: none written, the gateway's defaults.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public FsmRetries? Retries { get; init; }
}

/// <summary>A remote end of a datagram or stream transport; <see cref="Port"/> is null when the service is unknown.</summary>
public sealed record RemoteEndpoint(string Host, string? Service, int? Port);

/// <summary>
/// A member link of a Multilink bundle: its name (after <c>rename</c>/<c>clone</c>), transport and remote end, and
/// the ISP link that carries it (null: an ordinary interface, NIC mode). <see cref="Bandwidth"/> is its
/// <c>set bandwidth</c> in bit/s (null: not set); <see cref="Policy"/> its <c>set policy</c> (the gateway's extension;
/// null: not set, a primary of priority 1, and left out of the JSON).
/// </summary>
public sealed record SublinkModel(
    string Name,
    DeviceKind Transport,
    RemoteEndpoint? Remote,
    IReadOnlyList<string> Devices,
    string? CarriedBy,
    IReadOnlyList<string> Labels,
    bool Sync,
    int Mru,
    LinkQuality Quality,
    int? Bandwidth = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    Ppp.Multilink.MemberPolicy? Policy = null)
{
    /// <summary>
    /// Every datagram or stream device of its <c>set device</c> list, in order (<see cref="Remote"/> is the first): the
    /// receivers the sublink tries in turn (docs/CONFIG.md).
    /// </summary>
    public IReadOnlyList<RemoteEndpoint> Remotes { get; init; } = Remote is null ? [] : [Remote];

    /// <summary>Its <c>set lcpretry</c>, <c>papretry</c> and <c>chapretry</c> (link commands); null: none written, the gateway's defaults.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public FsmRetries? Retries { get; init; }
}

/// <summary>A Multilink bundle the gateway originates (ppp's MP invocation): one bundle actor.</summary>
public sealed record BundleModel(
    string Label,
    bool NicMode,
    EndDiscSpec EndDisc,
    int Mrru,
    int Mru,
    string AuthName,
    ConfigSecret AuthKey,
    IReadOnlyList<RouteSpec> Routes,
    bool Nat,
    CcpSettings Compression,
    IReadOnlyList<string> CompressionRefused,
    bool ShortSeq,
    int IdleTimeoutSeconds,
    string? Server,
    IReadOnlyList<SublinkModel> Sublinks,
    bool AcceptShortSeq = true,
    bool Ipv6cp = true,
    EncryptionSettings? Encryption = null,
    Ppp.Multilink.MpSchedule Schedule = Ppp.Multilink.MpSchedule.Latency)
{
    /// <summary>
    /// The bundle's <c>set ipcpretry</c>, <c>ipv6cpretry</c> and <c>ccpretry</c> (its NCPs; each member link's own
    /// lines are in <see cref="SublinkModel.Retries"/>); null: none written, the gateway's defaults.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public FsmRetries? Retries { get; init; }
}

/// <summary>A secret of ppp.secret as a receiver uses it.</summary>
public sealed record ReceiverSecret(string Name, ConfigSecret Key, string? PeerAddress, string? Label, string? Callback);

/// <summary>
/// A label that answers calls (ppp <c>-direct</c>): the Multilink receiver (<c>vpn-in</c>) with its UDP port, or an
/// answering single link such as the <c>.working</c> files' <c>isp-in-N</c>. <see cref="Phone"/> is its
/// <c>set phone</c> (null when not set): <c>gateway modems</c> lets such a label answer the calls to those numbers.
/// <see cref="ShortSeq"/> and <see cref="AcceptShortSeq"/> are its <c>enable/disable shortseq</c> and
/// <c>accept/deny shortseq</c> (RFC 1990 5.1.2), which its sublinks' LCP honours as the gateway's does;
/// <see cref="Ipv6cp"/> its <c>enable/disable ipv6cp</c> (FreeBSD's default: enabled).
/// </summary>
public sealed record ReceiverModel(
    string Label,
    bool Multilink,
    RemoteEndpoint? Listen,
    int Mrru,
    int Mru,
    EndDiscSpec EndDisc,
    bool RequireChap,
    bool RequirePap,
    IfAddrSpec? IfAddr,
    string? Server,
    IReadOnlyList<ReceiverSecret> Secrets,
    LinkQuality? Quality = null,
    PhoneList? Phone = null,
    bool ShortSeq = true,
    bool AcceptShortSeq = true,
    bool Ipv6cp = true,
    EncryptionSettings? Encryption = null,
    Ppp.Multilink.MpSchedule Schedule = Ppp.Multilink.MpSchedule.Latency)
{
    /// <summary>
    /// Its link's <c>set lcpretry</c>, <c>papretry</c>, <c>chapretry</c> (every arriving sublink's) and its bundles'
    /// <c>set ipcpretry</c>, <c>ipv6cpretry</c>, <c>ccpretry</c>; null: none written, the gateway's defaults.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public FsmRetries? Retries { get; init; }
}

/// <summary>A label that is none of the above, and why.</summary>
public sealed record OtherLabel(string Label, string Reason);
