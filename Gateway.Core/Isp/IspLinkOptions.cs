using System.Net;
using Gateway.Core.Config;
using Gateway.Core.Modem;
using Gateway.Core.Modem.Chat;
using Gateway.Core.Modem.Redial;
using Gateway.Core.Ppp.Auth;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Lqr;
using Gateway.Core.Ppp.Session;
using Secret = Gateway.Core.Ppp.Auth.Secret;

namespace Gateway.Core.Isp;

/// <summary>
/// One ISP label of ppp.conf as the modem link actor needs it (<c>set device</c>, <c>set speed</c>, <c>set ctsrts</c>,
/// <c>set dial</c>, <c>set login</c>, <c>set phone</c>, <c>set redial</c>, <c>set reconnect</c>, <c>set authname</c>,
/// <c>set authkey</c>, <c>enable lqr</c>/<c>echo</c>, <c>set lqrperiod</c>, <c>set lcpretry</c> and the other retry
/// lines). The configuration layer maps its typed
/// model onto this record; nothing here parses ppp.conf.
/// </summary>
/// <param name="Name">The label (<c>isp1</c>): the link's name in logs, events and the dashboard.</param>
/// <param name="Devices"><c>set device</c>: the first free one is used.</param>
public sealed record IspLinkOptions(string Name, IReadOnlyList<string> Devices)
{
    /// <summary>ppp's default <c>set redial</c>: a single attempt (datalink_Create: 30 s pause, next 3 s, max 10 increments).</summary>
    public static RedialSpec DefaultRedial { get; } = new(TimeSpan.FromSeconds(30), TimeSpan.Zero, 10, TimeSpan.FromSeconds(3), 1);

    /// <summary><c>set speed</c>.</summary>
    public int Speed { get; init; } = 115200;

    /// <summary><c>set ctsrts</c> (ppp's default is on).</summary>
    public bool HardwareFlowControl { get; init; } = true;

    /// <summary><c>set dial</c>, one quoting level already removed by the config reader.</summary>
    public string DialScript { get; init; } = "";

    /// <summary><c>set login</c>.</summary>
    public string LoginScript { get; init; } = "";

    /// <summary><c>set phone</c>, e.g. <c>1234567</c> or <c>111|222:333</c>.</summary>
    public string? Phone { get; init; }

    public RedialSpec Redial { get; init; } = DefaultRedial;

    public ReconnectSpec Reconnect { get; init; } = ReconnectSpec.Default;

    /// <summary>ppp's <c>-ddial</c> mode: redial forever, whatever the counts.</summary>
    public bool DedicatedDial { get; init; }

    /// <summary>Dial as soon as the actor starts (and again after a supervisor restart), as <c>ppp -background isp1</c> does.</summary>
    public bool DialOnStart { get; init; } = true;

    public string AuthName { get; init; } = "";

    public Secret AuthKey { get; init; } = Secret.Empty;

    /// <summary>
    /// <c>enable lqr</c> (with ppp's default <c>accept lqr</c>): ask the peer for the Quality-Protocol option and accept
    /// its request for it. When LCP agrees on it either way the link runs LQR (RFC 1989) instead of LCP echo; when the
    /// peer rejects it, echo (see the actor).
    /// </summary>
    public bool EnableLqr { get; init; }

    /// <summary><c>enable echo</c>: LCP Echo-Requests every <see cref="QualityPeriod"/> (also when LQR was rejected).</summary>
    public bool EnableEcho { get; init; }

    /// <summary><c>set lqrperiod</c>: the Reporting-Period we ask of the peer, and the echo period (ppp's default 30 s).</summary>
    public TimeSpan QualityPeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Periods in a row without an LQR or Echo-Reply from the peer before the link is hung up (ppp's limit of 5).</summary>
    public int MaxMissedEchoes { get; init; } = 5;

    /// <summary>The address we ask IPCP for; 0.0.0.0 lets the ISP assign it.</summary>
    public IPAddress LocalAddress { get; init; } = IPAddress.Any;

    /// <summary>HISADDR when we must supply it (slirp asks for 0.0.0.0 and must be Naked with 10.0.2.2); null accepts the ISP's.</summary>
    public IPAddress? PeerAddress { get; init; }

    /// <summary>Restart timer, Max-Configure, Max-Terminate, Max-Failure of every protocol without its own below.</summary>
    public FsmSettings Fsm { get; init; } = FsmSettings.Default;

    /// <summary><c>set lcpretry</c>; null: <see cref="Fsm"/>.</summary>
    public FsmSettings? LcpFsm { get; init; }

    /// <summary><c>set ipcpretry</c>; null: <see cref="Fsm"/>.</summary>
    public FsmSettings? IpcpFsm { get; init; }

    /// <summary><c>set ccpretry</c> (when CCP runs at all, <see cref="Compression"/>); null: <see cref="Fsm"/>.</summary>
    public FsmSettings? CcpFsm { get; init; }

    /// <summary><c>set papretry</c>; null: the session's PAP/CHAP defaults.</summary>
    public AuthRetry? PapRetry { get; init; }

    /// <summary><c>set chapretry</c>; null: the session's PAP/CHAP defaults.</summary>
    public AuthRetry? ChapRetry { get; init; }

    /// <summary>What to do with CCP: slirp needs a Protocol-Reject to stop sending empty requests.</summary>
    public CompressionControl Compression { get; init; } = CompressionControl.ProtocolReject;

    /// <summary>The <c>+++</c> guard time used to hang up where DTR cannot be dropped.</summary>
    public TimeSpan EscapeGuardTime { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The datalink's settings: the chat scripts parsed, the redial policy.</summary>
    /// <exception cref="ArgumentException">A chat script does not parse.</exception>
    public DataLinkSettings ToDataLinkSettings() =>
        new(Name, ParseScript(DialScript, "dial"), ParseScript(LoginScript, "login"),
            new RedialPolicy(Redial, Reconnect, Phone, new Random(), DedicatedDial), AuthName, System.Text.Encoding.UTF8.GetString(AuthKey.Key));

    /// <summary>The line's quality watch: LQR when enabled (echo when the ISP refuses it), else LCP echo when enabled.</summary>
    public KeepaliveOptions ToKeepaliveOptions() => new()
    {
        Lqr = EnableLqr,
        Echo = EnableEcho || EnableLqr,
        Period = QualityPeriod,
        MaxMisses = MaxMissedEchoes,
    };

    private static ChatScript ParseScript(string text, string what) =>
        ChatScript.TryParse(text, out var script, out var error) ? script : throw new ArgumentException($"set {what}: {error}");

    /// <summary>The link's PPP session: async HDLC framing, LCP with LQR when enabled, IPCP asking for <see cref="LocalAddress"/>.</summary>
    public SessionSettings ToSessionSettings() => new()
    {
        Name = Name,
        Framing = FramingMode.Async,
        Fsm = Fsm,
        LcpFsm = LcpFsm,
        IpcpFsm = IpcpFsm,
        CcpFsm = CcpFsm,
        PapRetry = PapRetry,
        ChapRetry = ChapRetry,
        Lcp = LcpSettings.Default with
        {
            EnableLqr = EnableLqr,
            AcceptLqr = EnableLqr,
            LqrPeriod = LqrOptions.OptionFromPeriod(QualityPeriod),
        },
        Ipcp = IpcpSettings.Default with { LocalAddress = LocalAddress, PeerAddress = PeerAddress },
        Compression = Compression,
        AuthName = AuthName,
        AuthKey = AuthKey,
    };

    /// <summary>No secret in logs.</summary>
    public override string ToString() =>
        $"{Name}: device {string.Join(' ', Devices)} speed {Speed} phone {Phone ?? "-"} authname {AuthName} authkey {Secret.Masked}";
}
