namespace Gateway.Core.Config;

public sealed partial class ProfileResolver
{
    private enum NegotiateVerb
    {
        Enable,
        Disable,
        Accept,
        Deny,
    }

    private sealed record NegotiateCall(NegotiateVerb Verb, string Word);

    private static Negotiation Apply(Negotiation current, NegotiateVerb verb) => verb switch
    {
        NegotiateVerb.Enable => current with { Enabled = true },
        NegotiateVerb.Disable => current with { Enabled = false },
        NegotiateVerb.Accept => current with { Accepted = true },
        _ => current with { Accepted = false },
    };

    private static CommandEntry<Action<ProfileResolver, Call>> Option(string name) =>
        E(name, null, CommandScope.Bundle, (r, c) => r.SetOption(c, name));

    private static CommandEntry<Action<ProfileResolver, Call>> OnLink(string name, string? alias, Func<LinkProfile, Negotiation> get, Action<LinkProfile, Negotiation> set) =>
        E(name, alias, CommandScope.Link, (r, c) => set(c.Cx!, Apply(get(c.Cx!), Verb(c))));

    private static CommandEntry<Action<ProfileResolver, Call>> OnCcp(string name, string? alias, Func<CcpSettings, Negotiation> get, Action<CcpSettings, Negotiation> set) =>
        E(name, alias, CommandScope.LinkOptional, (r, c) =>
        {
            var ccp = r.ChooseLink(c.Cx)?.Ccp ?? r.profile.MpCcp;
            set(ccp, Apply(get(ccp), Verb(c)));
        });

    private static CommandEntry<Action<ProfileResolver, Call>> OnBundle(string name, Func<PppProfile, Negotiation> get, Action<PppProfile, Negotiation> set) =>
        E(name, null, CommandScope.Bundle, (r, c) => set(r.profile, Apply(get(r.profile), Verb(c))));

    private static NegotiateVerb Verb(Call c) => ParseVerb(c.Args[c.ArgN - 1])!.Value;

    /// <summary>ppp's <c>ident_cmd</c>: the verb is told by its first letters (a, de, di, e).</summary>
    private static NegotiateVerb? ParseVerb(string word) => char.ToLowerInvariant(word[0]) switch
    {
        'a' => NegotiateVerb.Accept,
        'e' => NegotiateVerb.Enable,
        'd' when word.Length > 1 && char.ToLowerInvariant(word[1]) == 'e' => NegotiateVerb.Deny,
        'd' when word.Length > 1 && char.ToLowerInvariant(word[1]) == 'i' => NegotiateVerb.Disable,
        _ => null,
    };

    /// <summary>
    /// command.c's NegotiateCommands: the first part (up to utmp) only takes enable/disable; accept and deny
    /// search from acfcomp on.
    /// </summary>
    private static readonly CommandEntry<Action<ProfileResolver, Call>>[] NegotiateCommands =
    [
        E("echo", null, CommandScope.Link, (r, c) => c.Cx!.Echo = Verb(c) == NegotiateVerb.Enable),
        Option("filter-decapsulation"),
        Option("force-scripts"),
        Option("idcheck"),
        Option("iface-alias"),
        Option("ipcp"),
        Option("ipv6cp"),
        Option("keep-session"),
        Option("loopback"),
        Option("nas-ip-address"),
        Option("nas-identifier"),
        Option("passwdauth"),
        Option("proxy"),
        Option("proxyall"),
        Option("sroutes"),
        E("tcpmssfixup", "mssfixup", CommandScope.Bundle, (r, c) => r.SetOption(c, "tcpmssfixup")),
        Option("throughput"),
        Option("utmp"),
        OnLink("acfcomp", null, l => l.Acfcomp, (l, n) => l.Acfcomp = n),
        OnLink("chap", "chap05", l => l.Chap, (l, n) => l.Chap = n),
        OnLink("mschap", "chap80nt", l => l.MsChap, (l, n) => l.MsChap = n),
        OnLink("LANMan", "chap80lm", l => l.LanMan, (l, n) => l.LanMan = n),
        OnLink("mschapv2", "chap81", l => l.MsChapV2, (l, n) => l.MsChapV2 = n),
        OnCcp("mppe", null, c => c.Mppe, (c, n) => c.Mppe = n),
        OnCcp("deflate", null, c => c.Deflate, (c, n) => c.Deflate = n),
        OnCcp("deflate24", null, c => c.Deflate24, (c, n) => c.Deflate24 = n),
        OnBundle("dns", p => p.DnsNegotiation, (p, n) => p.DnsNegotiation = n),
        OnBundle("enddisc", p => p.EndDiscNegotiation, (p, n) => p.EndDiscNegotiation = n),
        OnLink("lqr", null, l => l.Lqr, (l, n) => l.Lqr = n),
        OnLink("pap", null, l => l.Pap, (l, n) => l.Pap = n),
        OnCcp("pred1", "predictor1", c => c.Pred1, (c, n) => c.Pred1 = n),
        OnLink("protocomp", null, l => l.Protocomp, (l, n) => l.Protocomp = n),
        OnBundle("shortseq", p => p.ShortSeq, (p, n) => p.ShortSeq = n),
        OnBundle("vjcomp", p => p.VjComp, (p, n) => p.VjComp = n),
        E("help", "?", CommandScope.Bundle, Interactive),
    ];

    /// <summary>Where accept/deny start in <see cref="NegotiateCommands"/> (ppp's NEG_OPT_MAX).</summary>
    private const int AcceptDenyStart = 18;

    private void Negotiate(Call c)
    {
        var verb = ParseVerb(c.Args[c.ArgN]);
        if (verb is null || c.Rest.Count == 0)
        {
            diagnostics.Error(c.At, $"{c.Prefix} command must have arguments");
            return;
        }
        var table = verb is NegotiateVerb.Accept or NegotiateVerb.Deny ? NegotiateCommands[AcceptDenyStart..] : NegotiateCommands;
        foreach (var option in c.Rest)
        {
            // Each option is run as "verb option", as ppp does, so that messages and contexts are per option.
            var single = new ConfCommand(c.At, [.. c.Args.Take(c.ArgN + 1), option]);
            Dispatch(table, new Call(single, c.ArgN + 1, c.Cx, c.Depth));
        }
    }

    private void SetOption(Call c, string name)
    {
        var enable = Verb(c) == NegotiateVerb.Enable;
        if (name == "iface-alias" && enable && !profile.Nat)
        {
            diagnostics.Error(c.At, "cannot enable iface-alias without NAT");
            return;
        }
        profile.options[name] = enable;
    }
}
