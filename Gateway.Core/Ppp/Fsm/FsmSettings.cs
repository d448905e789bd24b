namespace Gateway.Core.Ppp.Fsm;

/// <summary>
/// Automaton counters and timer (RFC 1661 section 4.6) and the size of our control-packet buffers.
/// FreeBSD ppp's <c>set lcpretry</c>/<c>set ipcpretry</c>/<c>set ipv6cpretry</c>/<c>set ccpretry</c> set the timer
/// and the two retry counts, per protocol (<see cref="Session.SessionSettings.LcpFsm"/> and the like); the defaults
/// here are the RFC's, and stay where no such line is written.
/// </summary>
public sealed record FsmSettings
{
    /// <summary>RFC 1661 4.6: the Restart timer, 3 seconds by default.</summary>
    public static readonly TimeSpan DefaultRestartTimer = TimeSpan.FromSeconds(3);

    /// <summary>RFC 1661 4.6: Max-Terminate, 2 by default.</summary>
    public const int DefaultMaxTerminate = 2;

    /// <summary>RFC 1661 4.6: Max-Configure, 10 by default.</summary>
    public const int DefaultMaxConfigure = 10;

    /// <summary>RFC 1661 4.6: Max-Failure, 5 by default.</summary>
    public const int DefaultMaxFailure = 5;

    /// <summary>Largest control packet we build or answer with, whatever MRU the peer announces (RFC 1661 6.1 default MRU).</summary>
    public const int DefaultMaxPacketSize = 1500;

    public static FsmSettings Default { get; } = new();

    public TimeSpan RestartTimer { get; init; } = DefaultRestartTimer;

    /// <summary>Terminate-Requests sent before giving up on a Terminate-Ack.</summary>
    public int MaxTerminate { get; init; } = DefaultMaxTerminate;

    /// <summary>Configure-Requests sent without an Ack before giving up (TO-).</summary>
    public int MaxConfigure { get; init; } = DefaultMaxConfigure;

    /// <summary>Configure-Naks sent without an Ack before Naks are turned into Configure-Rejects.</summary>
    public int MaxFailure { get; init; } = DefaultMaxFailure;

    /// <summary>Cap on every packet the engine builds (our own buffers); replies also stay within the peer's MRU.</summary>
    public int MaxPacketSize { get; init; } = DefaultMaxPacketSize;
}
