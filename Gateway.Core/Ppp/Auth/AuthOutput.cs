namespace Gateway.Core.Ppp.Auth;

/// <summary>What an authentication role asks of its single timer.</summary>
public enum TimerAction : byte
{
    /// <summary>Leave the timer as it is.</summary>
    None,
    /// <summary>(Re)start the timer with <see cref="TimerCommand.Interval"/>, replacing any running one.</summary>
    Start,
    /// <summary>Stop the timer; a <c>TimerExpired</c> already in flight is ignored by the role.</summary>
    Stop,
}

public readonly record struct TimerCommand(TimerAction Action, TimeSpan Interval)
{
    public static TimerCommand None => default;

    public static TimerCommand Stop => new(TimerAction.Stop, TimeSpan.Zero);

    public static TimerCommand Start(TimeSpan interval) => new(TimerAction.Start, interval);
}

/// <summary>Why authentication failed, for code; <see cref="AuthResult.Failed.Reason"/> says it for people.</summary>
public enum AuthFailure : byte
{
    /// <summary>Authenticator: the peer's name has no secret.</summary>
    UnknownPeer,
    /// <summary>Authenticator: wrong PAP password or wrong CHAP response.</summary>
    WrongSecret,
    /// <summary>Authenticator: a CHAP Response with Value-Size 0.</summary>
    EmptyResponse,
    /// <summary>Authenticator: the peer answered a periodic re-challenge under another name.</summary>
    PeerNameChanged,
    /// <summary>Peer: the authenticator sent Authenticate-Nak or Failure.</summary>
    RefusedByAuthenticator,
    /// <summary>Either role: the other side stayed silent until the retries or the wait ran out.</summary>
    Timeout,
}

/// <summary>The decision of an authentication role; reasons never contain a secret.</summary>
public abstract record AuthResult
{
    private AuthResult()
    {
    }

    /// <param name="PeerName">Authenticator role: the name the peer authenticated with (as sent, before any
    /// <c>DOMAIN\</c> fallback). Peer role: the authenticator's CHAP name, or empty for PAP.</param>
    /// <param name="Message">The text of our Ack/Success (authenticator) or of theirs (peer).</param>
    public sealed record Succeeded(string PeerName, string Message) : AuthResult;

    /// <param name="Reason">Names the protocol, the peer and the cause, e.g.
    /// "CHAP authentication failed: peer 'bob' sent a wrong response".</param>
    public sealed record Failed(AuthFailure Failure, string Reason) : AuthResult;
}

/// <summary>
/// The outputs of one event: at most one packet to send (Code, Identifier, Length, Data: the caller
/// frames it with the role's <see cref="IAuthRole.Protocol"/>), a timer command, and the decision when
/// one was just made. Each packet is a fresh array the caller may keep.
/// </summary>
public sealed record AuthOutput(byte[]? Packet, TimerCommand Timer, AuthResult? Result)
{
    public static AuthOutput Nothing { get; } = new(null, TimerCommand.None, null);
}

/// <summary>Packets a role received and could not use. Every packet lands in at most one of the drop
/// counters; <see cref="Dropped"/> is their sum.</summary>
public sealed class AuthCounters
{
    /// <summary>Header Length under 4 or beyond the bytes received, or a field running past the Length;
    /// also a CHAP Response with Value-Size 0 (which is answered with Failure, not dropped).</summary>
    public long Malformed { get; internal set; }

    /// <summary>A Code the protocol does not define (silently discarded: PAP and CHAP have no Code-Reject).</summary>
    public long UnknownCode { get; internal set; }

    /// <summary>A reply whose Identifier matches no request of ours that is still open.</summary>
    public long StaleIdentifier { get; internal set; }

    /// <summary>A packet meant for the other role, one before <c>Start</c>, or a Success/Failure/Ack/Nak before we asked.</summary>
    public long Unexpected { get; internal set; }

    /// <summary>A repeated request or reply answered with (or ignored in favour of) the decision already made; not a drop.</summary>
    public long Repeated { get; internal set; }

    /// <summary>Packets discarded without any effect.</summary>
    public long Dropped { get; internal set; }
}

/// <summary>Where a role is in its conversation.</summary>
public enum AuthState : byte
{
    /// <summary>Not started: packets are dropped as unexpected.</summary>
    Initial,
    /// <summary>Started, no decision yet.</summary>
    Running,
    /// <summary>Authenticated (a CHAP re-challenge in progress keeps this state until it fails).</summary>
    Succeeded,
    /// <summary>Final: the link should be closed with the reason given.</summary>
    Failed,
}

/// <summary>
/// One side of PAP or CHAP as a pure state machine. The caller starts it when the link enters the
/// Authenticate phase, feeds it the packets of its protocol (the bytes after the PPP protocol field)
/// and the expiry of the timer it asked for, and carries out the outputs.
/// </summary>
public interface IAuthRole
{
    /// <summary><see cref="PppProtocol.Pap"/> or <see cref="PppProtocol.Chap"/>: the protocol to frame packets with.</summary>
    PppProtocol Protocol { get; }

    AuthState State { get; }

    AuthCounters Counters { get; }

    /// <summary>Begins (or begins again, from scratch) the conversation.</summary>
    AuthOutput Start();

    /// <summary>One packet of <see cref="Protocol"/>: Code, Identifier, Length, Data, and perhaps padding. Never throws.</summary>
    AuthOutput Receive(ReadOnlySpan<byte> packet);

    /// <summary>The timer last started has expired. Ignored when no timer is running.</summary>
    AuthOutput TimerExpired();
}
