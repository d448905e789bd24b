using System.Globalization;

namespace Gateway.Core.Config;

public sealed partial class ProfileResolver
{
    private static Action<ProfileResolver, Call> NotUsed(string why) => (r, c) => r.Unused(c, why, c.Cx);

    private static readonly Action<ProfileResolver, Call> NotUsedByGateway = NotUsed("accepted by ppp; not used by the gateway");

    private static readonly CommandEntry<Action<ProfileResolver, Call>>[] SetCommands =
    [
        E("accmap", null, CommandScope.Link, NotUsedByGateway),
        E("authkey", "key", CommandScope.Bundle, (r, c) => r.SetAuthKey(c)),
        E("authname", null, CommandScope.Bundle, (r, c) => r.SetAuthName(c)),
        E("autoload", null, CommandScope.Bundle, NotUsedByGateway),
        E("bandwidth", null, CommandScope.Link, (r, c) => r.SetBandwidth(c)),
        E("callback", null, CommandScope.Link, NotUsed("callback is not supported by the gateway")),
        E("cbcp", null, CommandScope.Link, NotUsed("callback is not supported by the gateway")),
        E("ccpretry", "ccpretries", CommandScope.LinkOptional, (r, c) => r.SetRetry(c, RetryProtocol.Ccp)),
        E("cd", null, CommandScope.Link, NotUsedByGateway),
        E("chapretry", "chapretries", CommandScope.Link, (r, c) => r.SetRetry(c, RetryProtocol.Chap)),
        E("choked", null, CommandScope.Bundle, NotUsedByGateway),
        E("ctsrts", "crtscts", CommandScope.Link, NotUsedByGateway),
        E("deflate", null, CommandScope.LinkOptional, NotUsed("compression is not supported by the gateway")),
        E("mppe", null, CommandScope.LinkOptional, NotUsed("MPPE is not supported by the gateway")),
        E("device", "line", CommandScope.Link, (r, c) => r.SetDevice(c)),
        E("dial", null, CommandScope.Link, (r, c) => r.SetScript(c, (l, s) => l.Dial = s)),
        E("dns", null, CommandScope.Bundle, (r, c) => r.SetDns(c)),
        E("encrypt", null, CommandScope.Bundle, (r, c) => r.SetEncrypt(c)),
        E("encryptkey", null, CommandScope.Bundle, (r, c) => r.SetEncryptPath(c, (e, v) => e with { KeyFile = v })),
        E("encryptkeys", null, CommandScope.Bundle, (r, c) => r.SetEncryptPath(c, (e, v) => e with { KeysFile = v })),
        E("encryptpeer", null, CommandScope.Bundle, (r, c) => r.SetEncryptPeer(c)),
        E("enddisc", null, CommandScope.Bundle, (r, c) => r.SetEndDisc(c)),
        E("escape", null, CommandScope.Link, NotUsedByGateway),
        E("filter", null, CommandScope.Bundle, NotUsed("packet filters are not supported by the gateway")),
        E("hangup", null, CommandScope.Link, (r, c) => r.SetScript(c, (l, s) => l.Hangup = s)),
        E("ifaddr", null, CommandScope.Bundle, (r, c) => r.SetIfAddr(c)),
        E("ifqueue", null, CommandScope.Bundle, NotUsedByGateway),
        E("ipcpretry", "ipcpretries", CommandScope.Bundle, (r, c) => r.SetRetry(c, RetryProtocol.Ipcp)),
        E("ipv6cpretry", "ipv6cpretries", CommandScope.Bundle, (r, c) => r.SetRetry(c, RetryProtocol.Ipv6cp)),
        E("lcpretry", "lcpretries", CommandScope.Link, (r, c) => r.SetRetry(c, RetryProtocol.Lcp)),
        E("log", null, CommandScope.Bundle, (r, c) => r.SetLog(c)),
        E("login", null, CommandScope.Link, (r, c) => r.SetScript(c, (l, s) => l.Login = s)),
        E("logout", null, CommandScope.Link, (r, c) => r.SetScript(c, (l, s) => l.Logout = s)),
        E("lqrperiod", "echoperiod", CommandScope.LinkOptional, (r, c) => r.SetLqrPeriod(c)),
        E("mode", null, CommandScope.Link, NotUsed("the gateway decides when links are opened")),
        E("mrru", null, CommandScope.Bundle, (r, c) => r.SetMrru(c)),
        E("mru", null, CommandScope.Link, (r, c) => r.SetMruMtu(c, mru: true)),
        E("mtu", null, CommandScope.Link, (r, c) => r.SetMruMtu(c, mru: false)),
        E("nbns", null, CommandScope.Bundle, NotUsedByGateway),
        E("openmode", null, CommandScope.Link, NotUsedByGateway),
        E("papretry", "papretries", CommandScope.Link, (r, c) => r.SetRetry(c, RetryProtocol.Pap)),
        E("parity", null, CommandScope.Link, NotUsedByGateway),
        E("phone", null, CommandScope.Link, (r, c) => r.SetPhone(c)),
        E("policy", null, CommandScope.Link, (r, c) => r.SetPolicy(c)),
        E("proctitle", "title", CommandScope.Bundle, NotUsedByGateway),
        E("radius", null, CommandScope.Bundle, NotUsed("RADIUS is not supported by the gateway")),
        E("rad_alive", null, CommandScope.Bundle, NotUsed("RADIUS is not supported by the gateway")),
        E("rad_port_id", null, CommandScope.Bundle, NotUsed("RADIUS is not supported by the gateway")),
        E("reconnect", null, CommandScope.Link, (r, c) => r.SetReconnect(c)),
        E("recvpipe", null, CommandScope.Bundle, NotUsedByGateway),
        E("redial", null, CommandScope.Link, (r, c) => r.SetRedial(c)),
        E("schedule", null, CommandScope.Bundle, (r, c) => r.SetSchedule(c)),
        E("sendpipe", null, CommandScope.Bundle, NotUsedByGateway),
        E("server", "socket", CommandScope.Bundle, (r, c) => r.SetServer(c)),
        E("speed", null, CommandScope.Link, (r, c) => r.SetSpeed(c)),
        E("stopped", null, CommandScope.Link, NotUsedByGateway),
        E("timeout", null, CommandScope.Bundle, (r, c) => r.SetTimeout(c)),
        E("urgent", null, CommandScope.Bundle, NotUsedByGateway),
        E("vj", null, CommandScope.Bundle, NotUsedByGateway),
        E("help", "?", CommandScope.Bundle, Interactive),
        E("pppoe", null, CommandScope.Link, NotUsed("PPPoE is not supported by the gateway")),
    ];

    private void Set(Call c)
    {
        if (c.Rest.Count == 0)
        {
            diagnostics.Error(c.At, "set command must have arguments");
            return;
        }
        Dispatch(SetCommands, c with { ArgN = c.ArgN + 1 });
    }

    /// <summary>ppp's log levels (log.c), for <c>set log [local] [+|-]level...</c>.</summary>
    private static readonly string[] LogLevels =
        ["all", "async", "cbcp", "ccp", "chat", "command", "connect", "debug", "dns", "filter", "hdlc", "id0", "ipcp", "ipv6cp",
         "lcp", "lqm", "phase", "physical", "radius", "sync", "tcp/ip", "timer", "tun", "warning", "error", "alert"];

    private void SetLog(Call c)
    {
        var rest = c.Rest.ToList();
        if (rest.Count > 0 && rest[0].Equals("local", StringComparison.OrdinalIgnoreCase))
            rest.RemoveAt(0);
        foreach (var level in rest)
        {
            var name = level.TrimStart('+', '-');
            if (!LogLevels.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                diagnostics.Error(c.At, $"set log: {level}: unknown log level");
                return;
            }
        }
        profile.Log = [.. c.Rest];
    }

    private void SetAuthName(Call c)
    {
        ExtraArgumentsIgnored(c, 1);
        profile.AuthName = c.First;
    }

    private void SetAuthKey(Call c)
    {
        ExtraArgumentsIgnored(c, 1);
        profile.AuthKey = new ConfigSecret(c.First);
    }

    private void SetScript(Call c, Action<LinkProfile, ChatScriptText> assign)
    {
        ExtraArgumentsIgnored(c, 1);
        var script = new ChatScriptText(c.First);
        if (script.UnterminatedQuote)
            diagnostics.Warn(c.At, $"{c.Prefix}: the chat script has an unterminated double quote");
        assign(c.Cx!, script);
    }

    private void SetPhone(Call c)
    {
        ExtraArgumentsIgnored(c, 1);
        c.Cx!.Phone = PhoneList.Parse(c.First);
    }

    private void SetDevice(Call c)
    {
        var rest = c.Rest;
        if (rest.Count == 0 || rest.Any(d => d.Length == 0))
        {
            diagnostics.Error(c.At, $"{c.Prefix}: no device given (an empty device list); the device list is left as it was");
            return;
        }
        var devices = rest.Select(d => DeviceSpec.Parse(d, services)).ToList();
        foreach (var device in devices)
        {
            switch (device.Kind)
            {
                case DeviceKind.Unknown:
                    diagnostics.Error(c.At, $"{device.Text}: not a device (expected /dev/..., host:port/udp, host:port/tcp, !command or PPPoE:iface)");
                    break;
                case DeviceKind.Exec:
                case DeviceKind.PppOE:
                    diagnostics.Warn(c.At, $"{device.Text}: {device.Kind} devices are not supported by the gateway");
                    break;
                case DeviceKind.Udp or DeviceKind.Tcp when device.Port is null:
                    diagnostics.Warn(c.At, $"{device.Text}: unknown service '{device.Service}' (not in /etc/services nor the built-in table)");
                    break;
                case DeviceKind.Serial when !device.Text.StartsWith("/dev/", StringComparison.Ordinal):
                    diagnostics.Warn(c.At, $"{device.Text}: ppp expects serial devices under /dev/");
                    break;
            }
        }
        c.Cx!.Devices = devices;
    }

    private void SetSpeed(Call c)
    {
        if (c.Rest.Count == 0 || c.First.Length == 0)
        {
            diagnostics.Error(c.At, "set speed: no speed specified");
            return;
        }
        if (c.Rest.Count > 1)
        {
            diagnostics.Error(c.At, "set speed: too many arguments");
            return;
        }
        if (c.First.Equals("sync", StringComparison.OrdinalIgnoreCase))
        {
            c.Cx!.Sync = true;
            return;
        }
        if (!TryNumber(c.First, out var speed) || Array.IndexOf(Speeds, speed) < 0)
        {
            diagnostics.Error(c.At, $"{c.First}: invalid speed (a serial speed such as 115200, or 'sync')");
            return;
        }
        c.Cx!.Speed = speed;
        c.Cx.Sync = false;
    }

    private void SetRedial(Call c)
    {
        if (RedialSpec.TryParse(c.Rest, c.Cx!.Redial, out var spec, out var error))
            c.Cx.Redial = spec;
        else
            diagnostics.Error(c.At, $"set redial: {error}; the redial setting is left as it was");
    }

    private void SetReconnect(Call c)
    {
        // ppp reads the timeout with atoi and shows 0 as "random"; ppp(8) documents the word "random".
        var timeout = 0;
        if (c.Rest.Count == 2 && (c.Rest[0].Equals("random", StringComparison.OrdinalIgnoreCase) || TryNumber(c.Rest[0], out timeout)) && TryNumber(c.Rest[1], out var tries))
            c.Cx!.Reconnect = new ReconnectSpec(timeout > 0 ? TimeSpan.FromSeconds(timeout) : null, tries);
        else
            diagnostics.Error(c.At, "usage: set reconnect timeout|random ntries");
    }

    private void SetTimeout(Call c)
    {
        if (c.Rest.Count is 1 or 2 && TryNumber(c.Rest[0], out var idle) && (c.Rest.Count == 1 || TryNumber(c.Rest[1], out _)))
            profile.IdleTimeout = idle;
        else
            diagnostics.Error(c.At, "usage: set timeout idle-seconds [min-seconds]");
    }

    private void SetLqrPeriod(Call c)
    {
        if (c.Rest.Count != 1 || !TryPeriod(c.First, out var period))
        {
            diagnostics.Error(c.At, $"{c.Prefix} {c.First}: invalid period (seconds: a whole number as in FreeBSD, or a fraction down to {MinimumQualityPeriod.ToString(CultureInfo.InvariantCulture)})");
            return;
        }
        var link = ChooseLink(c.Cx);
        if (link is null)
            profile.MpLqrPeriod = period;
        else
            link.LqrPeriod = period;
    }

    /// <summary>
    /// FreeBSD's <c>SetRetry</c> (command.c) for <c>set lcpretry|ipcpretry|ipv6cpretry|ccpretry [timeout [reqtries [trmtries]]]</c>
    /// and <c>set chapretry|papretry [timeout [reqtries]]</c>: no argument restores ppp's defaults (3 s, 5 tries; PAP/CHAP
    /// 3 s, 3 tries); a period below 1 s fails the command and leaves the setting as it was; fewer than 1 try is raised
    /// to 1 with a warning; what is not given stays as it was, which before the first line is ppp's default too.
    /// Numbers are read as ppp's <c>atol</c> reads them (<c>x</c> is 0, <c>2x</c> is 2, the latter with a warning).
    /// LCP, PAP and CHAP are the link's (LOCAL_CX); CCP the link's or the bundle's as <c>command_ChooseLink</c> says
    /// (LOCAL_CX_OPT); IPCP and IPV6CP the bundle's.
    /// </summary>
    private void SetRetry(Call c, RetryProtocol protocol)
    {
        var link = protocol switch
        {
            RetryProtocol.Lcp or RetryProtocol.Pap or RetryProtocol.Chap => c.Cx,
            RetryProtocol.Ccp => ChooseLink(c.Cx),
            _ => null,
        };
        var retries = (link is null ? profile.Retries : link.Retries) ?? FsmRetries.None;
        bool authentication = protocol is RetryProtocol.Pap or RetryProtocol.Chap;
        var rest = c.Rest;
        RetrySpec retry;
        if (rest.Count == 0)
            retry = RetrySpec.FreeBsdDefault(authentication);
        else
        {
            ExtraArgumentsIgnored(c, authentication ? 2 : 3);
            var timeout = Atol(c, rest[0]);
            if (timeout is < RetrySpec.MinTimeoutSeconds or > RetrySpec.MaxTimeoutSeconds)
            {
                diagnostics.Error(c.At, $"{c.Prefix} {rest[0]}: invalid FSM retry period (whole seconds, {RetrySpec.MinTimeoutSeconds} to {RetrySpec.MaxTimeoutSeconds}); the setting is left as it was");
                return;
            }
            retry = (retries[protocol] ?? RetrySpec.FreeBsdDefault(authentication)) with { TimeoutSeconds = (int)timeout };
            if (rest.Count > 1)
                retry = retry with { RequestTries = RetryTries(c, rest[1], "REQ") };
            if (rest.Count > 2 && !authentication)
                retry = retry with { TerminateTries = RetryTries(c, rest[2], "TRM") };
        }
        if (link is null)
            profile.Retries = retries.With(protocol, retry);
        else
            link.Retries = retries.With(protocol, retry);
    }

    private int RetryTries(Call c, string text, string which)
    {
        var tries = Atol(c, text);
        if (tries < 1)
        {
            diagnostics.Warn(c.At, $"{c.Prefix}: {text}: invalid FSM {which} tries - changed to 1 (as ppp does)");
            return 1;
        }
        if (tries > RetrySpec.MaxTries)
        {
            diagnostics.Warn(c.At, $"{c.Prefix}: {text}: more FSM {which} tries than the gateway takes - changed to {RetrySpec.MaxTries}");
            return RetrySpec.MaxTries;
        }
        return (int)tries;
    }

    /// <summary>
    /// C's <c>atol</c>, as ppp reads these numbers: blanks, a sign, digits, and the rest ignored; no digits read as 0.
    /// Saturates instead of overflowing. A number followed by anything else gets a warning naming what was read.
    /// </summary>
    private long Atol(Call c, string text)
    {
        const long Saturated = 1_000_000_000_000;
        int i = 0;
        while (i < text.Length && text[i] is ' ' or '\t' or '\n' or '\v' or '\f' or '\r')
            i++;
        bool negative = i < text.Length && text[i] == '-';
        if (i < text.Length && text[i] is '+' or '-')
            i++;
        int digits = i;
        long value = 0;
        for (; i < text.Length && char.IsAsciiDigit(text[i]); i++)
            value = Math.Min(value * 10 + (text[i] - '0'), Saturated);
        if (negative)
            value = -value;
        if (i > digits && i < text.Length)
            diagnostics.Warn(c.At, $"{c.Prefix}: '{text}' read as {value} (ppp reads the number with atol and ignores the rest)");
        return value;
    }

    private void SetMrru(Call c)
    {
        if (c.Rest.Count != 1 || !TryNumber(c.First, out var mrru) || (mrru != 0 && mrru < MinMru) || mrru > MaxMru)
        {
            diagnostics.Error(c.At, $"set mrru {c.First}: invalid MRRU (0, or {MinMru} to {MaxMru})");
            return;
        }
        profile.Mrru = mrru;
    }

    private void SetMruMtu(Call c, bool mru)
    {
        var what = mru ? "MRU" : "MTU";
        var rest = c.Rest;
        var max = rest.Count == 2 && (rest[0].Equals("max", StringComparison.OrdinalIgnoreCase) || rest[0].Equals("maximum", StringComparison.OrdinalIgnoreCase));
        var valueText = rest.Count switch { 0 => "0", 1 => rest[0], _ => rest[1] };
        if (rest.Count > 2 || (rest.Count == 2 && !max) || !TryNumber(valueText, out var value))
        {
            diagnostics.Error(c.At, $"usage: set {what.ToLowerInvariant()} [max[imum]] [value]");
            return;
        }
        if (value != 0 && (value < MinMru || value > MaxMru))
        {
            diagnostics.Error(c.At, $"{what} {value}: out of range ({MinMru} to {MaxMru})");
            return;
        }
        var link = c.Cx!;
        var (current, limit) = mru ? (link.Mru, link.MaxMru) : (link.Mtu, link.MaxMtu);
        if (max)
            limit = value;
        else if (limit != 0 && value > limit)
        {
            diagnostics.Error(c.At, $"{what} {value}: above the maximum set ({limit})");
            return;
        }
        else
            current = value;
        if (limit != 0 && current > limit)
            current = limit;
        if (mru)
            (link.Mru, link.MaxMru) = (current, limit);
        else
            (link.Mtu, link.MaxMtu) = (current, limit);
    }

    private void SetBandwidth(Call c)
    {
        if (c.Rest.Count == 1 && TryNumber(c.First, out var bandwidth) && bandwidth > 0)
            c.Cx!.Bandwidth = bandwidth;
        else
            diagnostics.Error(c.At, "usage: set bandwidth value (bits per second, above 0)");
    }

    /// <summary>
    /// <c>set policy backup|primary [PRIORITY]</c>: the gateway's extension (issue 16), per link like <c>set bandwidth</c>.
    /// No FreeBSD <c>set</c> word starts with <c>po</c>, so no abbreviation ppp knows changes meaning.
    /// </summary>
    private void SetPolicy(Call c)
    {
        if (Ppp.Multilink.MemberPolicy.TryParse(c.Rest, out var policy, out var error))
            c.Cx!.Policy = policy;
        else
            diagnostics.Error(c.At, $"set policy: {error}; usage: set policy backup|primary [priority 1-{Ppp.Multilink.MemberPolicy.MaxPriority}]; the setting is left as it was");
    }

    /// <summary>
    /// <c>set schedule latency|throughput</c>: the gateway's extension (issue 16), how the bundle's fragmenter treats
    /// members of unequal delay (<see cref="Ppp.Multilink.MpSchedule"/>). No FreeBSD <c>set</c> word starts with <c>sc</c>.
    /// </summary>
    private void SetSchedule(Call c)
    {
        Ppp.Multilink.MpSchedule? schedule = c.Rest.Count == 1 ? c.First.ToLowerInvariant() switch
        {
            "latency" => Ppp.Multilink.MpSchedule.Latency,
            "throughput" => Ppp.Multilink.MpSchedule.Throughput,
            _ => null,
        } : null;
        if (schedule is null)
        {
            diagnostics.Error(c.At, "usage: set schedule latency|throughput; the setting is left as it was");
            return;
        }
        profile.Schedule = schedule.Value;
    }

    private void SetEndDisc(Call c)
    {
        if (c.Rest.Count == 0)
        {
            profile.EndDisc = EndDiscSpec.None;
            return;
        }
        var kind = c.First.ToLowerInvariant();
        switch (kind)
        {
            case "label":
                ExtraArgumentsIgnored(c, 1);
                profile.EndDisc = new EndDiscSpec(EndDiscKind.Label, profile.Label);
                break;
            case "ip":
                ExtraArgumentsIgnored(c, 1);
                profile.EndDisc = new EndDiscSpec(EndDiscKind.IP, profile.IfAddr?.Local is { } local && AddressSyntax.IsLiteral(local) ? local.Split('/')[0] : "MYADDR");
                break;
            case "mac":
                ExtraArgumentsIgnored(c, 1);
                profile.EndDisc = new EndDiscSpec(EndDiscKind.Mac, null);
                break;
            case "magic":
                ExtraArgumentsIgnored(c, 1);
                profile.EndDisc = new EndDiscSpec(EndDiscKind.Magic, null);
                break;
            case "psn":
                if (c.Rest.Count < 2 || c.Rest[1].Length is 0 or > 15)
                {
                    diagnostics.Error(c.At, "set enddisc psn: needs a directory number of 1 to 15 characters");
                    return;
                }
                ExtraArgumentsIgnored(c, 2);
                profile.EndDisc = new EndDiscSpec(EndDiscKind.Psn, c.Rest[1]);
                break;
            default:
                diagnostics.Error(c.At, $"set enddisc {c.First}: unrecognised endpoint type (label, IP, MAC, magic or psn)");
                break;
        }
    }

    private void SetIfAddr(Call c)
    {
        var rest = c.Rest;
        if (rest.Count > 4)
        {
            diagnostics.Error(c.At, "usage: set ifaddr [src-addr [dst-addr [netmask [trg-addr]]]]");
            return;
        }
        if (rest.Count == 0)
        {
            profile.IfAddr = null;
            return;
        }
        if (!AddressSyntax.IsAddressOrName(rest[0]))
        {
            diagnostics.Error(c.At, $"set ifaddr: '{rest[0]}' is not an address");
            return;
        }
        if (rest.Count > 1 && !rest[1].Split(',').All(AddressSyntax.IsAddressOrName))
        {
            diagnostics.Error(c.At, $"set ifaddr: '{rest[1]}' is not an address, a range or a list of them");
            return;
        }
        for (var i = 2; i < rest.Count; i++)
        {
            if (!AddressSyntax.IsAddressOrName(rest[i]) || rest[i].Contains('/'))
            {
                diagnostics.Error(c.At, $"set ifaddr: '{rest[i]}' is not an address");
                return;
            }
        }
        profile.IfAddr = new IfAddrSpec(rest[0], rest.Count > 1 ? rest[1] : null, rest.Count > 2 ? rest[2] : null, rest.Count > 3 ? rest[3] : null);
    }

    private void SetDns(Call c)
    {
        if (c.Rest.Count > 2 || c.Rest.Any(a => !AddressSyntax.IsAddressOrName(a)))
        {
            diagnostics.Error(c.At, "usage: set dns [primary-address [secondary-address]]");
            return;
        }
        profile.Dns = [.. c.Rest];
    }

    private void SetServer(Call c)
    {
        var rest = c.Rest;
        if (rest.Count == 1 && rest[0].Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            profile.Server = null;
            profile.ServerPassword = ConfigSecret.Empty;
            return;
        }
        if (rest.Count == 1 && (rest[0].Equals("open", StringComparison.OrdinalIgnoreCase) || rest[0].Equals("closed", StringComparison.OrdinalIgnoreCase)))
        {
            Unused(c, "opening or closing the diagnostic socket at run time is not supported");
            return;
        }
        if (rest.Count is < 2 or > 3)
        {
            diagnostics.Error(c.At, "usage: set server TcpPort|LocalName|none|open|closed [password [mask]]");
            return;
        }
        if (rest.Count == 3)
        {
            var mask = rest[2];
            if (!rest[0].StartsWith('/') || mask.Length is 0 or > 4 || mask.Any(ch => ch is < '0' or > '7') || (mask.Length == 4 && mask[0] != '0'))
            {
                diagnostics.Error(c.At, $"set server: {mask}: invalid mask (octal, for a local socket)");
                return;
            }
        }
        profile.Server = rest[0];
        profile.ServerPassword = new ConfigSecret(rest[1]);
    }

    // The gateway's extension (issue 13): FreeBSD ppp answers every one of these with "Invalid command" and goes on.
    private void SetEncrypt(Call c)
    {
        EncryptionMode? mode = c.Rest.Count == 1 ? c.First.ToLowerInvariant() switch
        {
            "off" => EncryptionMode.Off,
            "on" => EncryptionMode.On,
            "require" => EncryptionMode.Require,
            _ => null,
        } : null;
        if (mode is null)
        {
            diagnostics.Error(c.At, "usage: set encrypt off|on|require; the setting is left as it was");
            return;
        }
        profile.Encryption = profile.Encryption with { Mode = mode.Value, At = c.At };
    }

    private void SetEncryptPath(Call c, Func<EncryptionSettings, string?, EncryptionSettings> assign)
    {
        if (c.Rest.Count == 0 || c.First.Length == 0)
        {
            diagnostics.Error(c.At, $"usage: {c.Prefix} path");
            return;
        }
        ExtraArgumentsIgnored(c, 1);
        profile.Encryption = assign(profile.Encryption, c.First);
    }

    private void SetEncryptPeer(Call c)
    {
        if (c.Rest.Count == 0 || !Crypto.X25519PublicKey.TryParse(c.First, out _))
        {
            diagnostics.Error(c.At, $"usage: {c.Prefix} public-key ({Crypto.KeyEncoding.Base64Length} characters of base64, as gateway keygen prints); line ignored");
            return;
        }
        ExtraArgumentsIgnored(c, 1);
        profile.Encryption = profile.Encryption with { PeerKey = c.First };
    }
}
