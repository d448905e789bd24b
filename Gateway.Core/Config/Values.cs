using System.Net;
using System.Text.Json.Serialization;

namespace Gateway.Core.Config;

/// <summary>What carries a link.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeviceKind>))]
public enum DeviceKind
{
    /// <summary>A serial device (tty) such as /dev/cuaa0: a modem.</summary>
    Serial,

    /// <summary><c>host:port/udp</c>: PPP in UDP datagrams.</summary>
    Udp,

    /// <summary><c>host:port/tcp</c> (or no suffix): PPP over a TCP stream.</summary>
    Tcp,

    /// <summary><c>!command</c>: a program's stdin/stdout (not supported by the gateway).</summary>
    Exec,

    /// <summary><c>PPPoE:iface[:provider]</c> (not supported by the gateway).</summary>
    PppOE,

    /// <summary>Anything else.</summary>
    Unknown,
}

/// <summary>
/// One entry of <c>set device</c>. For UDP/TCP, <see cref="Host"/> may be a placeholder (<c>RIP1</c>) or a name
/// that is resolved only at run time; <see cref="Port"/> is the number of <see cref="Service"/> when known.
/// </summary>
public sealed record DeviceSpec(string Text, DeviceKind Kind, string? Host, string? Service, int? Port)
{
    public override string ToString() => Text;

    public static DeviceSpec Parse(string text, ServiceTable services)
    {
        if (text.StartsWith('/'))
            return new(text, DeviceKind.Serial, null, null, null);
        if (text.StartsWith('!'))
            return new(text, DeviceKind.Exec, null, null, null);
        if (text.StartsWith("PPPoE:", StringComparison.OrdinalIgnoreCase))
            return new(text, DeviceKind.PppOE, null, null, null);

        var colon = text.LastIndexOf(':');
        if (colon > 0 && colon < text.Length - 1)
        {
            var host = text[..colon];
            var rest = text[(colon + 1)..];
            var kind = DeviceKind.Tcp;
            var slash = rest.IndexOf('/');
            if (slash >= 0)
            {
                var protocol = rest[(slash + 1)..];
                if (protocol.Equals("udp", StringComparison.OrdinalIgnoreCase))
                    kind = DeviceKind.Udp;
                else if (!protocol.Equals("tcp", StringComparison.OrdinalIgnoreCase))
                    return new(text, DeviceKind.Unknown, null, null, null);
                rest = rest[..slash];
            }
            if (rest.Length == 0)
                return new(text, DeviceKind.Unknown, null, null, null);
            int? port = services.TryLookup(rest, kind == DeviceKind.Udp ? "udp" : "tcp", out var p, out _) ? p : null;
            return new(text, kind, host, rest, port);
        }
        return new(text, DeviceKind.Unknown, null, null, null);
    }
}

/// <summary>
/// A chat script (<c>set dial|login|logout|hangup</c>): the one argument ppp stored, and the words the chat
/// engine splits it into (ppp's <c>MakeArgs</c> without escape reduction and without comments: quotes go,
/// backslash escapes such as <c>\c</c>, <c>\T</c>, <c>NO\sCARRIER</c> stay for the chat engine).
/// </summary>
public sealed record ChatScriptText
{
    public ChatScriptText(string raw)
    {
        Raw = raw;
        var tokens = PppTokenizer.Tokenize(raw, TokenizeFlags.NoHash);
        Tokens = tokens.Args;
        UnterminatedQuote = tokens.UnterminatedQuote;
    }

    public static ChatScriptText Empty { get; } = new("");

    /// <summary>The script exactly as ppp.conf's tokenizer gave it (blanks as written).</summary>
    [JsonIgnore]
    public string Raw { get; }

    /// <summary>The script with its words joined by single blanks: the same words as <see cref="Raw"/>.</summary>
    public string Text => string.Join(' ', Tokens.Select(PppTokenizer.QuoteForChat));

    /// <summary>The chat engine's words (expect, send, expect, ... and ABORT/TIMEOUT pairs).</summary>
    public IReadOnlyList<string> Tokens { get; }

    [JsonIgnore]
    public bool UnterminatedQuote { get; }

    public bool Equals(ChatScriptText? other) => other is not null && Tokens.SequenceEqual(other.Tokens);

    public override int GetHashCode() => Text.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => Text;
}

/// <summary>
/// <c>set phone</c>: numbers separated by <c>:</c> are tried in turn on successive attempts; within one, numbers
/// separated by <c>|</c> are alternatives tried only when the previous one's dial or login failed (ppp(8)).
/// </summary>
public sealed record PhoneList(string Text, IReadOnlyList<IReadOnlyList<string>> Sequence)
{
    public static PhoneList Empty { get; } = new("", []);

    public static PhoneList Parse(string text) =>
        new(text, text.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(group => (IReadOnlyList<string>)group.Split('|', StringSplitOptions.RemoveEmptyEntries))
            .Where(g => g.Count > 0)
            .ToList());

    public bool Equals(PhoneList? other) => other is not null && Text == other.Text;

    public override int GetHashCode() => Text.GetHashCode(StringComparison.Ordinal);
}

/// <summary>The kind of endpoint discriminator <c>set enddisc</c> asks for.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EndDiscKind>))]
public enum EndDiscKind
{
    Null,
    Label,
    IP,
    Mac,
    Magic,
    Psn,
}

/// <summary>
/// <c>set enddisc [label|IP|MAC|magic|psn value]</c>. <see cref="Value"/> is the bundle label for <c>label</c>
/// (ppp copies it when the command runs), the PSN for <c>psn</c>; IP and MAC are taken from the interface at run
/// time and magic is random, so those stay symbolic.
/// </summary>
public sealed record EndDiscSpec(EndDiscKind Kind, string? Value)
{
    public static EndDiscSpec None { get; } = new(EndDiscKind.Null, null);
}

/// <summary>
/// <c>set ifaddr [myaddr[/width] [hisaddr[/width]|range[,range...] [netmask [triggeraddr]]]]</c>, kept as written:
/// addresses may be placeholders (<c>REAL-LOCAL-IP</c>) that stay symbolic until run time.
/// </summary>
public sealed record IfAddrSpec(string Local, string? Remote, string? Netmask, string? Trigger)
{
    /// <summary>True when every address part is a literal IPv4 address (with optional /width, ranges, lists).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsLiteral => AddressSyntax.IsLiteral(Local) && (Remote is null || Remote.Split(',').All(r => r.Split('-').All(AddressSyntax.IsLiteral)));
}

/// <summary>
/// One route of <c>add</c>/<c>add!</c>. <see cref="Destination"/> is <c>default</c>, an address with optional
/// <c>/width</c> (or with <see cref="Netmask"/>), or one of MYADDR, HISADDR, DNS0, DNS1; <see cref="Gateway"/> an
/// address or HISADDR. Names (<c>RIP1</c>) stay symbolic until run time.
/// </summary>
public sealed record RouteSpec(string Destination, string? Netmask, string Gateway, bool Replace)
{
    public override string ToString() => $"{(Replace ? "add!" : "add")} {Destination}{(Netmask is null ? "" : " " + Netmask)} {Gateway}";
}

/// <summary>
/// FreeBSD ppp's <c>set reconnect timeout ntries</c>: after a connected line drops unexpectedly
/// (carrier loss, LQR failure), wait <see cref="Timeout"/> and dial again, at most <see cref="Tries"/>
/// times. <see cref="Timeout"/> null means the literal <c>random</c> (1 to 30 s). 
/// </summary>
/// <param name="Timeout">Pause before reconnecting; null = random.</param>
/// <param name="Tries">How many reconnects are allowed from the time the link is opened (not reset by a successful connection, as in ppp).</param>
public sealed record ReconnectSpec(TimeSpan? Timeout, int Tries)
{
    /// <summary>ppp's defaults: RECONNECT_TIMEOUT 3 s, no reconnects (datalink_Create).</summary>
    public static ReconnectSpec Default { get; } = new(TimeSpan.FromSeconds(3), 0);
}

/// <summary>Address syntax shared by routes and ifaddr.</summary>
public static class AddressSyntax
{
    /// <summary>The words ppp replaces with run-time addresses.</summary>
    public static readonly string[] Keywords = ["MYADDR", "HISADDR", "DNS0", "DNS1", "MYADDR6", "HISADDR6"];

    public static bool IsKeyword(string text) => Keywords.Contains(text, StringComparer.OrdinalIgnoreCase);

    /// <summary>A dotted IPv4 address with an optional /width (0..32).</summary>
    public static bool IsLiteral(string text)
    {
        var slash = text.IndexOf('/');
        var address = slash >= 0 ? text[..slash] : text;
        if (slash >= 0 && !(int.TryParse(text.AsSpan(slash + 1), out var width) && width is >= 0 and <= 32 && text[(slash + 1)..].All(char.IsAsciiDigit)))
            return false;
        return address.Count(c => c == '.') == 3 && IPAddress.TryParse(address, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
    }

    /// <summary>
    /// An address ppp would accept: a literal, a keyword (optionally /width), or a host name (letters, digits,
    /// '-', '.', as ppp's <c>GetIpAddr</c> allows) that stays symbolic; with an optional /width.
    /// </summary>
    public static bool IsAddressOrName(string text)
    {
        if (IsLiteral(text))
            return true;
        var slash = text.IndexOf('/');
        var name = slash >= 0 ? text[..slash] : text;
        if (slash >= 0 && !(int.TryParse(text.AsSpan(slash + 1), out var width) && width is >= 0 and <= 32 && text[(slash + 1)..].All(char.IsAsciiDigit)))
            return false;
        return name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_');
    }
}
