namespace Gateway.Core.Config;

/// <summary>
/// One option of <c>enable|disable|accept|deny</c>: whether we ask for it (enable) and whether we agree when the
/// peer asks (accept).
/// </summary>
public readonly record struct Negotiation(bool Enabled, bool Accepted)
{
    public static Negotiation EnabledAndAccepted => new(true, true);

    public static Negotiation AcceptedOnly => new(false, true);

    public static Negotiation Off => new(false, false);

    /// <summary>Disabled and denied: refused both ways.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Refused => !Enabled && !Accepted;

    public override string ToString() => (Enabled ? "enabled" : "disabled") + " & " + (Accepted ? "accepted" : "denied");
}

/// <summary>The CCP options (compression) of a link or of the Multilink bundle.</summary>
public sealed class CcpSettings
{
    /// <summary>ppp(8) defaults: deflate and pred1 enabled and accepted, deflate24 disabled and denied, mppe enabled and accepted.</summary>
    public Negotiation Deflate { get; internal set; } = Negotiation.EnabledAndAccepted;

    public Negotiation Deflate24 { get; internal set; } = Negotiation.Off;

    public Negotiation Pred1 { get; internal set; } = Negotiation.EnabledAndAccepted;

    public Negotiation Mppe { get; internal set; } = Negotiation.EnabledAndAccepted;

    /// <summary>The algorithms refused both ways.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string> Refused =>
        new (string Name, Negotiation N)[] { ("deflate", Deflate), ("deflate24", Deflate24), ("mppe", Mppe), ("pred1", Pred1) }
            .Where(x => x.N.Refused).Select(x => x.Name).ToList();

    internal CcpSettings Clone() => (CcpSettings)MemberwiseClone();
}

/// <summary>
/// One datalink of a ppp invocation: what ppp keeps per link (physical device, chat scripts, phone numbers, redial,
/// LCP options). FreeBSD's defaults before any command are those of datalink.c, physical.c and lcp.c.
/// </summary>
public sealed class LinkProfile
{
    internal LinkProfile(string name) => Name = name;

    public string Name { get; internal set; }

    /// <summary>The devices to try in turn; empty: ppp's built-in list.</summary>
    public IReadOnlyList<DeviceSpec> Devices { get; internal set; } = [];

    /// <summary>Serial speed in bit/s (ppp's default MODEM_SPEED is 38400); ignored when <see cref="Sync"/>.</summary>
    public int Speed { get; internal set; } = 38400;

    /// <summary><c>set speed sync</c>: synchronous framing (no async HDLC escaping), as for UDP sublinks.</summary>
    public bool Sync { get; internal set; }

    public ChatScriptText Dial { get; internal set; } = ChatScriptText.Empty;

    public ChatScriptText Login { get; internal set; } = ChatScriptText.Empty;

    public ChatScriptText Logout { get; internal set; } = ChatScriptText.Empty;

    public ChatScriptText Hangup { get; internal set; } = ChatScriptText.Empty;

    public PhoneList Phone { get; internal set; } = PhoneList.Empty;

    public RedialSpec Redial { get; internal set; } = RedialSpec.Default;

    public ReconnectSpec Reconnect { get; internal set; } = ReconnectSpec.Default;

    public Negotiation Acfcomp { get; internal set; } = Negotiation.EnabledAndAccepted;

    public Negotiation Protocomp { get; internal set; } = Negotiation.EnabledAndAccepted;

    /// <summary>CHAP (MD5). Enabled: we require the peer to authenticate with it; accepted: we answer the peer's challenge.</summary>
    public Negotiation Chap { get; internal set; } = Negotiation.AcceptedOnly;

    public Negotiation MsChap { get; internal set; } = Negotiation.AcceptedOnly;

    public Negotiation MsChapV2 { get; internal set; } = Negotiation.AcceptedOnly;

    public Negotiation LanMan { get; internal set; } = Negotiation.Off;

    public Negotiation Pap { get; internal set; } = Negotiation.AcceptedOnly;

    /// <summary>Link Quality Reports (RFC 1989). ppp's default: disabled, accepted.</summary>
    public Negotiation Lqr { get; internal set; } = Negotiation.AcceptedOnly;

    /// <summary>LCP Echo-Requests sent every <see cref="LqrPeriod"/> (only enable/disable apply).</summary>
    public bool Echo { get; internal set; }

    /// <summary>
    /// Seconds between LQRs or echoes (ppp's DEF_LQRPERIOD is 30). FreeBSD takes whole seconds; a fraction such as
    /// <c>0.2</c> is accepted here too (at least <see cref="ProfileResolver.MinimumQualityPeriod"/>), so a bonding
    /// gateway can notice a silently dead sublink within a second.
    /// </summary>
    public double LqrPeriod { get; internal set; } = 30;

    /// <summary>MRU to ask for; 0: ppp's default (1500).</summary>
    public int Mru { get; internal set; }

    /// <summary>Upper bound on the MRU (<c>set mru max N</c>); 0: none.</summary>
    public int MaxMru { get; internal set; }

    /// <summary>MTU to use; 0: the negotiated MRU of the peer.</summary>
    public int Mtu { get; internal set; }

    public int MaxMtu { get; internal set; }

    /// <summary>This link's own CCP (used when the bundle does not do Multilink).</summary>
    public CcpSettings Ccp { get; internal set; } = new();

    /// <summary><c>set bandwidth</c> in bit/s, for Multilink autoload; null: not set.</summary>
    public int? Bandwidth { get; internal set; }

    /// <summary>
    /// <c>set policy backup|primary [N]</c>, the gateway's extension (FreeBSD ppp says "Invalid command"): whether this
    /// member link carries data only while no primary can, or its priority; null: not set (a primary of priority 1).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public Ppp.Multilink.MemberPolicy? Policy { get; internal set; }

    /// <summary>
    /// <c>set lcpretry</c>, <c>set papretry</c>, <c>set chapretry</c>, and <c>set ccpretry</c> where it went to this
    /// link; null: no such line (the gateway's defaults, RFC 1661's).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public FsmRetries? Retries { get; internal set; }

    /// <summary>Commands ppp accepts for this link that the gateway does not use, as written.</summary>
    public IReadOnlyList<string> Unused => unused;

    internal List<string> unused = [];

    internal LinkProfile Clone(string name)
    {
        var copy = (LinkProfile)MemberwiseClone();
        copy.Name = name;
        copy.Ccp = Ccp.Clone();
        copy.unused = [.. unused];
        return copy;
    }

    public override string ToString() => $"link {Name} ({string.Join(' ', Devices)})";
}

/// <summary>
/// What one ppp invocation (<c>ppp LABEL...</c>) ends up with after <c>default</c> and the labels have run:
/// the bundle's settings and its links.
/// </summary>
public sealed class PppProfile
{
    internal PppProfile(IReadOnlyList<string> labels)
    {
        Labels = labels;
        Label = labels.Count > 0 ? labels[^1] : "default";
        links = [new LinkProfile("deflink")];
    }

    /// <summary>The labels asked for, in order (after <c>default</c>).</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>ppp's bundle label (LABEL): the last label asked for, or the last one a <c>load</c> named.</summary>
    public string Label { get; internal set; }

    public string AuthName { get; internal set; } = "";

    public ConfigSecret AuthKey { get; internal set; } = ConfigSecret.Empty;

    public EndDiscSpec EndDisc { get; internal set; } = EndDiscSpec.None;

    /// <summary><c>set encrypt</c>, <c>set encryptkey</c>, <c>set encryptpeer</c>, <c>set encryptkeys</c> (the gateway's extension).</summary>
    public EncryptionSettings Encryption { get; internal set; } = EncryptionSettings.Off;

    /// <summary><c>set schedule</c> (the gateway's extension): how the bundle spreads data over members of unequal delay.</summary>
    public Ppp.Multilink.MpSchedule Schedule { get; internal set; } = Ppp.Multilink.MpSchedule.Latency;

    /// <summary>Maximum Reconstructed Receive Unit; 0: Multilink off.</summary>
    public int Mrru { get; internal set; }

    public IfAddrSpec? IfAddr { get; internal set; }

    public IReadOnlyList<RouteSpec> Routes => routes;

    internal readonly List<RouteSpec> routes = [];

    /// <summary><c>nat enable yes</c> (formerly <c>alias enable yes</c>).</summary>
    public bool Nat { get; internal set; }

    public IReadOnlyList<string> Dns { get; internal set; } = [];

    /// <summary>Idle timeout in seconds (<c>set timeout</c>); 0: never. ppp's default NCP_IDLE_TIMEOUT is 180.</summary>
    public int IdleTimeout { get; internal set; } = 180;

    /// <summary><c>set server</c>: the diagnostic socket (a path or a TCP port); null: none.</summary>
    public string? Server { get; internal set; }

    public ConfigSecret ServerPassword { get; internal set; } = ConfigSecret.Empty;

    /// <summary><c>set log</c> arguments, as given.</summary>
    public IReadOnlyList<string> Log { get; internal set; } = [];

    /// <summary>IPCP DNS negotiation (ppp(8) default: disabled and denied).</summary>
    public Negotiation DnsNegotiation { get; internal set; } = Negotiation.Off;

    /// <summary>Endpoint-Discriminator negotiation (default: enabled and accepted).</summary>
    public Negotiation EndDiscNegotiation { get; internal set; } = Negotiation.EnabledAndAccepted;

    public Negotiation ShortSeq { get; internal set; } = Negotiation.EnabledAndAccepted;

    public Negotiation VjComp { get; internal set; } = Negotiation.EnabledAndAccepted;

    /// <summary>The CCP of the Multilink bundle (used when <see cref="Mrru"/> is set).</summary>
    public CcpSettings MpCcp { get; internal set; } = new();

    /// <summary>LQR period of the Multilink bundle's own link (a CX_OPT command run with MRRU set and no link).</summary>
    public double MpLqrPeriod { get; internal set; } = 30;

    /// <summary>
    /// <c>set ipcpretry</c>, <c>set ipv6cpretry</c>, and <c>set ccpretry</c> where it went to the Multilink bundle's CCP
    /// (<see cref="MpCcp"/>); null: no such line (the gateway's defaults, RFC 1661's).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public FsmRetries? Retries { get; internal set; }

    /// <summary>The enable/disable-only options (idcheck, loopback, sroutes, ...), by name.</summary>
    public IReadOnlyDictionary<string, bool> Options => options;

    internal readonly SortedDictionary<string, bool> options = new(StringComparer.Ordinal)
    {
        ["filter-decapsulation"] = false,
        ["force-scripts"] = false,
        ["idcheck"] = true,
        ["iface-alias"] = false,
        ["ipcp"] = true,
        ["ipv6cp"] = true,
        ["keep-session"] = false,
        ["loopback"] = true,
        ["nas-identifier"] = true,
        ["nas-ip-address"] = true,
        ["passwdauth"] = false,
        ["proxy"] = false,
        ["proxyall"] = false,
        ["sroutes"] = true,
        ["tcpmssfixup"] = true,
        ["throughput"] = true,
        ["utmp"] = true,
    };

    public IReadOnlyList<LinkProfile> Links => links;

    internal readonly List<LinkProfile> links;

    /// <summary>Bundle commands ppp accepts that the gateway does not use, as written.</summary>
    public IReadOnlyList<string> Unused => unused;

    internal readonly List<string> unused = [];

    public override string ToString() => $"profile {string.Join(' ', Labels)} (label {Label}, {Links.Count} link(s))";
}
