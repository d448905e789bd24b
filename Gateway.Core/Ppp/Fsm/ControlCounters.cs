namespace Gateway.Core.Ppp.Fsm;

/// <summary>
/// What a control protocol counted: every packet or option it dropped or refused, by reason.
/// Never reset by the protocol itself; the owner reads them for LQR InDiscards/InErrors and the dashboard.
/// </summary>
public sealed class ControlCounters
{
    public long PacketsReceived { get; internal set; }

    public long PacketsSent { get; internal set; }

    /// <summary>Shorter than 4 bytes, Length below 4 or beyond the data, malformed option lists in Ack/Nak/Reject, short Code-/Protocol-Rejects.</summary>
    public long MalformedPackets { get; internal set; }

    /// <summary>Packets whose Length was smaller than the bytes present (padding ignored, packet accepted).</summary>
    public long PaddedPackets { get; internal set; }

    /// <summary>Configure-Request options of Length 0, 1 or running past the packet.</summary>
    public long MalformedOptions { get; internal set; }

    /// <summary>Peer options answered with Configure-Reject (unknown, refused, wrong size, duplicated).</summary>
    public long RejectedOptions { get; internal set; }

    /// <summary>Peer options answered with Configure-Nak.</summary>
    public long NakedOptions { get; internal set; }

    /// <summary>Configure-Naks sent as Configure-Rejects because Max-Failure was reached.</summary>
    public long NaksConvertedToRejects { get; internal set; }

    /// <summary>Configure-Ack/Nak/Reject with an identifier other than our outstanding request's, or for a request already answered.</summary>
    public long UnexpectedIdentifiers { get; internal set; }

    /// <summary>Configure-Ack whose options differ from what we sent; Configure-Reject listing options we did not send or reordered; empty Nak or Reject.</summary>
    public long MismatchedReplies { get; internal set; }

    /// <summary>Unknown codes received (answered with Code-Reject where the state allows).</summary>
    public long UnknownCodes { get; internal set; }

    public long CodeRejectsReceived { get; internal set; }

    /// <summary>Events the RFC table has no entry for in the current state ("-"), e.g. a Configure-Request in Starting.</summary>
    public long IllegalEvents { get; internal set; }

    /// <summary>Replies cut (options left out, data truncated) to stay within the peer's MRU and our buffers.</summary>
    public long TruncatedReplies { get; internal set; }

    /// <summary>LCP: Echo-Requests or -Replies shorter than 8 bytes or with a wrong magic number.</summary>
    public long BadEchoes { get; internal set; }

    /// <summary>LCP: Echo/Discard/Protocol-Reject received outside Opened (silently discarded, RFC 1661 5.7, 5.8).</summary>
    public long DiscardedOutsideOpened { get; internal set; }

    /// <summary>LCP: peer's Configure-Request carried our own magic number.</summary>
    public long LoopbackSuspected { get; internal set; }

    public long ProtocolRejectsReceived { get; internal set; }

    public override string ToString() =>
        $"rx {PacketsReceived} tx {PacketsSent} malformed {MalformedPackets} bad-options {MalformedOptions} rejected {RejectedOptions} " +
        $"naked {NakedOptions} nak->rej {NaksConvertedToRejects} bad-id {UnexpectedIdentifiers} mismatched {MismatchedReplies} " +
        $"unknown-codes {UnknownCodes} code-rejects {CodeRejectsReceived} illegal {IllegalEvents} truncated {TruncatedReplies} " +
        $"bad-echoes {BadEchoes} loopback {LoopbackSuspected}";
}
