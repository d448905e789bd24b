using System.Net;
using System.Net.Sockets;
using Gateway.Core.Actors;
using Gateway.Core.Config;
using Gateway.Core.Isp;
using Gateway.Core.Ppp.Auth;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Ipv6cp;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Ppp.Session;
using Gateway.Core.Transport;
using AuthSecret = Gateway.Core.Ppp.Auth.Secret;

namespace Gateway.Core.Hosting;

/// <summary>
/// From the configuration model (what ppp.conf means) to the options the actors are built from, for
/// <c>gateway run</c>. Placeholders the seed leaves for the user (<c>RIP1</c>, <c>REAL-LOCAL-IP</c>) must have been
/// replaced by then: each one still there is an error naming the label and the value.
/// </summary>
public static class ConfigMapping
{
    /// <summary>
    /// Most addresses in the receiver's pool (<c>set ifaddr</c>'s peer ranges together): a /16, the most gateways a
    /// receiver or a cluster of them serves. More is an error, not a pool silently cut short.
    /// </summary>
    public const int MaxPoolAddresses = 65_536;

    /// <summary>The receiver role (<c>vpn-in</c>) listening on <paramref name="listen"/>.</summary>
    public static ReceiverOptions? ToReceiver(ReceiverModel model, IPEndPoint listen, List<string> errors)
    {
        var local = model.IfAddr is { } ifaddr ? ParseAddress(ifaddr.Local, $"{model.Label}: set ifaddr", errors) : null;
        var pool = model.IfAddr?.Remote is { } remote ? ParsePool(remote, $"{model.Label}: set ifaddr", errors) : [];
        if (model.IfAddr is null)
            errors.Add($"{model.Label}: no 'set ifaddr': the receiver has no address to give the gateway");
        else if (pool.Count == 0 && model.IfAddr.Remote is null)
            errors.Add($"{model.Label}: 'set ifaddr' names no peer address for the gateway");
        var discriminator = ToDiscriminator(model.EndDisc, model.Label, errors);
        if (local is null || pool.Count == 0)
            return null;
        return new ReceiverOptions
        {
            Listen = listen,
            MemberSession = new SessionSettings
            {
                Framing = FramingMode.Sync,
                Lcp = LcpSettings.Default with
                {
                    Accm = null,
                    Mru = MemberMru(model.Mru, model.Mrru),
                    Mrru = SizeOrDefault(model.Mrru, DefaultMrru),
                    EndpointDiscriminator = discriminator,
                    EnableChap = model.RequireChap,
                    EnablePap = model.RequirePap,
                    EnableShortSequence = model.ShortSeq,
                    AcceptShortSequence = model.AcceptShortSeq,
                },
                Ipcp = null,
                Compression = CompressionControl.ProtocolReject,
                AuthName = model.Label,
                Secrets = new ReceiverSecretStore(model.Secrets),
            }.WithRetries(model.Retries),
            Bundle = new BundleSettings
            {
                Name = model.Label,
                Ipcp = IpcpSettings.Default with { LocalAddress = local },
                Ipv6cp = model.Ipv6cp ? Ipv6cpSettings.Default : null,
                Schedule = model.Schedule,
            }.WithRetries(model.Retries),
            PeerAddresses = pool,
            EchoPeriod = EchoPeriod(model.Quality),
        };
    }

    /// <summary>
    /// A gateway bundle's <c>set encrypt on</c>: its private key (<c>set encryptkey</c>) and the receiver's public key
    /// (<c>set encryptpeer</c>); null when encryption is off or a file is unusable (each reason added to <paramref name="errors"/>,
    /// naming the file and line).
    /// </summary>
    public static SublinkSecurity.Initiator? ToGatewayEncryption(BundleModel bundle, IConfigSource source, List<string> errors)
    {
        if (bundle.Encryption is not { Enabled: true } settings || settings.KeyFile is null || settings.PeerKey is null)
            return null;
        var key = ReadPrivateKey(settings.KeyFile, source, errors);
        if (!Crypto.X25519PublicKey.TryParse(settings.PeerKey, out var peer))
            errors.Add($"{bundle.Label}: set encryptpeer: not a public key");
        return key is null ? null : new SublinkSecurity.Initiator(key, peer);
    }

    /// <summary>A receiver's <c>set encrypt on|require</c>: its private key and the gateways' keys (ppp.keys, <c>set encryptkeys</c>).</summary>
    public static ReceiverEncryption? ToReceiverEncryption(ReceiverModel model, IConfigSource source, List<string> errors)
    {
        if (model.Encryption is not { Enabled: true } settings || settings.KeyFile is null || settings.KeysFile is null)
            return null;
        var key = ReadPrivateKey(settings.KeyFile, source, errors);
        var keys = PppKeys.Read(settings.KeysFile, source);
        errors.AddRange(keys.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()));
        if (keys.Entries.Count == 0 && !keys.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
            errors.Add($"{settings.KeysFile}: no keys: no gateway could ever connect (set encrypt {settings.Mode.ToString().ToLowerInvariant()})");
        return key is null ? null : new ReceiverEncryption(settings.Mode, key, keys.ToAllowList());
    }

    private static Crypto.KeyPair? ReadPrivateKey(string path, IConfigSource source, List<string> errors)
    {
        var file = PrivateKeyFile.Read(path, source);
        errors.AddRange(file.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()));
        return file.KeyPair;
    }

    /// <summary>First local UDP port of sublinks carried by ISP links (one per sublink: 49152, 49153, ...).</summary>
    public const ushort FirstSublinkPort = 49152;

    /// <summary>
    /// The gateway role for bundle <paramref name="bundle"/>: the bundle, and for each sublink either a UDP socket
    /// of its own to <c>RIPn:port</c> (NIC mode, <c>vpn-nic</c>) or, where ppp.linkup starts it when an ISP label
    /// comes up (the seed's <c>vpn</c>), that ISP's modem link and a binding: the sublink's datagrams travel inside
    /// the ISP link's PPP session, which is what the ISP label's <c>add! RIPn/32
    /// HISADDR</c> achieves in FreeBSD, so that route needs no kernel entry here.
    /// </summary>
    /// <param name="lines">Opens the modems' devices; null: System.IO.Ports.</param>
    public static GatewayOptions? ToGateway(GatewayModel model, BundleModel bundle, List<string> errors, IModemLineFactory? lines = null)
    {
        var specs = new List<SublinkSpec>();
        var links = new List<IspLinkSpec>();
        var bindings = new List<SublinkBinding>();
        int before = errors.Count;
        foreach (var sublink in bundle.Sublinks)
        {
            string where = $"{bundle.Label}: link {sublink.Name}";
            if (sublink.Transport != DeviceKind.Udp || sublink.Remote is null)
            {
                errors.Add($"{where}: only host:port/udp devices are supported for sublinks (got {sublink.Transport})");
                continue;
            }
            var remotes = sublink.Remotes.Select(r => Endpoint(r, where, errors)).ToList();
            if (remotes.Any(r => r is null))
                continue;
            var remote = remotes[0]!;
            var alternates = remotes.Count > 1 ? remotes.Skip(1).Select(r => r!).ToList() : null;
            if (sublink.CarriedBy is null)
            {
                var spec = new SublinkSpec(sublink.Name, SublinkTransports.Udp(new UdpPathOptions { Remote = remote }), "nic", remote, Policy: sublink.Policy,
                    Alternates: alternates?.Select(r => new SublinkDevice(SublinkTransports.Udp(new UdpPathOptions { Remote = r }), "nic", r)).ToList());
                // `set bandwidth` weighs the sublink for the fragmenter (ppp uses it for Multilink too).
                specs.Add(sublink.Bandwidth is { } bits ? spec with { BytesPerSecond = bits / 8.0 } : spec);
                continue;
            }
            if (model.IspLinks.FirstOrDefault(l => l.Label == sublink.CarriedBy) is not { } isp)
            {
                errors.Add($"{where}: carried by ISP label '{sublink.CarriedBy}', which ppp.conf does not define");
                continue;
            }
            if (links.All(l => l.Name != isp.Label))
                links.Add(new IspLinkSpec(isp.Label, ModemLinkActor.SupervisedProps(ToIspLink(isp), lines)));
            bindings.Add(new SublinkBinding(isp.Label, bundle.Label, sublink.Name, remote,
                (ushort)(FirstSublinkPort + bindings.Count), sublink.Bandwidth is { } bandwidth ? bandwidth / 8.0 : isp.Speed / 10.0, sublink.Policy, alternates));
        }
        if (errors.Count == before && specs.Count == 0 && bindings.Count == 0)
            errors.Add($"{bundle.Label}: no sublinks (NIC mode needs 'clone' and 'link N set device HOST:PORT/udp'; ISP-carried sublinks need ppp.linkup lines that start them)");
        if (errors.Count > before)
            return null;
        var member = MemberSession(bundle, errors);
        return new GatewayOptions
        {
            Bundles =
            [
                new BundleOptions
                {
                    Settings = new BundleSettings
                    {
                        Name = bundle.Label,
                        Ipcp = IpcpSettings.Default with { LocalAddress = IPAddress.Any },
                        Ipv6cp = bundle.Ipv6cp ? Ipv6cpSettings.Default : null,
                        Schedule = bundle.Schedule,
                    }.WithRetries(bundle.Retries),
                    MemberSession = member,
                    Sublinks = specs,
                    EchoPeriod = SublinkEchoPeriod(bundle),
                },
            ],
            IspLinks = links,
            Bindings = bindings,
        };
    }

    /// <summary>One receiver of a sublink's <c>set device</c> list as an address and port; null (and an error) when it is not one.</summary>
    private static IPEndPoint? Endpoint(RemoteEndpoint device, string where, List<string> errors)
    {
        var address = ParseAddress(device.Host, $"{where}: set device", errors);
        if (device.Port is not { } port)
        {
            errors.Add($"{where}: unknown service '{device.Service}' (add it to /etc/services)");
            return null;
        }
        return address is null ? null : new IPEndPoint(address, port);
    }

    /// <summary>
    /// The sublinks' LCP echo period: <c>set lqrperiod</c> where the bundle's label enables <c>echo</c> or
    /// <c>lqr</c>; otherwise one second. FreeBSD would send no keepalive at all there (the seed disables LQR on
    /// <c>vpn</c>), and a sublink whose path is blackholed would hang until TCP gave up; a bonding gateway must
    /// notice within seconds (docs/DESIGN.md).
    /// </summary>
    public static TimeSpan SublinkEchoPeriod(BundleModel bundle) =>
        EchoPeriod(bundle.Sublinks.Select(s => s.Quality).FirstOrDefault(q => q.Echo || q.Lqr));

    /// <summary>The same rule for the receiver's sublinks: <c>vpn-in</c>'s <c>set lqrperiod</c> where it enables echo or lqr.</summary>
    private static TimeSpan EchoPeriod(LinkQuality? quality) =>
        quality is { } q && (q.Echo || q.Lqr)
            ? TimeSpan.FromSeconds(Math.Max(ProfileResolver.MinimumQualityPeriod, q.PeriodSeconds))
            : TimeSpan.FromSeconds(1);

    /// <summary>An ISP label (<c>isp1</c>) as its modem link actor needs it.</summary>
    public static IspLinkOptions ToIspLink(IspLinkModel isp) => new(isp.Label, isp.Devices)
    {
        Speed = isp.Speed,
        DialScript = isp.Dial.Text,
        LoginScript = isp.Login.Text,
        Phone = isp.Phone.Text.Length > 0 ? isp.Phone.Text : null,
        Redial = isp.Redial,
        Reconnect = isp.Reconnect,
        AuthName = isp.AuthName,
        AuthKey = AuthSecret.FromText(isp.AuthKey.Reveal()),
        EnableLqr = isp.Quality.Lqr,
        EnableEcho = isp.Quality.Echo,
        QualityPeriod = TimeSpan.FromSeconds(Math.Max(1, isp.Quality.PeriodSeconds)),
        LcpFsm = ToFsm(isp.Retries?.Lcp),
        IpcpFsm = ToFsm(isp.Retries?.Ipcp),
        CcpFsm = ToFsm(isp.Retries?.Ccp),
        PapRetry = ToAuthRetry(isp.Retries?.Pap),
        ChapRetry = ToAuthRetry(isp.Retries?.Chap),
    };

    /// <summary>
    /// The session of each sublink of a gateway bundle: sync framing, Multilink, credentials, and the first member
    /// link's <c>set lcpretry</c>/<c>papretry</c>/<c>chapretry</c> (one session serves them all; the model builder
    /// warns when the member links' lines differ).
    /// </summary>
    public static SessionSettings MemberSession(BundleModel model, List<string> errors) => new SessionSettings
    {
        Framing = FramingMode.Sync,
        Lcp = LcpSettings.Default with
        {
            Accm = null,
            Mru = MemberMru(model.Mru, model.Mrru),
            Mrru = SizeOrDefault(model.Mrru, DefaultMrru),
            EndpointDiscriminator = ToDiscriminator(model.EndDisc, model.Label, errors),
            EnableShortSequence = model.ShortSeq,
            AcceptShortSequence = model.AcceptShortSeq,
        },
        Ipcp = null,
        Compression = CompressionControl.ProtocolReject,
        AuthName = model.AuthName,
        AuthKey = AuthSecret.FromText(model.AuthKey.Reveal()),
    }.WithRetries(model.Sublinks.FirstOrDefault()?.Retries);

    /// <summary>
    /// The written retry lines of a session's protocols (LCP, IPCP, CCP, PAP, CHAP); those not written keep the
    /// session's defaults (RFC 1661's, <see cref="AuthDefaults"/>), as before these lines were read.
    /// </summary>
    private static SessionSettings WithRetries(this SessionSettings session, FsmRetries? retries) => retries is null ? session : session with
    {
        LcpFsm = ToFsm(retries.Lcp, session.Fsm),
        IpcpFsm = ToFsm(retries.Ipcp, session.Fsm),
        CcpFsm = ToFsm(retries.Ccp, session.Fsm),
        PapRetry = ToAuthRetry(retries.Pap),
        ChapRetry = ToAuthRetry(retries.Chap),
    };

    /// <summary>The written retry lines of a bundle's NCPs (IPCP, IPV6CP, CCP); the others keep the bundle's defaults.</summary>
    private static BundleSettings WithRetries(this BundleSettings bundle, FsmRetries? retries) => retries is null ? bundle : bundle with
    {
        IpcpFsm = ToFsm(retries.Ipcp, bundle.Fsm),
        Ipv6cpFsm = ToFsm(retries.Ipv6cp, bundle.Fsm),
        CcpFsm = ToFsm(retries.Ccp, bundle.Fsm),
    };

    /// <summary>
    /// A retry line as the protocol's automaton: restart timer, Max-Configure (reqtries) and Max-Terminate (trmtries),
    /// the rest of <paramref name="basis"/> kept; null when no line was written.
    /// </summary>
    private static FsmSettings? ToFsm(RetrySpec? retry, FsmSettings? basis = null)
    {
        if (retry is null)
            return null;
        basis ??= FsmSettings.Default;
        return basis with
        {
            RestartTimer = TimeSpan.FromSeconds(retry.TimeoutSeconds),
            MaxConfigure = retry.RequestTries,
            MaxTerminate = retry.TerminateTries ?? basis.MaxTerminate,
        };
    }

    /// <summary><c>set papretry</c> / <c>set chapretry</c> as the roles' timing; null when no line was written.</summary>
    private static AuthRetry? ToAuthRetry(RetrySpec? retry) =>
        retry is null ? null : new AuthRetry(TimeSpan.FromSeconds(retry.TimeoutSeconds), retry.RequestTries);

    /// <summary>
    /// <c>set mru</c> / <c>set mrru</c>: 0 (not set) is ppp's default (1500), never the smallest MRU allowed: a
    /// sublink offering an MRU of 64 would make its peer cut every packet into tiny fragments.
    /// </summary>
    private static ushort DefaultMrru => LcpSettings.Default.Mrru ?? LcpSettings.Default.Mru;

    /// <summary>
    /// A member link's MRU: <c>set mru</c>, or room for a whole MRRU-sized packet behind the Multilink header (long
    /// sequence numbers, 4 octets, and the protocol field, 2): 1506 for the usual MRRU of 1500. FreeBSD offers 1500
    /// and the seed adds <c>set mru 1504</c> for this reason; without it every full-size packet would be cut in two
    /// fragments on two links, and a TCP stream through the bundle would wait on both (docs/DESIGN.md).
    /// </summary>
    private static ushort MemberMru(int configuredMru, int configuredMrru) =>
        configuredMru > 0 ? SizeOrDefault(configuredMru, LcpSettings.Default.Mru) : (ushort)Math.Max(LcpSettings.Default.Mru, SizeOrDefault(configuredMrru, DefaultMrru) + 6);

    private static ushort SizeOrDefault(int configured, ushort fallback) =>
        configured <= 0 ? fallback : (ushort)Math.Clamp(configured, LcpSettings.MinimumMru, ushort.MaxValue);

    /// <summary>FreeBSD's <c>set enddisc</c> as the LCP option value (RFC 1990 5.1.3).</summary>
    public static EndpointDiscriminator? ToDiscriminator(EndDiscSpec spec, string label, List<string> errors)
    {
        if (spec.Kind == EndDiscKind.Null)
            return null;
        string value = spec.Value ?? "";
        EndpointDiscriminator discriminator;
        string? error;
        bool ok = spec.Kind switch
        {
            EndDiscKind.Label => EndpointDiscriminator.TryCreateLabel(value.Length > 0 ? value : label, out discriminator, out error),
            EndDiscKind.IP => IPAddress.TryParse(value, out var ip)
                ? EndpointDiscriminator.TryCreateIp(ip, out discriminator, out error)
                : Fail($"'{value}' is not an IPv4 address", out discriminator, out error),
            EndDiscKind.Psn => EndpointDiscriminator.TryCreatePhoneNumber(value, out discriminator, out error),
            EndDiscKind.Mac => TryMac(value, out discriminator, out error),
            _ => EndpointDiscriminator.TryCreateMagic(BitConverter.GetBytes(Random.Shared.Next()), out discriminator, out error),
        };
        if (!ok)
        {
            errors.Add($"{label}: set enddisc: {error}");
            return null;
        }
        return discriminator;
    }

    private static bool TryMac(string value, out EndpointDiscriminator discriminator, out string? error)
    {
        var parts = value.Split(':', '-');
        var bytes = new byte[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!byte.TryParse(parts[i], System.Globalization.NumberStyles.HexNumber, null, out bytes[i]))
                return Fail($"'{value}' is not a MAC address", out discriminator, out error);
        }
        return EndpointDiscriminator.TryCreateMac(bytes, out discriminator, out error);
    }

    private static bool Fail(string message, out EndpointDiscriminator discriminator, out string? error)
    {
        discriminator = EndpointDiscriminator.None;
        error = message;
        return false;
    }

    internal static IPAddress? ParseAddress(string text, string where, List<string> errors)
    {
        var bare = text.Split('/')[0];
        if (IPAddress.TryParse(bare, out var address) && address.AddressFamily == AddressFamily.InterNetwork)
            return address;
        errors.Add($"{where}: '{text}' is not an IPv4 address (replace the seed's placeholder with a real address)");
        return null;
    }

    /// <summary><c>a.b.c.d</c>, <c>a.b.c.d-e.f.g.h</c>, comma lists of either, <c>a.b.c.d/nn</c> (that one address).</summary>
    internal static List<IPAddress> ParsePool(string text, string where, List<string> errors)
    {
        var pool = new List<IPAddress>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var ends = part.Split('-');
            var first = ParseAddress(ends[0], where, errors);
            if (first is null)
                continue;
            var last = ends.Length > 1 ? ParseAddress(ends[1], where, errors) : first;
            if (last is null)
                continue;
            uint from = ToUint(first), to = ToUint(last);
            if (to < from)
            {
                errors.Add($"{where}: '{part}' ends before it starts");
                continue;
            }
            if (pool.Count + (long)(to - from) + 1 > MaxPoolAddresses)
            {
                errors.Add($"{where}: '{text}' names more than {MaxPoolAddresses} peer addresses, the most a receiver's pool holds");
                return [];
            }
            for (uint a = from; a <= to; a++)
                pool.Add(new IPAddress(BitConverter.IsLittleEndian ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(a) : a));
        }
        return pool;
    }

    private static uint ToUint(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    /// <summary>ppp.secret as the authenticator's secret store (exact name, then the <c>DOMAIN\user</c> fallback).</summary>
    internal sealed class ReceiverSecretStore(IReadOnlyList<ReceiverSecret> secrets) : ISecretStore
    {
        public bool TryGetSecret(string name, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out AuthSecret secret)
        {
            foreach (var entry in secrets)
            {
                if (string.Equals(entry.Name, name, StringComparison.Ordinal))
                {
                    secret = AuthSecret.FromText(entry.Key.Reveal());
                    return true;
                }
            }
            secret = null;
            return false;
        }
    }
}
