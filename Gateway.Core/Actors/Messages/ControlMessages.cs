using Gateway.Core.Ppp.Multilink;

namespace Gateway.Core.Actors.Messages;

/// <summary>FreeBSD ppp's link commands, as pppctl sends them (<c>dial</c>, <c>close</c>, <c>down</c>).</summary>
public enum LinkCommandKind
{
    /// <summary>Bring the link up (dial it); a link already up or dialing is left alone.</summary>
    Dial,

    /// <summary>Graceful close: LCP Terminate, hang up, and stay down (no redial).</summary>
    Close,

    /// <summary>Abrupt: drop the line as if the carrier were lost (redial policy applies).</summary>
    Down,
}

/// <summary>
/// An operator's command for one ISP link by name (<c>isp1</c>), sent to the gateway actor, which answers
/// with a <see cref="LinkCommandResult"/>. The web layer (REST, SignalR, <c>gateway ctl</c>) only translates to this.
/// </summary>
public sealed record LinkCommand(string Link, LinkCommandKind Kind);

/// <summary>The answer to a <see cref="LinkCommand"/>: <paramref name="Found"/> is false for an unknown link name.</summary>
public sealed record LinkCommandResult(string Link, LinkCommandKind Kind, bool Found, string Message);

/// <summary>
/// An operator's command: member <paramref name="Member"/> (a sublink's name, <c>1</c>, <c>2</c>...) of bundle
/// <paramref name="Bundle"/> becomes a backup or a primary of some priority. Sent to the gateway actor, which answers
/// with a <see cref="MemberPolicyResult"/>.
/// </summary>
public sealed record MemberPolicyCommand(string Bundle, string Member, MemberPolicy Policy);

/// <summary>The answer to a <see cref="MemberPolicyCommand"/>: <paramref name="Found"/> is false for an unknown bundle or member.</summary>
public sealed record MemberPolicyResult(string Bundle, string Member, bool Found, string Message);
