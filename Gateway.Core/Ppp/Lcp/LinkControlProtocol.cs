using System.Buffers.Binary;
using System.Security.Cryptography;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Multilink;

namespace Gateway.Core.Ppp.Lcp;

/// <summary>
/// The Link Control Protocol (RFC 1661, with RFC 1662 ACCM, RFC 1989 Quality-Protocol and RFC 1990 multilink options)
/// on the shared <see cref="ControlProtocol"/> engine. Also answers Echo-Requests, reports Echo-Replies,
/// Discard-Requests and Protocol-Rejects, and builds Echo-Requests and Protocol-Rejects for its owner.
/// </summary>
public sealed class LinkControlProtocol : ControlProtocol
{
    private const int MagicLength = 4; // RFC 1661 5.8
    private const int ProtocolFieldLength = 2; // RFC 1661 5.7
    private const byte ChapMd5Algorithm = 5; // RFC 1994 3

    private readonly Func<uint> magicSource;
    private readonly List<ControlOutput> deferred = [];
    private OptionValues want;
    private OptionValues acked;
    private OptionValues reviewing;
    private OptionValues peer;
    private uint reviewSeen;
    private int loopbackRounds;
    private bool peerRefusedAuthentication;

    /// <param name="magicSource">Source of magic numbers (never returning 0 is not required); defaults to a cryptographic RNG.</param>
    public LinkControlProtocol(LcpSettings? settings = null, FsmSettings? fsmSettings = null, Func<uint>? magicSource = null)
        : base(PppProtocol.Lcp, fsmSettings)
    {
        LcpSettings = settings ?? LcpSettings.Default;
        this.magicSource = magicSource ?? (() => BinaryPrimitives.ReadUInt32BigEndian(RandomNumberGenerator.GetBytes(4)));
    }

    public LcpSettings LcpSettings { get; }

    /// <summary>The agreed values; set at This-Layer-Up, null when LCP is not Opened.</summary>
    public LcpNegotiated? Negotiated { get; private set; }

    /// <summary>Our current magic number (0 when not negotiating one).</summary>
    public uint LocalMagic => Negotiated?.LocalMagic ?? want.Magic;

    /// <summary>
    /// An Echo-Request (RFC 1661 5.8) with our magic number and <paramref name="data"/>, cut to the peer's MRU.
    /// Null outside Opened, where the RFC forbids sending it. The caller sends the bytes under protocol LCP.
    /// </summary>
    public byte[]? BuildEchoRequest(byte identifier, ReadOnlySpan<byte> data) =>
        BuildMagicPacket(ControlCode.EchoRequest, identifier, data);

    /// <summary>A Discard-Request with our magic number, null outside Opened.</summary>
    public byte[]? BuildDiscardRequest(byte identifier, ReadOnlySpan<byte> data) =>
        BuildMagicPacket(ControlCode.DiscardRequest, identifier, data);

    /// <summary>
    /// A Protocol-Reject (RFC 1661 5.7) for a received packet of an unknown protocol, with a fresh identifier and the
    /// information cut to the peer's MRU. Null outside Opened (the RFC allows it only there).
    /// </summary>
    public byte[]? BuildProtocolReject(ushort protocol, ReadOnlySpan<byte> information)
    {
        if (State != FsmState.Opened)
            return null;
        var limit = ReplyLimit;
        var data = new byte[ProtocolFieldLength + Math.Min(information.Length, Math.Max(0, limit - ControlPacket.HeaderLength - ProtocolFieldLength))];
        if (data.Length - ProtocolFieldLength < information.Length)
            Counters.TruncatedReplies++;
        BinaryPrimitives.WriteUInt16BigEndian(data, protocol);
        information[..(data.Length - ProtocolFieldLength)].CopyTo(data.AsSpan(ProtocolFieldLength));
        Counters.PacketsSent++;
        return ControlPacket.Build(ControlCode.ProtocolReject, NextIdentifier(), data, limit);
    }

    private byte[]? BuildMagicPacket(ControlCode code, byte identifier, ReadOnlySpan<byte> data)
    {
        if (State != FsmState.Opened)
            return null;
        var body = new byte[MagicLength + Math.Min(data.Length, Math.Max(0, ReplyLimit - ControlPacket.HeaderLength - MagicLength))];
        BinaryPrimitives.WriteUInt32BigEndian(body, LocalMagic);
        data[..(body.Length - MagicLength)].CopyTo(body.AsSpan(MagicLength));
        Counters.PacketsSent++;
        return ControlPacket.Build(code, identifier, body);
    }

    // ---- our Configure-Request -------------------------------------------------------------------

    protected override void ResetNegotiation()
    {
        var s = LcpSettings;
        want = new OptionValues
        {
            Mru = Math.Max(s.Mru, LcpSettings.MinimumMru),
            Accm = s.Accm,
            Authentication = s.EnableChap ? LcpAuthentication.ChapMd5 : s.EnablePap ? LcpAuthentication.Pap : LcpAuthentication.None,
            LqrPeriod = s.EnableLqr ? s.LqrPeriod : null,
            Magic = s.EnableMagic ? NewMagic(0) : 0,
            Pfc = s.EnablePfc,
            Acfc = s.EnableAcfc,
            Mrru = s.Mrru is { } mrru ? Math.Max(mrru, LcpSettings.MinimumMru) : null,
            ShortSequence = s.Mrru is not null && s.EnableShortSequence,
            EndpointDiscriminator = s.EndpointDiscriminator,
        };
        acked = default;
        peer = default;
        loopbackRounds = 0;
        peerRefusedAuthentication = false;
    }

    protected override void WriteRequestOptions(OptionListBuilder options)
    {
        if (want.Mru is { } mru)
            options.TryAddUInt16((byte)LcpOptionType.MaximumReceiveUnit, mru);
        if (want.Accm is { } accm)
            options.TryAddUInt32((byte)LcpOptionType.AsyncControlCharacterMap, accm);
        switch (want.Authentication)
        {
            case LcpAuthentication.Pap:
                options.TryAddUInt16((byte)LcpOptionType.AuthenticationProtocol, (ushort)PppProtocol.Pap);
                break;
            case LcpAuthentication.ChapMd5:
                options.TryAdd((byte)LcpOptionType.AuthenticationProtocol, [0xC2, 0x23, ChapMd5Algorithm]);
                break;
        }
        if (want.LqrPeriod is { } period)
            options.TryAdd((byte)LcpOptionType.QualityProtocol, LqrOptionValue(period));
        if (want.Magic != 0)
            options.TryAddUInt32((byte)LcpOptionType.MagicNumber, want.Magic);
        if (want.Pfc)
            options.TryAdd((byte)LcpOptionType.ProtocolFieldCompression, []);
        if (want.Acfc)
            options.TryAdd((byte)LcpOptionType.AddressControlFieldCompression, []);
        if (want.Mrru is { } mrru2)
            options.TryAddUInt16((byte)LcpOptionType.MultilinkMrru, mrru2);
        if (want.ShortSequence)
            options.TryAdd((byte)LcpOptionType.ShortSequenceNumberHeaderFormat, []);
        if (want.EndpointDiscriminator is { } discriminator)
            options.TryAdd((byte)LcpOptionType.EndpointDiscriminator, EndpointDiscriminatorValue(discriminator));
    }

    protected override void ApplyAck() => acked = want;

    protected override void ApplyNak(byte type, ReadOnlySpan<byte> value)
    {
        switch ((LcpOptionType)type)
        {
            case LcpOptionType.MaximumReceiveUnit when value.Length == 2 && want.Mru is not null:
                // A proposal below our minimum is clamped, not applied; above our own MRU we keep ours.
                want.Mru = (ushort)Math.Clamp(BinaryPrimitives.ReadUInt16BigEndian(value), LcpSettings.MinimumMru, Math.Max(LcpSettings.Mru, LcpSettings.MinimumMru));
                break;
            case LcpOptionType.AsyncControlCharacterMap when value.Length == 4:
                // RFC 1662 7.1: escaping more is always safe.
                want.Accm = (want.Accm ?? 0) | BinaryPrimitives.ReadUInt32BigEndian(value);
                break;
            case LcpOptionType.AuthenticationProtocol when want.Authentication != LcpAuthentication.None:
                var proposed = ParseAuthentication(value);
                if (proposed == LcpAuthentication.Pap && LcpSettings.EnablePap)
                    want.Authentication = LcpAuthentication.Pap;
                else if (proposed == LcpAuthentication.ChapMd5 && LcpSettings.EnableChap)
                    want.Authentication = LcpAuthentication.ChapMd5;
                break;
            case LcpOptionType.QualityProtocol when want.LqrPeriod is not null && value.Length == 6
                && BinaryPrimitives.ReadUInt16BigEndian(value) == (ushort)PppProtocol.Lqr:
                want.LqrPeriod = BinaryPrimitives.ReadUInt32BigEndian(value[2..]);
                break;
            case LcpOptionType.MagicNumber when want.Magic != 0:
                // RFC 1661 6.4: on a Nak pick a new random number, not the one suggested.
                want.Magic = NewMagic(want.Magic);
                break;
            case LcpOptionType.MultilinkMrru when value.Length == 2 && want.Mrru is not null:
                var mrru = BinaryPrimitives.ReadUInt16BigEndian(value);
                if (mrru >= LcpSettings.MinimumMru)
                    want.Mrru = mrru;
                break;
        }
    }

    protected override void ApplyReject(byte type, ReadOnlySpan<byte> value)
    {
        switch ((LcpOptionType)type)
        {
            case LcpOptionType.MaximumReceiveUnit: want.Mru = null; break;
            case LcpOptionType.AsyncControlCharacterMap: want.Accm = null; break;
            case LcpOptionType.AuthenticationProtocol:
                want.Authentication = LcpAuthentication.None;
                peerRefusedAuthentication = true;
                break;
            case LcpOptionType.QualityProtocol: want.LqrPeriod = null; break;
            case LcpOptionType.MagicNumber: want.Magic = 0; break;
            case LcpOptionType.ProtocolFieldCompression: want.Pfc = false; break;
            case LcpOptionType.AddressControlFieldCompression: want.Acfc = false; break;
            case LcpOptionType.MultilinkMrru: want.Mrru = null; break;
            case LcpOptionType.ShortSequenceNumberHeaderFormat: want.ShortSequence = false; break;
            case LcpOptionType.EndpointDiscriminator: want.EndpointDiscriminator = null; break;
        }
    }

    // ---- the peer's Configure-Request ------------------------------------------------------------

    protected override void BeginReview()
    {
        reviewing = default;
        reviewSeen = 0;
    }

    protected override OptionVerdict ReviewOption(byte type, ReadOnlySpan<byte> value, Span<byte> nakValue, out int nakLength)
    {
        nakLength = 0;
        if (type < 32)
        {
            // A second copy of an option (two MRUs, PAP and CHAP together) is refused.
            var bit = 1u << type;
            if ((reviewSeen & bit) != 0)
                return OptionVerdict.Reject;
            reviewSeen |= bit;
        }

        var s = LcpSettings;
        switch ((LcpOptionType)type)
        {
            case LcpOptionType.MaximumReceiveUnit:
                return ReviewUnit(value, nakValue, out nakLength, ref reviewing.Mru);

            case LcpOptionType.AsyncControlCharacterMap:
                if (value.Length != 4)
                    return OptionVerdict.Reject;
                reviewing.Accm = BinaryPrimitives.ReadUInt32BigEndian(value);
                return OptionVerdict.Ack;

            case LcpOptionType.AuthenticationProtocol:
                if (value.Length < 2)
                    return OptionVerdict.Reject;
                var asked = ParseAuthentication(value);
                if ((asked == LcpAuthentication.Pap && s.AcceptPap) || (asked == LcpAuthentication.ChapMd5 && s.AcceptChap))
                {
                    reviewing.Authentication = asked;
                    return OptionVerdict.Ack;
                }
                if (s.AcceptChap)
                {
                    nakValue[0] = 0xC2;
                    nakValue[1] = 0x23;
                    nakValue[2] = ChapMd5Algorithm;
                    nakLength = 3;
                    return OptionVerdict.Nak;
                }
                return s.AcceptPap ? Nak(nakValue, out nakLength, (ushort)PppProtocol.Pap) : OptionVerdict.Reject;

            case LcpOptionType.QualityProtocol:
                if (value.Length < 2 || !s.AcceptLqr)
                    return OptionVerdict.Reject;
                if (value.Length == 6 && BinaryPrimitives.ReadUInt16BigEndian(value) == (ushort)PppProtocol.Lqr)
                {
                    reviewing.LqrPeriod = BinaryPrimitives.ReadUInt32BigEndian(value[2..]);
                    return OptionVerdict.Ack;
                }
                LqrOptionValue(s.LqrPeriod).CopyTo(nakValue);
                nakLength = 6;
                return OptionVerdict.Nak;

            case LcpOptionType.MagicNumber:
                if (value.Length != 4)
                    return OptionVerdict.Reject;
                var magic = BinaryPrimitives.ReadUInt32BigEndian(value);
                if (magic == 0)
                    return Nak(nakValue, out nakLength, NewMagic(want.Magic));
                if (magic == want.Magic)
                {
                    // RFC 1661 6.4: maybe a looped-back line. Both sides choose again; persisting means loop-back.
                    Counters.LoopbackSuspected++;
                    loopbackRounds++;
                    if (loopbackRounds == LcpSettings.LoopbackThreshold)
                        deferred.Add(new LoopbackDetected(magic, loopbackRounds));
                    want.Magic = NewMagic(magic);
                    return Nak(nakValue, out nakLength, NewMagic(want.Magic));
                }
                reviewing.Magic = magic;
                return OptionVerdict.Ack;

            case LcpOptionType.ProtocolFieldCompression:
                if (value.Length != 0 || !s.AcceptPfc)
                    return OptionVerdict.Reject;
                reviewing.Pfc = true;
                return OptionVerdict.Ack;

            case LcpOptionType.AddressControlFieldCompression:
                if (value.Length != 0 || !s.AcceptAcfc)
                    return OptionVerdict.Reject;
                reviewing.Acfc = true;
                return OptionVerdict.Ack;

            case LcpOptionType.MultilinkMrru:
                return s.Mrru is null ? OptionVerdict.Reject : ReviewUnit(value, nakValue, out nakLength, ref reviewing.Mrru);

            case LcpOptionType.ShortSequenceNumberHeaderFormat:
                if (value.Length != 0 || s.Mrru is null || !s.AcceptShortSequence)
                    return OptionVerdict.Reject;
                reviewing.ShortSequence = true;
                return OptionVerdict.Ack;

            case LcpOptionType.EndpointDiscriminator:
                if (value.Length < 1 || !EndpointDiscriminator.TryCreate(value[0], value[1..], out var discriminator, out _))
                    return OptionVerdict.Reject;
                reviewing.EndpointDiscriminator = discriminator;
                return OptionVerdict.Ack;

            default:
                return OptionVerdict.Reject;
        }
    }

    protected override void CommitReview()
    {
        peer = reviewing;
        loopbackRounds = 0;
    }

    protected override void OnLayerUp(List<ControlOutput> outputs)
    {
        Negotiated = new LcpNegotiated
        {
            PeerMru = peer.Mru ?? LcpSettings.DefaultMru,
            LocalMru = acked.Mru ?? LcpSettings.DefaultMru,
            SendAccm = peer.Accm ?? LcpSettings.DefaultAccm,
            ReceiveAccm = acked.Accm ?? LcpSettings.DefaultAccm,
            AuthenticateToPeer = peer.Authentication,
            AuthenticatePeer = acked.Authentication,
            PeerRefusedAuthentication = peerRefusedAuthentication,
            SendPfc = peer.Pfc,
            ReceivePfc = acked.Pfc,
            SendAcfc = peer.Acfc,
            ReceiveAcfc = acked.Acfc,
            LocalMagic = acked.Magic,
            PeerMagic = peer.Magic,
            PeerMrru = peer.Mrru,
            LocalMrru = acked.Mrru,
            SendShortSequence = peer.ShortSequence,
            ReceiveShortSequence = acked.ShortSequence,
            PeerEndpointDiscriminator = peer.EndpointDiscriminator,
            LocalEndpointDiscriminator = acked.EndpointDiscriminator,
            SendLqrPeriod = peer.LqrPeriod,
            ReceiveLqrPeriod = acked.LqrPeriod,
        };
        SetPeerMru(Negotiated.PeerMru);
    }

    protected override void OnLayerDown(List<ControlOutput> outputs)
    {
        Negotiated = null;
        SetPeerMru(DefaultMru);
    }

    protected override void AfterReceive(List<ControlOutput> outputs)
    {
        outputs.AddRange(deferred);
        deferred.Clear();
    }

    // ---- codes 8 to 13 ------------------------------------------------------------------------------

    protected override bool IsCodeRejectCatastrophic(byte code) =>
        base.IsCodeRejectCatastrophic(code) || code is (byte)ControlCode.ProtocolReject or (byte)ControlCode.EchoRequest or (byte)ControlCode.EchoReply;

    protected override bool HandleExtendedCode(ControlPacket packet, List<ControlOutput> outputs)
    {
        var data = packet.Data;
        switch ((ControlCode)packet.Code)
        {
            case ControlCode.ProtocolReject:
                if (!IsOpenedOrCounted())
                    return true;
                if (data.Length < ProtocolFieldLength)
                {
                    Counters.MalformedPackets++;
                    return true;
                }
                Counters.ProtocolRejectsReceived++;
                var rejected = (PppProtocol)BinaryPrimitives.ReadUInt16BigEndian(data);
                if (rejected == PppProtocol.Lcp)
                {
                    Execute(FsmEvent.ReceiveRejectCatastrophic, packet, outputs);
                }
                else
                {
                    outputs.Add(new ProtocolRejected(rejected));
                    Execute(FsmEvent.ReceiveRejectPermitted, packet, outputs);
                }
                return true;

            case ControlCode.EchoRequest:
                if (IsAcceptableEcho(data))
                    Execute(FsmEvent.ReceiveEchoOrDiscard, packet, outputs);
                return true;

            case ControlCode.EchoReply:
                if (IsAcceptableEcho(data))
                    outputs.Add(new EchoReplyReceived(packet.Identifier, BinaryPrimitives.ReadUInt32BigEndian(data), data[MagicLength..].ToArray()));
                return true;

            case ControlCode.DiscardRequest:
                if (IsAcceptableEcho(data))
                    outputs.Add(new DiscardRequestReceived(packet.Identifier, packet.Packet.Length));
                return true;

            case ControlCode.Identification:
            case ControlCode.TimeRemaining:
                // RFC 1570: informational; nothing to answer.
                return true;

            default:
                return false;
        }
    }

    /// <summary>
    /// RFC 1661 5.8: only in Opened; at least 8 bytes; the magic must be the peer's negotiated one (0 when none was
    /// negotiated). Our own magic means a looped line. Anything else is counted and gets no answer.
    /// </summary>
    private bool IsAcceptableEcho(ReadOnlySpan<byte> data)
    {
        if (!IsOpenedOrCounted())
            return false;
        if (data.Length < MagicLength)
        {
            Counters.BadEchoes++;
            return false;
        }
        var magic = BinaryPrimitives.ReadUInt32BigEndian(data);
        var expected = Negotiated?.PeerMagic ?? 0;
        if (magic != expected || (magic != 0 && magic == LocalMagic))
        {
            Counters.BadEchoes++;
            return false;
        }
        return true;
    }

    /// <summary>RFC 1661 5.7, 5.8: Protocol-Reject, Echo and Discard outside Opened are silently discarded (and counted).</summary>
    private bool IsOpenedOrCounted()
    {
        if (State == FsmState.Opened)
            return true;
        Counters.DiscardedOutsideOpened++;
        return false;
    }

    protected override byte[]? BuildEchoReply(ControlPacket request)
    {
        var limit = ReplyLimit;
        if (request.Packet.Length > limit)
            Counters.TruncatedReplies++;
        var reply = ControlPacket.Build(ControlCode.EchoReply, request.Identifier, request.Data, limit);
        BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(ControlPacket.HeaderLength), LocalMagic);
        return reply;
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private uint NewMagic(uint avoid)
    {
        for (var attempt = 0; attempt < 16; attempt++)
        {
            var magic = magicSource();
            if (magic != 0 && magic != avoid)
                return magic;
        }
        return avoid == 1 ? 2u : 1u;
    }

    /// <summary>MRU and MRRU (RFC 1661 6.1, RFC 1990 5.1.1): two bytes; below our minimum is Naked with the minimum.</summary>
    private static OptionVerdict ReviewUnit(ReadOnlySpan<byte> value, Span<byte> nakValue, out int nakLength, ref ushort? accepted)
    {
        nakLength = 0;
        if (value.Length != 2)
            return OptionVerdict.Reject;
        var unit = BinaryPrimitives.ReadUInt16BigEndian(value);
        if (unit < LcpSettings.MinimumMru)
            return Nak(nakValue, out nakLength, LcpSettings.MinimumMru);
        accepted = unit;
        return OptionVerdict.Ack;
    }

    private static OptionVerdict Nak(Span<byte> nakValue, out int nakLength, ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(nakValue, value);
        nakLength = 2;
        return OptionVerdict.Nak;
    }

    private static OptionVerdict Nak(Span<byte> nakValue, out int nakLength, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(nakValue, value);
        nakLength = 4;
        return OptionVerdict.Nak;
    }

    private static LcpAuthentication ParseAuthentication(ReadOnlySpan<byte> value)
    {
        if (value.Length < 2)
            return LcpAuthentication.None;
        return (PppProtocol)BinaryPrimitives.ReadUInt16BigEndian(value) switch
        {
            PppProtocol.Pap when value.Length == 2 => LcpAuthentication.Pap,
            PppProtocol.Chap when value.Length == 3 && value[2] == ChapMd5Algorithm => LcpAuthentication.ChapMd5,
            _ => LcpAuthentication.None,
        };
    }

    private static byte[] LqrOptionValue(uint period)
    {
        var value = new byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(value, (ushort)PppProtocol.Lqr);
        BinaryPrimitives.WriteUInt32BigEndian(value.AsSpan(2), period);
        return value;
    }

    private static byte[] EndpointDiscriminatorValue(EndpointDiscriminator discriminator)
    {
        var value = new byte[1 + discriminator.Address.Length];
        value[0] = (byte)discriminator.Class;
        discriminator.Address.CopyTo(value.AsSpan(1));
        return value;
    }

    /// <summary>One direction's option values: what we ask for (and, once Acked, what the peer agreed to), or what the peer asks for.</summary>
    private struct OptionValues
    {
        public ushort? Mru;
        public uint? Accm;
        public LcpAuthentication Authentication;
        public uint? LqrPeriod;
        public uint Magic;
        public bool Pfc;
        public bool Acfc;
        public ushort? Mrru;
        public bool ShortSequence;
        public EndpointDiscriminator? EndpointDiscriminator;
    }
}
