namespace Gateway.Core.Ppp;

/// <summary>Code field of LCP-like control packets (RFC 1661 section 5; NCPs use 1-7).</summary>
public enum ControlCode : byte
{
    ConfigureRequest = 1,
    ConfigureAck = 2,
    ConfigureNak = 3,
    ConfigureReject = 4,
    TerminateRequest = 5,
    TerminateAck = 6,
    CodeReject = 7,
    /// <summary>LCP only from here on.</summary>
    ProtocolReject = 8,
    EchoRequest = 9,
    EchoReply = 10,
    DiscardRequest = 11,
    /// <summary>RFC 1570.</summary>
    Identification = 12,
    /// <summary>RFC 1570.</summary>
    TimeRemaining = 13,
}
