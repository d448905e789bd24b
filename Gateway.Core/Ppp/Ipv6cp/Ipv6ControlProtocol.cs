using System.Buffers.Binary;
using Gateway.Core.Ppp.Fsm;

namespace Gateway.Core.Ppp.Ipv6cp;

/// <summary>
/// The IPv6 Control Protocol (RFC 5072) on the shared <see cref="ControlProtocol"/> engine, as FreeBSD ppp's
/// ipv6cp.c runs it: each end proposes a random non-zero Interface-Identifier for its own link-local address; one
/// that is zero or equal to ours is Naked with another random one; a Nak suggesting an identifier for us is taken
/// unless it is zero or the peer's own. IPv6-Compression-Protocol is Configure-Rejected.
/// </summary>
public sealed class Ipv6ControlProtocol : ControlProtocol
{
    private const int IdentifierLength = 8; // RFC 5072 4.1

    private readonly Ipv6cpSettings settings;
    private ulong local;
    private bool sendIdentifier;
    private ulong peer;
    private ulong reviewingPeer;
    private bool reviewSeen;
    // RFC 5072 4.1: a request without an Interface-Identifier is Naked once with one suggested for the peer
    private bool peerIdentifierHinted;

    public Ipv6ControlProtocol(Ipv6cpSettings? settings = null, FsmSettings? fsmSettings = null)
        : base(PppProtocol.Ipv6cp, fsmSettings)
    {
        this.settings = settings ?? Ipv6cpSettings.Default;
        sendIdentifier = true; // our identifier is drawn when a negotiation starts (ResetNegotiation)
    }

    /// <summary>Both interface identifiers; set at This-Layer-Up, null when IPV6CP is not Opened.</summary>
    public Ipv6cpNegotiated? Negotiated { get; private set; }

    protected override void ResetNegotiation()
    {
        local = settings.InterfaceIdentifier is { } fixedId and not 0 ? fixedId : DrawIdentifier(avoid: 0);
        sendIdentifier = true;
        peer = 0;
        peerIdentifierHinted = false;
    }

    protected override void WriteRequestOptions(OptionListBuilder options)
    {
        if (!sendIdentifier)
            return;
        Span<byte> value = stackalloc byte[IdentifierLength];
        BinaryPrimitives.WriteUInt64BigEndian(value, local);
        options.TryAdd((byte)Ipv6cpOptionType.InterfaceIdentifier, value);
    }

    protected override void ApplyAck()
    {
    }

    protected override void ApplyNak(byte type, ReadOnlySpan<byte> value)
    {
        if ((Ipv6cpOptionType)type != Ipv6cpOptionType.InterfaceIdentifier || value.Length != IdentifierLength || !sendIdentifier)
            return;
        ulong suggested = BinaryPrimitives.ReadUInt64BigEndian(value);
        local = suggested != 0 && suggested != peer ? suggested : DrawIdentifier(avoid: peer);
    }

    protected override void ApplyReject(byte type, ReadOnlySpan<byte> value)
    {
        if ((Ipv6cpOptionType)type == Ipv6cpOptionType.InterfaceIdentifier)
            sendIdentifier = false;
    }

    protected override void BeginReview()
    {
        reviewingPeer = 0;
        reviewSeen = false;
    }

    protected override OptionVerdict ReviewOption(byte type, ReadOnlySpan<byte> value, Span<byte> nakValue, out int nakLength)
    {
        nakLength = 0;
        if ((Ipv6cpOptionType)type != Ipv6cpOptionType.InterfaceIdentifier || value.Length != IdentifierLength || reviewSeen)
            return OptionVerdict.Reject;
        reviewSeen = true;
        ulong asked = BinaryPrimitives.ReadUInt64BigEndian(value);
        if (asked == 0 || asked == local)
        {
            // RFC 5072 4.1: zero, or ours: suggest another, non-zero and different from ours
            BinaryPrimitives.WriteUInt64BigEndian(nakValue, DrawIdentifier(avoid: local));
            nakLength = IdentifierLength;
            return OptionVerdict.Nak;
        }
        reviewingPeer = asked;
        return OptionVerdict.Ack;
    }

    protected override void AddRequestHints(OptionListBuilder naks)
    {
        if (reviewSeen || peerIdentifierHinted)
            return;
        Span<byte> value = stackalloc byte[IdentifierLength];
        BinaryPrimitives.WriteUInt64BigEndian(value, DrawIdentifier(avoid: local));
        if (naks.TryAdd((byte)Ipv6cpOptionType.InterfaceIdentifier, value))
            peerIdentifierHinted = true;
    }

    protected override void CommitReview() => peer = reviewingPeer;

    protected override void OnLayerUp(List<ControlOutput> outputs) => Negotiated = new Ipv6cpNegotiated(local, peer);

    protected override void OnLayerDown(List<ControlOutput> outputs) => Negotiated = null;

    /// <summary>A random identifier that is neither zero nor <paramref name="avoid"/>.</summary>
    private ulong DrawIdentifier(ulong avoid)
    {
        for (int attempt = 0; attempt < 16; attempt++)
        {
            ulong candidate = settings.RandomIdentifier();
            if (candidate != 0 && candidate != avoid)
                return candidate;
        }
        // a source that keeps repeating itself (a test's fixed one): step away from what must be avoided
        ulong fallback = settings.RandomIdentifier() + 1;
        return fallback == 0 || fallback == avoid ? fallback + 2 : fallback;
    }
}
