using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Gateway.Core.Ppp.Fsm;

namespace Gateway.Core.Ppp.Ipcp;

/// <summary>
/// The IP Control Protocol (RFC 1332) with the RFC 1877 DNS options, on the shared <see cref="ControlProtocol"/> engine.
/// Van Jacobson compression and the NBNS options are always Configure-Rejected.
/// </summary>
public sealed class IpControlProtocol : ControlProtocol
{
    private const int AddressLength = 4; // RFC 1332 3.3

    private readonly uint configuredLocal;
    private readonly uint localMask;
    private readonly uint? configuredPeer;
    private readonly uint peerMask;
    private readonly uint? primaryDns;
    private readonly uint? secondaryDns;
    private Wants want;
    private Wants acked;
    private uint? reviewingPeerAddress;
    private uint? peerAddress;
    private uint reviewSeen;
    // RFC 1332 3.3: a request without IP-Address is Naked once with HISADDR (as FreeBSD ppp does), then Acked
    private bool peerAddressHinted;

    public IpControlProtocol(IpcpSettings? settings = null, FsmSettings? fsmSettings = null)
        : base(PppProtocol.Ipcp, fsmSettings)
    {
        IpcpSettings = settings ?? IpcpSettings.Default;
        configuredLocal = ToUInt32(IpcpSettings.LocalAddress) ?? 0;
        localMask = Mask(IpcpSettings.LocalPrefixLength ?? (configuredLocal == 0 ? 0 : 32));
        configuredPeer = ToUInt32(IpcpSettings.PeerAddress) is { } peer and not 0 ? peer : null;
        peerMask = Mask(IpcpSettings.PeerPrefixLength ?? 32);
        primaryDns = ToUInt32(IpcpSettings.PrimaryDns);
        secondaryDns = ToUInt32(IpcpSettings.SecondaryDns);
        ResetNegotiation();
    }

    public IpcpSettings IpcpSettings { get; }

    /// <summary>
    /// MYADDR, HISADDR and DNS; set at This-Layer-Up, null when IPCP is not Opened. HISADDR is the address the peer
    /// asked for and we Acked, else our configured one; when the peer never named one and we have none to give,
    /// <see cref="IpcpNegotiated.PeerAddressKnown"/> is false.
    /// </summary>
    public IpcpNegotiated? Negotiated { get; private set; }

    protected override void ResetNegotiation()
    {
        want = new Wants
        {
            SendAddress = true,
            Local = configuredLocal,
            SendDns = IpcpSettings.RequestDns,
        };
        acked = default;
        peerAddress = null;
        peerAddressHinted = false;
    }

    protected override void WriteRequestOptions(OptionListBuilder options)
    {
        if (want.SendAddress)
            options.TryAddUInt32((byte)IpcpOptionType.IpAddress, want.Local);
        if (want.SendDns)
        {
            options.TryAddUInt32((byte)IpcpOptionType.PrimaryDns, want.PrimaryDns);
            options.TryAddUInt32((byte)IpcpOptionType.SecondaryDns, want.SecondaryDns);
        }
    }

    protected override void ApplyAck() => acked = want;

    protected override void ApplyNak(byte type, ReadOnlySpan<byte> value)
    {
        if (value.Length != AddressLength)
            return;
        var address = BinaryPrimitives.ReadUInt32BigEndian(value);
        switch ((IpcpOptionType)type)
        {
            // RFC 1332 3.3: asking with 0.0.0.0 means "assign me one"; a suggestion outside myaddr/nn is not taken.
            case IpcpOptionType.IpAddress when want.SendAddress && address != 0 && InRange(address, configuredLocal, localMask):
                want.Local = address;
                break;
            case IpcpOptionType.PrimaryDns when want.SendDns:
                want.PrimaryDns = address;
                break;
            case IpcpOptionType.SecondaryDns when want.SendDns:
                want.SecondaryDns = address;
                break;
        }
    }

    protected override void ApplyReject(byte type, ReadOnlySpan<byte> value)
    {
        switch ((IpcpOptionType)type)
        {
            case IpcpOptionType.IpAddress:
                want.SendAddress = false;
                break;
            case IpcpOptionType.PrimaryDns:
            case IpcpOptionType.SecondaryDns:
                want.SendDns = false;
                break;
        }
    }

    protected override void BeginReview()
    {
        reviewingPeerAddress = null;
        reviewSeen = 0;
    }

    protected override OptionVerdict ReviewOption(byte type, ReadOnlySpan<byte> value, Span<byte> nakValue, out int nakLength)
    {
        nakLength = 0;
        var kind = (IpcpOptionType)type;
        if (kind is not (IpcpOptionType.IpAddress or IpcpOptionType.PrimaryDns or IpcpOptionType.SecondaryDns) || value.Length != AddressLength)
            return OptionVerdict.Reject;
        var bit = kind switch { IpcpOptionType.IpAddress => 1u, IpcpOptionType.PrimaryDns => 2u, _ => 4u };
        if ((reviewSeen & bit) != 0)
            return OptionVerdict.Reject;
        reviewSeen |= bit;

        var asked = BinaryPrimitives.ReadUInt32BigEndian(value);
        var ours = kind switch
        {
            IpcpOptionType.IpAddress => configuredPeer,
            IpcpOptionType.PrimaryDns => primaryDns,
            _ => secondaryDns,
        };
        if (kind == IpcpOptionType.IpAddress && ours is null)
        {
            // No address of ours for the peer: its own non-zero choice stands; 0.0.0.0 we cannot serve.
            if (asked == 0)
                return OptionVerdict.Reject;
            reviewingPeerAddress = asked;
            return OptionVerdict.Ack;
        }
        if (ours is not { } offered)
            return OptionVerdict.Reject;
        var acceptable = kind == IpcpOptionType.IpAddress ? asked != 0 && InRange(asked, offered, peerMask) : asked == offered;
        if (!acceptable)
        {
            BinaryPrimitives.WriteUInt32BigEndian(nakValue, offered);
            nakLength = AddressLength;
            return OptionVerdict.Nak;
        }
        if (kind == IpcpOptionType.IpAddress)
            reviewingPeerAddress = asked;
        return OptionVerdict.Ack;
    }

    protected override void AddRequestHints(OptionListBuilder naks)
    {
        const uint IpAddressSeen = 1;
        if ((reviewSeen & IpAddressSeen) != 0 || peerAddressHinted || configuredPeer is not { } hisaddr)
            return;
        if (naks.TryAddUInt32((byte)IpcpOptionType.IpAddress, hisaddr))
            peerAddressHinted = true;
    }

    protected override void CommitReview() => peerAddress = reviewingPeerAddress;

    protected override void OnLayerUp(List<ControlOutput> outputs)
    {
        var local = acked.SendAddress ? acked.Local : configuredLocal;
        var peer = peerAddress ?? configuredPeer ?? 0;
        Negotiated = new IpcpNegotiated(
            ToAddress(local),
            ToAddress(peer),
            acked.SendDns && acked.PrimaryDns != 0 ? ToAddress(acked.PrimaryDns) : null,
            acked.SendDns && acked.SecondaryDns != 0 ? ToAddress(acked.SecondaryDns) : null);
    }

    protected override void OnLayerDown(List<ControlOutput> outputs) => Negotiated = null;

    private static uint Mask(int prefixLength) =>
        prefixLength <= 0 ? 0u : prefixLength >= 32 ? uint.MaxValue : uint.MaxValue << (32 - prefixLength);

    private static bool InRange(uint address, uint network, uint mask) => (address & mask) == (network & mask);

    private static uint? ToUInt32(IPAddress? address)
    {
        if (address is null || address.AddressFamily != AddressFamily.InterNetwork)
            return null;
        Span<byte> bytes = stackalloc byte[AddressLength];
        return address.TryWriteBytes(bytes, out _) ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : null;
    }

    private static IPAddress ToAddress(uint address)
    {
        Span<byte> bytes = stackalloc byte[AddressLength];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, address);
        return new IPAddress(bytes);
    }

    private struct Wants
    {
        public bool SendAddress;
        public uint Local;
        public bool SendDns;
        public uint PrimaryDns;
        public uint SecondaryDns;
    }
}
