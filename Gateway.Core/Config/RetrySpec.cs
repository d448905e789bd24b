using System.Text.Json.Serialization;

namespace Gateway.Core.Config;

/// <summary>
/// One of FreeBSD ppp's <c>set lcpretry|ipcpretry|ipv6cpretry|ccpretry [timeout [reqtries [trmtries]]]</c> or
/// <c>set chapretry|papretry [timeout [reqtries]]</c> (command.c <c>SetRetry</c>): the restart period in whole seconds
/// (RFC 1661 4.6 Restart timer; for PAP/CHAP the time between requests), the requests sent before giving up
/// (Max-Configure; for PAP/CHAP the tries, the first included) and the Terminate-Requests (Max-Terminate; null for
/// PAP/CHAP, which have none).
/// </summary>
public sealed record RetrySpec(
    int TimeoutSeconds,
    int RequestTries,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? TerminateTries)
{
    /// <summary>DEF_FSMRETRY (defs.h): the period of a bare command.</summary>
    public const int DefaultTimeoutSeconds = 3;

    /// <summary>DEF_FSMTRIES (defs.h): Max-Configure and Max-Terminate of a bare LCP, IPCP, IPV6CP or CCP command.</summary>
    public const int DefaultTries = 5;

    /// <summary>DEF_FSMAUTHTRIES (defs.h): the tries of a bare <c>set chapretry</c> or <c>set papretry</c>.</summary>
    public const int DefaultAuthTries = 3;

    /// <summary>MIN_FSMRETRY (defs.h): a shorter period fails the command ("Invalid FSM retry period - min 1").</summary>
    public const int MinTimeoutSeconds = 1;

    /// <summary>
    /// Ours (FreeBSD takes any <c>u_int</c>): a longer period is an error, so that a typo cannot leave a link waiting for
    /// days, and the authentication wait (period times tries) stays within what a timer can run.
    /// </summary>
    public const int MaxTimeoutSeconds = 3600;

    /// <summary>Ours, for the same reason: more tries are cut to this, with a warning, as FreeBSD raises fewer than 1 to 1.</summary>
    public const int MaxTries = 1000;

    /// <summary>What a bare command sets, and what FreeBSD had before the first line: 3 s, 5 tries each way (PAP/CHAP: 3 s, 3 tries).</summary>
    public static RetrySpec FreeBsdDefault(bool authentication) =>
        authentication ? new(DefaultTimeoutSeconds, DefaultAuthTries, null) : new(DefaultTimeoutSeconds, DefaultTries, DefaultTries);

    /// <summary>The arguments that give this setting (<c>1 4 2</c>, <c>3 3</c>).</summary>
    public override string ToString() => TerminateTries is { } terminate ? $"{TimeoutSeconds} {RequestTries} {terminate}" : $"{TimeoutSeconds} {RequestTries}";
}

/// <summary>The protocols FreeBSD ppp has a retry command for (<c>set lcpretry</c> ... <c>set papretry</c>).</summary>
public enum RetryProtocol : byte
{
    Lcp,
    Ipcp,
    Ipv6cp,
    Ccp,
    Pap,
    Chap,
}

/// <summary>
/// The retry lines of a link, a bundle or one part of the model, by protocol; each null where no line was written, so that
/// the gateway keeps its own defaults there (RFC 1661's: 3 s, Max-Configure 10, Max-Terminate 2; for PAP/CHAP,
/// <see cref="Ppp.Auth.AuthDefaults"/>).
/// </summary>
public sealed record FsmRetries
{
    public static FsmRetries None { get; } = new();

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RetrySpec? Lcp { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RetrySpec? Ipcp { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RetrySpec? Ipv6cp { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RetrySpec? Ccp { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RetrySpec? Pap { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RetrySpec? Chap { get; init; }

    /// <summary>The line of <paramref name="protocol"/>; null: none written.</summary>
    public RetrySpec? this[RetryProtocol protocol] => protocol switch
    {
        RetryProtocol.Lcp => Lcp,
        RetryProtocol.Ipcp => Ipcp,
        RetryProtocol.Ipv6cp => Ipv6cp,
        RetryProtocol.Ccp => Ccp,
        RetryProtocol.Pap => Pap,
        _ => Chap,
    };

    /// <summary>These lines with <paramref name="protocol"/>'s replaced.</summary>
    public FsmRetries With(RetryProtocol protocol, RetrySpec? retry) => protocol switch
    {
        RetryProtocol.Lcp => this with { Lcp = retry },
        RetryProtocol.Ipcp => this with { Ipcp = retry },
        RetryProtocol.Ipv6cp => this with { Ipv6cp = retry },
        RetryProtocol.Ccp => this with { Ccp = retry },
        RetryProtocol.Pap => this with { Pap = retry },
        _ => this with { Chap = retry },
    };

    /// <summary>A link's own lines: <c>set lcpretry</c>, <c>set papretry</c>, <c>set chapretry</c> (FreeBSD's LOCAL_CX commands).</summary>
    public static FsmRetries Of(LinkProfile? link) =>
        new() { Lcp = link?.Retries?.Lcp, Pap = link?.Retries?.Pap, Chap = link?.Retries?.Chap };

    /// <summary>
    /// This and the lines of the NCPs: <c>set ipcpretry</c>, <c>set ipv6cpretry</c>, and <c>set ccpretry</c> where ppp
    /// runs that CCP (the bundle's with an MRRU, else the only link's, as <c>command_ChooseLink</c> chooses).
    /// </summary>
    public FsmRetries WithNcps(PppProfile profile, bool ipv6cp = true) => this with
    {
        Ipcp = profile.Retries?.Ipcp,
        Ipv6cp = ipv6cp ? profile.Retries?.Ipv6cp : null,
        Ccp = profile.Mrru > 0 ? profile.Retries?.Ccp : profile.Links.FirstOrDefault()?.Retries?.Ccp,
    };

    /// <summary>This, or null when no line was written (the JSON then leaves it out).</summary>
    public FsmRetries? OrNull() => this == None ? null : this;

    /// <summary>The lines, as written (<c>set lcpretry 1 4 2, set chapretry 3 3</c>), or <c>none</c>.</summary>
    public override string ToString()
    {
        var lines = Enum.GetValues<RetryProtocol>().Where(p => this[p] is not null)
            .Select(p => $"set {p.ToString().ToLowerInvariant()}retry {this[p]}").ToList();
        return lines.Count == 0 ? "none" : string.Join(", ", lines);
    }
}
