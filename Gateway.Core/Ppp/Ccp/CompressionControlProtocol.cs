using Gateway.Core.Ppp.Fsm;

namespace Gateway.Core.Ppp.Ccp;

/// <summary>
/// The Compression Control Protocol (RFC 1962) as FreeBSD ppp runs it with <c>disable deflate pred1</c> and
/// <c>deny deflate pred1</c>: we ask for no compressor and Configure-Reject every option the peer proposes,
/// so CCP opens with no compression in either direction. Reset-Request/Reset-Ack (codes 14, 15) cannot apply
/// without a compressor and are ignored.
/// </summary>
public sealed class CompressionControlProtocol : ControlProtocol
{
    /// <summary>RFC 1962 2.2.</summary>
    public const byte ResetRequest = 14;

    /// <summary>RFC 1962 2.2.</summary>
    public const byte ResetAck = 15;

    public CompressionControlProtocol(FsmSettings? fsmSettings = null)
        : base(PppProtocol.Ccp, fsmSettings)
    {
    }

    protected override void ResetNegotiation()
    {
    }

    protected override void WriteRequestOptions(OptionListBuilder options)
    {
    }

    protected override OptionVerdict ReviewOption(byte type, ReadOnlySpan<byte> value, Span<byte> nakValue, out int nakLength)
    {
        nakLength = 0;
        return OptionVerdict.Reject;
    }

    protected override void ApplyAck()
    {
    }

    protected override void ApplyNak(byte type, ReadOnlySpan<byte> value)
    {
    }

    protected override void ApplyReject(byte type, ReadOnlySpan<byte> value)
    {
    }

    protected override bool HandleExtendedCode(ControlPacket packet, List<ControlOutput> outputs) =>
        packet.Code is ResetRequest or ResetAck;
}
