using Gateway.Core.Modem.Redial;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Session;

namespace Gateway.Core.Modem;

/// <summary>The phases of a datalink, as FreeBSD ppp's datalink.c names them (<c>show links</c> prints them).</summary>
public enum DataLinkPhase : byte
{
    /// <summary>Down and staying down until the next dial (<c>close</c>, <c>down</c>, or the redial policy gave up).</summary>
    Closed,

    /// <summary>Opening the device, or waiting for the redial timer before the next attempt.</summary>
    Opening,

    /// <summary>Hanging up (DTR, or <c>+++</c> and <c>ATH</c>) before the next attempt or the close.</summary>
    Hangup,

    /// <summary>Running the <c>set dial</c> chat script.</summary>
    Dial,

    /// <summary>The dial script connected; waiting for the carrier (none to wait for without modem status lines).</summary>
    Carrier,

    /// <summary>Running the <c>set login</c> chat script.</summary>
    Login,

    /// <summary>The line is up; LCP is about to start.</summary>
    Ready,

    /// <summary>LCP is negotiating.</summary>
    Lcp,

    /// <summary>LCP is up; authentication (PAP or CHAP, either way) runs.</summary>
    Auth,

    /// <summary>Authenticated: the link's network layer (IPCP) runs, and once it is up the link carries IP.</summary>
    Open,
}

/// <summary>What happens to a datalink: commands, timers, the line and its PPP session.</summary>
public abstract record DataLinkEvent
{
    /// <summary><c>dial</c>: open the link (no-op while it is open; deferred while a close is under way).</summary>
    public sealed record Dial : DataLinkEvent;

    /// <summary><c>close</c> (<paramref name="Graceful"/>: LCP Terminate first) or <c>down</c> (at once): either way it stays down.</summary>
    public sealed record Close(bool Graceful) : DataLinkEvent;

    /// <summary>The redial timer set by <see cref="DataLinkAction.StartRedialTimer"/> fired.</summary>
    public sealed record RedialDue(RedialDecision Decision) : DataLinkEvent;

    /// <summary>The device the link asked for (<see cref="DataLinkAction.OpenDevice"/>) is open.</summary>
    public sealed record DeviceOpened(string Device) : DataLinkEvent;

    /// <summary>Bytes from the line while a chat script runs.</summary>
    public sealed record LineData(ReadOnlyMemory<byte> Bytes) : DataLinkEvent;

    /// <summary>The chat timer set by <see cref="DataLinkAction.SetChatTimer"/> fired.</summary>
    public sealed record ChatTimerExpired : DataLinkEvent;

    /// <summary>The line's lower layer is gone while PPP runs: carrier lost, or the keepalive gave up.</summary>
    public sealed record LineLost(string Reason) : DataLinkEvent;

    /// <summary>An event of the link's PPP session.</summary>
    public sealed record SessionChanged(SessionEvent Event) : DataLinkEvent;

    /// <summary>The hang-up asked for (<see cref="DataLinkAction.HangUp"/>) is done.</summary>
    public sealed record HangupDone : DataLinkEvent;
}

/// <summary>What a datalink asks its owner to do, in order.</summary>
public abstract record DataLinkAction
{
    /// <summary>Open the first free device of <c>set device</c> (a failure is a device error, for the supervisor) and report <see cref="DataLinkEvent.DeviceOpened"/>.</summary>
    public sealed record OpenDevice : DataLinkAction;

    /// <summary>Write to the line (chat output: may hold the authkey, never log it).</summary>
    public sealed record Write(ReadOnlyMemory<byte> Bytes) : DataLinkAction;

    /// <summary>Arm the chat timer to fire <paramref name="After"/> from now; null: stop it.</summary>
    public sealed record SetChatTimer(TimeSpan? After) : DataLinkAction;

    /// <summary>Start a PPP session on the line; feed it <paramref name="Leftover"/> (bytes after the chat's last match) first.</summary>
    public sealed record StartSession(ReadOnlyMemory<byte> Leftover) : DataLinkAction;

    /// <summary>The session says goodbye (LCP Terminate-Request); its <see cref="Ppp.Session.LinkDown"/> follows.</summary>
    public sealed record CloseSession(string Reason) : DataLinkAction;

    /// <summary>The session goes down at once (the lower layer is gone) and is let go.</summary>
    public sealed record DropSession(string Reason) : DataLinkAction;

    /// <summary>Hang the line up (DTR or <c>+++ATH</c>), then report <see cref="DataLinkEvent.HangupDone"/>; the line stays open.</summary>
    public sealed record HangUp : DataLinkAction;

    /// <summary>Close the device.</summary>
    public sealed record CloseDevice : DataLinkAction;

    /// <summary>Arm the redial timer: <see cref="DataLinkEvent.RedialDue"/> after <see cref="RedialDecision.Delay"/>.</summary>
    public sealed record StartRedialTimer(RedialDecision Decision) : DataLinkAction;

    public sealed record CancelRedialTimer : DataLinkAction;

    /// <summary>A dial attempt starts (FreeBSD logs "Dial attempt N of M").</summary>
    public sealed record DialAttempted(RedialDecision Decision) : DataLinkAction;

    /// <summary>The link carries IP: IPCP is up.</summary>
    public sealed record Up(IpcpNegotiated Addresses) : DataLinkAction;

    /// <summary>The link that was up is not any more.</summary>
    public sealed record Down(string Reason) : DataLinkAction;

    /// <summary>The redial policy gave up; the link is closed.</summary>
    public sealed record GaveUp(string Reason) : DataLinkAction;

    /// <summary>The link's state as the dashboard shows it changed (every step is reported, also those a single event passes through).</summary>
    public sealed record StateChanged(Status.IspLinkState State) : DataLinkAction;

    /// <summary>
    /// A line for the log (<paramref name="Warning"/>: at Warning, else Information). <paramref name="Transcript"/>:
    /// a step-by-step line (a phase change, a chat send or expect) that only the host's log keeps; the others (dial
    /// attempts, chat results such as BUSY or NO CARRIER, redial waits, keepalive failures, up and down) also go to
    /// the dashboard's event log.
    /// </summary>
    public sealed record Log(string Message, bool Warning = false, bool Transcript = false) : DataLinkAction;
}
