using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Multilink;

namespace Gateway.Core.Ppp.Lcp;

/// <summary>LCP Configuration Option types (RFC 1661 6, RFC 1990 5.1).</summary>
public enum LcpOptionType : byte
{
    /// <summary>RFC 1661 6.1.</summary>
    MaximumReceiveUnit = 1,
    /// <summary>RFC 1662 7.1.</summary>
    AsyncControlCharacterMap = 2,
    /// <summary>RFC 1661 6.2.</summary>
    AuthenticationProtocol = 3,
    /// <summary>RFC 1661 6.3, RFC 1989 2.</summary>
    QualityProtocol = 4,
    /// <summary>RFC 1661 6.4.</summary>
    MagicNumber = 5,
    /// <summary>RFC 1661 6.5.</summary>
    ProtocolFieldCompression = 7,
    /// <summary>RFC 1661 6.6.</summary>
    AddressControlFieldCompression = 8,
    /// <summary>RFC 1990 5.1.1.</summary>
    MultilinkMrru = 17,
    /// <summary>RFC 1990 5.1.2.</summary>
    ShortSequenceNumberHeaderFormat = 18,
    /// <summary>RFC 1990 5.1.3.</summary>
    EndpointDiscriminator = 19,
}

/// <summary>An authentication protocol as LCP negotiates it (RFC 1661 6.2, RFC 1994 3: CHAP algorithm 5 = MD5).</summary>
public enum LcpAuthentication : byte
{
    None,
    Pap,
    ChapMd5,
}

/// <summary>
/// LCP settings in FreeBSD ppp's terms: <c>enable</c> = we ask for the option, <c>accept</c> = we agree when the
/// peer asks (<c>disable</c>/<c>deny</c> = false). Defaults are FreeBSD ppp's.
/// </summary>
public sealed record LcpSettings
{
    /// <summary>Smallest MRU we accept from the peer or let it impose on us (a Nak proposing less is clamped).</summary>
    public const ushort MinimumMru = 64;

    /// <summary>RFC 1661 6.1 default MRU.</summary>
    public const ushort DefaultMru = 1500;

    /// <summary>RFC 1662 7.1: every control character escaped until an ACCM is negotiated.</summary>
    public const uint DefaultAccm = 0xFFFFFFFF;

    public static LcpSettings Default { get; } = new();

    /// <summary>Our MRU (<c>set mru</c>), always requested as FreeBSD does.</summary>
    public ushort Mru { get; init; } = DefaultMru;

    /// <summary>Our receive ACCM (<c>set accmap</c>, default 0); null = do not send the option (sync links).</summary>
    public uint? Accm { get; init; } = 0;

    /// <summary><c>enable pap</c>: we require the peer to authenticate with PAP (CHAP preferred when both).</summary>
    public bool EnablePap { get; init; }

    /// <summary><c>enable chap</c>: we require the peer to authenticate with CHAP-MD5.</summary>
    public bool EnableChap { get; init; }

    /// <summary><c>accept pap</c>: we authenticate ourselves with PAP when the peer asks (default accepted).</summary>
    public bool AcceptPap { get; init; } = true;

    /// <summary><c>accept chap</c>: we authenticate ourselves with CHAP-MD5 when the peer asks (default accepted; preferred over PAP in a Nak).</summary>
    public bool AcceptChap { get; init; } = true;

    /// <summary><c>enable lqr</c>: we ask the peer to send LQRs (default disabled).</summary>
    public bool EnableLqr { get; init; }

    /// <summary><c>accept lqr</c> (default accepted).</summary>
    public bool AcceptLqr { get; init; } = true;

    /// <summary>LQR reporting period in hundredths of a second (RFC 1989 2; <c>set lqrperiod</c> 30 s by default).</summary>
    public uint LqrPeriod { get; init; } = 3000;

    /// <summary><c>enable protocomp</c> (default enabled).</summary>
    public bool EnablePfc { get; init; } = true;

    /// <summary><c>accept protocomp</c> (default accepted).</summary>
    public bool AcceptPfc { get; init; } = true;

    /// <summary><c>enable acfcomp</c> (default enabled).</summary>
    public bool EnableAcfc { get; init; } = true;

    /// <summary><c>accept acfcomp</c> (default accepted).</summary>
    public bool AcceptAcfc { get; init; } = true;

    /// <summary><c>set mrru</c>: null = no multilink (we neither send nor accept MRRU and short sequence numbers).</summary>
    public ushort? Mrru { get; init; }

    /// <summary><c>enable shortseq</c> (default enabled; only with multilink).</summary>
    public bool EnableShortSequence { get; init; } = true;

    /// <summary><c>accept shortseq</c> (default accepted; only with multilink).</summary>
    public bool AcceptShortSequence { get; init; } = true;

    /// <summary><c>set enddisc</c>: what we send; null = no Endpoint-Discriminator option.</summary>
    public EndpointDiscriminator? EndpointDiscriminator { get; init; }

    /// <summary>Send a Magic-Number (FreeBSD always does on a physical link).</summary>
    public bool EnableMagic { get; init; } = true;

    /// <summary>Consecutive Configure-Requests carrying our own magic number before loop-back is reported.</summary>
    public int LoopbackThreshold { get; init; } = 5;
}

/// <summary>What LCP agreed, read at This-Layer-Up. "Send" is what we transmit, "Receive" what the peer transmits to us.</summary>
public sealed record LcpNegotiated
{
    /// <summary>The peer's MRU: the largest packet we may send.</summary>
    public ushort PeerMru { get; init; } = LcpSettings.DefaultMru;

    /// <summary>Our MRU as the peer acknowledged it.</summary>
    public ushort LocalMru { get; init; } = LcpSettings.DefaultMru;

    /// <summary>Characters we must escape when sending (the peer's ACCM).</summary>
    public uint SendAccm { get; init; } = LcpSettings.DefaultAccm;

    /// <summary>Characters the peer escapes for us (our ACCM as acknowledged).</summary>
    public uint ReceiveAccm { get; init; } = LcpSettings.DefaultAccm;

    /// <summary>The protocol we must authenticate ourselves with (the peer's request).</summary>
    public LcpAuthentication AuthenticateToPeer { get; init; }

    /// <summary>The protocol the peer must authenticate with (our request, acknowledged).</summary>
    public LcpAuthentication AuthenticatePeer { get; init; }

    /// <summary>We asked for authentication and the peer Configure-Rejected it: the session must not go on (RFC 1661 3.5).</summary>
    public bool PeerRefusedAuthentication { get; init; }

    public bool SendPfc { get; init; }

    public bool ReceivePfc { get; init; }

    public bool SendAcfc { get; init; }

    public bool ReceiveAcfc { get; init; }

    /// <summary>Our magic number (0 = not negotiated).</summary>
    public uint LocalMagic { get; init; }

    /// <summary>The peer's magic number (0 = not negotiated).</summary>
    public uint PeerMagic { get; init; }

    /// <summary>The peer's MRRU (null = the peer did not ask for multilink).</summary>
    public ushort? PeerMrru { get; init; }

    /// <summary>Our MRRU as acknowledged (null = not negotiated).</summary>
    public ushort? LocalMrru { get; init; }

    /// <summary>The peer asked for 12-bit sequence numbers: we send short MP headers.</summary>
    public bool SendShortSequence { get; init; }

    /// <summary>We asked for 12-bit sequence numbers and the peer agreed: it sends short MP headers.</summary>
    public bool ReceiveShortSequence { get; init; }

    public EndpointDiscriminator? PeerEndpointDiscriminator { get; init; }

    public EndpointDiscriminator? LocalEndpointDiscriminator { get; init; }

    /// <summary>The peer asked for LQRs: we send them at most this often (hundredths of a second; null = no LQR from us).</summary>
    public uint? SendLqrPeriod { get; init; }

    /// <summary>We asked for LQRs and the peer agreed: it sends them at most this often (hundredths of a second).</summary>
    public uint? ReceiveLqrPeriod { get; init; }

    /// <summary>Multilink was negotiated in both directions (RFC 1990 5.1.1).</summary>
    public bool Multilink => PeerMrru is not null && LocalMrru is not null;
}

/// <summary>An Echo-Reply arrived in Opened with the peer's magic number (for the keepalive).</summary>
public sealed record EchoReplyReceived(byte Identifier, uint Magic, byte[] Data) : ControlOutput;

/// <summary>A Discard-Request arrived in Opened.</summary>
public sealed record DiscardRequestReceived(byte Identifier, int Length) : ControlOutput;

/// <summary>The peer Protocol-Rejected <paramref name="Protocol"/> (not LCP): stop that NCP (RFC 1661 5.7).</summary>
public sealed record ProtocolRejected(PppProtocol Protocol) : ControlOutput;

/// <summary>The peer kept sending our own magic number: the line is looped back (RFC 1661 6.4).</summary>
public sealed record LoopbackDetected(uint Magic, int Rounds) : ControlOutput;
