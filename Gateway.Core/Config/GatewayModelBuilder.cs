namespace Gateway.Core.Config;

/// <summary>The files of one gateway configuration, already read.</summary>
public sealed record GatewayConfigFiles(
    PppConfDocument Conf,
    LinkScripts? LinkUp = null,
    LinkScripts? LinkDown = null,
    PppSecrets? Secrets = null,
    ServiceTable? Services = null);

/// <summary>The model and every diagnostic found on the way (each once, in file and line order).</summary>
public sealed record GatewayModelResult(GatewayModel Model, IReadOnlyList<ConfigDiagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
}

/// <summary>
/// Reads the topology out of the profiles. Rules, in this order (docs/CONFIG.md):
/// <list type="number">
/// <item>A label whose ppp.linkup section runs <c>!bg ppp ... L1..Ln</c> is an ISP link; the invocation L1..Ln is a
/// member link of bundle Ln, carried by that ISP link; L1..Ln-1 are member-link labels.</item>
/// <item>Of the other labels (each resolved as <c>ppp LABEL</c>): one that requires the peer to authenticate
/// (<c>enable chap|pap</c>) or assigns addresses (<c>set ifaddr</c>) is a receiver (Multilink when MRRU is set);</item>
/// <item>one with an MRRU is a bundle, in NIC mode when its links use UDP or TCP devices (<c>vpn-nic</c>);</item>
/// <item>one with a single serial link and a phone number is an ISP link without link scripts;</item>
/// <item>anything else is listed with the reason.</item>
/// </list>
/// </summary>
public static class GatewayModelBuilder
{
    public static GatewayModelResult Build(GatewayConfigFiles files)
    {
        var builder = new Builder(files);
        return builder.Run();
    }

    private sealed class Builder(GatewayConfigFiles files)
    {
        private readonly List<ConfigDiagnostic> diagnostics = [];
        private readonly HashSet<ConfigDiagnostic> seen = [];
        private readonly Dictionary<string, ProfileResolution> cache = new(StringComparer.Ordinal);
        private readonly ServiceTable services = files.Services ?? ServiceTable.BuiltInOnly;
        private readonly LinkScripts linkUp = files.LinkUp ?? LinkScripts.None;
        private readonly LinkScripts linkDown = files.LinkDown ?? LinkScripts.None;

        private void Report(IEnumerable<ConfigDiagnostic> items)
        {
            foreach (var item in items)
            {
                if (seen.Add(item))
                    diagnostics.Add(item);
            }
        }

        private PppProfile Resolve(IReadOnlyList<string> labels)
        {
            var key = string.Join('\0', labels);
            if (!cache.TryGetValue(key, out var resolution))
            {
                resolution = ProfileResolver.Resolve(files.Conf, labels, services);
                cache[key] = resolution;
                Report(resolution.Diagnostics);
            }
            return resolution.Profile;
        }

        public GatewayModelResult Run()
        {
            Report(files.Conf.Diagnostics);
            Report(linkUp.Diagnostics);
            Report(linkDown.Diagnostics);
            if (files.Secrets is not null)
                Report(files.Secrets.Diagnostics);

            var labels = files.Conf.Labels.Where(l => l != "default").ToList();
            if (files.Conf.Find("default") is not null)
                Resolve([]);

            var isps = new List<IspLinkModel>();
            var bundles = new List<BundleModel>();
            var receivers = new List<ReceiverModel>();
            var others = new List<OtherLabel>();
            var classified = new HashSet<string>(StringComparer.Ordinal);

            // 1. ppp.linkup: ISP links and the bundles their member links form.
            var starts = new List<(string Isp, LinkAction Action)>();
            foreach (var label in labels)
            {
                foreach (var action in linkUp.ActionsFor(null, label).Where(a => a.Kind == LinkActionKind.StartSublink))
                {
                    starts.Add((label, action));
                    foreach (var missing in action.Labels.Where(l => files.Conf.Find(l) is null))
                        Report([new ConfigDiagnostic(action.Location.File, action.Location.Line, DiagnosticSeverity.Error, $"{action.Text}: label '{missing}' is not in {files.Conf.Path}")]);
                }
            }

            // A bundle or member-link label whose own IPCP-up also matches a start (ppp.linkup's MYADDR catch-all) is not an ISP link.
            var invoked = starts.SelectMany(s => s.Action.Labels).ToHashSet(StringComparer.Ordinal);
            starts.RemoveAll(s => invoked.Contains(s.Isp));

            foreach (var group in starts.GroupBy(s => s.Action.Bundle!, StringComparer.Ordinal))
            {
                var bundle = BuildLinkUpBundle(group.Key, group.ToList());
                bundles.Add(bundle);
                classified.Add(group.Key);
                foreach (var (_, action) in group)
                    classified.UnionWith(action.Labels);
            }

            foreach (var isp in starts.Select(s => s.Isp).Distinct(StringComparer.Ordinal))
            {
                isps.Add(BuildIsp(isp, bundles));
                classified.Add(isp);
            }

            // 2. Everything else, label by label.
            foreach (var label in labels.Where(l => !classified.Contains(l)))
            {
                var profile = Resolve([label]);
                var links = profile.Links;
                var requiresAuth = links.Any(l => l.Chap.Enabled || l.Pap.Enabled || l.MsChap.Enabled || l.MsChapV2.Enabled);
                if (requiresAuth || profile.IfAddr is not null)
                    receivers.Add(BuildReceiver(label, profile, bundles));
                else if (profile.Mrru > 0)
                    bundles.Add(BuildBundle(label, profile, [], nicMode: true));
                else if (links.Count == 1 && links[0].Devices.Count > 0 && links[0].Devices.All(d => d.Kind == DeviceKind.Serial) && !links[0].Sync && links[0].Phone.Sequence.Count > 0)
                    isps.Add(BuildIsp(label, bundles));
                else
                    others.Add(new OtherLabel(label, Reason(profile)));
            }

            var model = new GatewayModel(isps, bundles, receivers, others);
            return new GatewayModelResult(model, Order(diagnostics));
        }

        private static string Reason(PppProfile profile)
        {
            var link = profile.Links.Count == 1 ? profile.Links[0] : null;
            if (link is not null && link.Devices.Any(d => d.Kind is DeviceKind.Udp or DeviceKind.Tcp))
                return "a member-link fragment (a UDP/TCP device without MRRU): used when a ppp.linkup invocation names it";
            return "neither an ISP link, a bundle nor a receiver";
        }

        private BundleModel BuildLinkUpBundle(string label, List<(string Isp, LinkAction Action)> starts)
        {
            var first = Resolve(starts[0].Action.Labels);
            var sublinks = new List<SublinkModel>();
            foreach (var (isp, action) in starts)
            {
                var profile = Resolve(action.Labels);
                if (profile.Links.Count != 1)
                    Report([new ConfigDiagnostic(action.Location.File, action.Location.Line, DiagnosticSeverity.Warning, $"{action.Text}: the invocation has {profile.Links.Count} links; each becomes a member link carried by {isp}")]);
                foreach (var link in profile.Links)
                {
                    if (sublinks.Any(s => string.Equals(s.Name, link.Name, StringComparison.OrdinalIgnoreCase)))
                        Report([new ConfigDiagnostic(action.Location.File, action.Location.Line, DiagnosticSeverity.Warning, $"{action.Text}: member link '{link.Name}' of bundle {label} is started twice (ppp renames the second)")]);
                    sublinks.Add(Sublink(link, isp, action.Labels));
                }
            }
            return BuildBundle(label, first, sublinks, nicMode: false);
        }

        private BundleModel BuildBundle(string label, PppProfile profile, List<SublinkModel> sublinks, bool nicMode)
        {
            if (nicMode)
            {
                foreach (var link in profile.Links)
                {
                    if (link.Devices.Any(d => d.Kind is DeviceKind.Udp or DeviceKind.Tcp))
                        sublinks.Add(Sublink(link, null, [label]));
                }
                if (sublinks.Count == 0)
                {
                    nicMode = false;
                    Report([new ConfigDiagnostic(files.Conf.Find(label)!.Location.File, files.Conf.Find(label)!.Location.Line, DiagnosticSeverity.Note,
                        $"bundle {label}: no member links found; they are started from ppp.linkup (give it with --linkup)")]);
                }
            }

            if (sublinks.Any(s => s.Remotes.Count > 1) && sublinks.Select(s => s.Remotes.Count).Distinct().Count() > 1)
            {
                // One bundle dials one receiver at a time (Ppp.Multilink.DeviceFailover): entry i of every list is receiver i.
                var at = files.Conf.Find(label)!.Location;
                Report([new ConfigDiagnostic(at.File, at.Line, DiagnosticSeverity.Error,
                    $"bundle {label}: its member links' set device lists differ in length ({string.Join(", ", sublinks.Select(s => $"link {s.Name}: {s.Remotes.Count}"))}); " +
                    "with several receivers every member link lists one device per receiver, in the same order")]);
            }

            if (sublinks.Count > 1 && sublinks.Any(s => s.Retries != sublinks[0].Retries))
            {
                // One member session serves every member link of a bundle (ConfigMapping.MemberSession).
                var at = files.Conf.Find(label)!.Location;
                Report([new ConfigDiagnostic(at.File, at.Line, DiagnosticSeverity.Warning,
                    $"bundle {label}: its member links' retry lines differ ({string.Join("; ", sublinks.Select(s => $"link {s.Name}: {s.Retries ?? FsmRetries.None}"))}); " +
                    $"every member link uses link {sublinks[0].Name}'s")]);
            }

            var server = linkUp.Document.Find(label)?.Commands.Select(LinkScripts.Interpret).LastOrDefault(a => a.Kind == LinkActionKind.SetServer)?.Socket
                ?? profile.Server;
            var ccp = profile.Mrru > 0 ? profile.MpCcp : profile.Links.FirstOrDefault()?.Ccp ?? new CcpSettings();
            return new BundleModel(
                label,
                nicMode,
                profile.EndDisc,
                profile.Mrru,
                profile.Links.FirstOrDefault()?.Mru ?? 0,
                profile.AuthName,
                profile.AuthKey,
                [.. profile.Routes],
                profile.Nat,
                ccp,
                ccp.Refused,
                profile.ShortSeq.Enabled,
                profile.IdleTimeout,
                server,
                sublinks,
                profile.ShortSeq.Accepted,
                profile.Options["ipv6cp"],
                Encryption(label, profile, receiver: false),
                profile.Schedule)
            {
                Retries = FsmRetries.None.WithNcps(profile).OrNull(),
            };
        }

        /// <summary>
        /// The label's <c>set encrypt</c> and its keys, checked for its role: a gateway needs its private key and the
        /// receiver's public key, a receiver its private key and ppp.keys. Errors name the <c>set encrypt</c> line.
        /// </summary>
        private EncryptionSettings Encryption(string label, PppProfile profile, bool receiver)
        {
            var settings = profile.Encryption;
            if (!settings.Enabled)
                return settings;
            var at = settings.At ?? files.Conf.Find(label)!.Location;
            var mode = settings.Mode.ToString().ToLowerInvariant();
            var missing = new List<string>();
            if (settings.KeyFile is null)
                missing.Add("set encryptkey (this end's private-key file, gateway keygen)");
            if (receiver && settings.KeysFile is null)
                missing.Add("set encryptkeys (ppp.keys: the gateways' public keys per authname)");
            if (!receiver && settings.PeerKey is null)
                missing.Add("set encryptpeer (the receiver's public key)");
            if (missing.Count > 0)
                Report([new ConfigDiagnostic(at.File, at.Line, DiagnosticSeverity.Error, $"{label}: set encrypt {mode} needs {string.Join(" and ", missing)}")]);
            if (!receiver && settings.Mode == EncryptionMode.Require)
                Report([new ConfigDiagnostic(at.File, at.Line, DiagnosticSeverity.Note, $"{label}: set encrypt require: a gateway encrypts every sublink with on already; require matters on a receiver")]);
            if (receiver && settings.PeerKey is not null)
                Report([new ConfigDiagnostic(at.File, at.Line, DiagnosticSeverity.Warning, $"{label}: set encryptpeer is not used by a receiver (it accepts the keys of set encryptkeys)")]);
            if (!receiver && settings.KeysFile is not null)
                Report([new ConfigDiagnostic(at.File, at.Line, DiagnosticSeverity.Warning, $"{label}: set encryptkeys is not used by a gateway (it names the receiver's key with set encryptpeer)")]);
            return settings;
        }

        private static SublinkModel Sublink(LinkProfile link, string? carriedBy, IReadOnlyList<string> labels)
        {
            var device = link.Devices.FirstOrDefault(d => d.Kind is DeviceKind.Udp or DeviceKind.Tcp) ?? link.Devices.FirstOrDefault();
            var remote = device is { Host: not null } ? new RemoteEndpoint(device.Host, device.Service, device.Port) : null;
            var remotes = link.Devices.Where(d => d.Kind is DeviceKind.Udp or DeviceKind.Tcp && d.Host is not null)
                .Select(d => new RemoteEndpoint(d.Host!, d.Service, d.Port)).ToList();
            return new SublinkModel(link.Name, device?.Kind ?? DeviceKind.Unknown, remote, link.Devices.Select(d => d.Text).ToList(),
                carriedBy, labels, link.Sync, link.Mru, LinkQuality.Of(link), link.Bandwidth, link.Policy)
            {
                Remotes = remotes,
                Retries = FsmRetries.Of(link).OrNull(),
            };
        }

        private IspLinkModel BuildIsp(string label, List<BundleModel> bundles)
        {
            var profile = Resolve([label]);
            var link = profile.Links.Count > 0 ? profile.Links[0] : new LinkProfile("deflink");
            if (profile.Links.Count != 1)
            {
                var at = files.Conf.Find(label)!.Location;
                Report([new ConfigDiagnostic(at.File, at.Line, DiagnosticSeverity.Warning, $"ISP link {label} has {profile.Links.Count} links; the gateway uses the first ({link.Name})")]);
            }

            var up = linkUp.ActionsFor(null, label).Where(a => a.Kind != LinkActionKind.Other).ToList();
            var down = linkDown.ActionsFor(null, label).Where(a => a.Kind != LinkActionKind.Other).ToList();
            foreach (var close in down.Where(a => a.Kind == LinkActionKind.CloseSublink))
            {
                var bundle = bundles.FirstOrDefault(b => b.Server == close.Socket)
                    ?? bundles.FirstOrDefault(b => close.Socket is not null && ConfigPath.Normalize(close.Socket).EndsWith("/" + b.Label, StringComparison.Ordinal));
                if (bundle is null)
                    Report([new ConfigDiagnostic(close.Location.File, close.Location.Line, DiagnosticSeverity.Warning, $"{close.Text}: no bundle owns the socket {close.Socket}")]);
                else if (!bundle.Sublinks.Any(s => string.Equals(s.Name, close.Sublink, StringComparison.OrdinalIgnoreCase)))
                    Report([new ConfigDiagnostic(close.Location.File, close.Location.Line, DiagnosticSeverity.Warning, $"{close.Text}: bundle {bundle.Label} has no member link '{close.Sublink}'")]);
            }

            return new IspLinkModel(
                label,
                link.Devices.Select(d => d.Text).ToList(),
                link.Speed,
                link.Dial,
                link.Login,
                link.Logout,
                link.Hangup,
                link.Phone,
                link.Redial,
                link.Reconnect,
                profile.IdleTimeout,
                profile.AuthName,
                profile.AuthKey,
                LinkQuality.Of(link),
                [.. profile.Routes],
                up,
                down)
            {
                Retries = FsmRetries.Of(link).WithNcps(profile, ipv6cp: false).OrNull(),
            };
        }

        private ReceiverModel BuildReceiver(string label, PppProfile profile, List<BundleModel> bundles)
        {
            var link = profile.Links.FirstOrDefault();
            RemoteEndpoint? listen = null;
            if (profile.Mrru > 0)
            {
                var port = bundles.SelectMany(b => b.Sublinks).Select(s => s.Remote).FirstOrDefault(r => r?.Port is not null);
                listen = port is not null
                    ? new RemoteEndpoint("0.0.0.0", port.Service, port.Port)
                    : new RemoteEndpoint("0.0.0.0", "ppp", services.TryLookup("ppp", "udp", out var p, out _) ? p : null);
            }
            var requireChap = profile.Links.Any(l => l.Chap.Enabled || l.MsChap.Enabled || l.MsChapV2.Enabled);
            var requirePap = profile.Links.Any(l => l.Pap.Enabled);
            var secrets = requireChap || requirePap
                ? (files.Secrets?.Entries ?? []).Select(e => new ReceiverSecret(e.Name, e.Key, e.PeerAddress, e.Label, e.Callback)).ToList()
                : [];
            return new ReceiverModel(label, profile.Mrru > 0, listen, profile.Mrru, link?.Mru ?? 0, profile.EndDisc,
                requireChap, requirePap, profile.IfAddr, profile.Server, secrets, link is null ? null : LinkQuality.Of(link),
                link is { Phone.Text.Length: > 0 } ? link.Phone : null,
                profile.ShortSeq.Enabled,
                profile.ShortSeq.Accepted,
                profile.Options["ipv6cp"],
                Encryption(label, profile, receiver: true),
                profile.Schedule)
            {
                Retries = FsmRetries.Of(link).WithNcps(profile).OrNull(),
            };
        }

        private static List<ConfigDiagnostic> Order(List<ConfigDiagnostic> items)
        {
            var fileOrder = items.Select(d => d.File).Distinct(StringComparer.Ordinal).Select((f, i) => (f, i)).ToDictionary(x => x.f, x => x.i, StringComparer.Ordinal);
            return [.. items.OrderBy(d => fileOrder[d.File]).ThenBy(d => d.Line)];
        }
    }
}
