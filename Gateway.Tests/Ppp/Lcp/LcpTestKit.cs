using System.Buffers.Binary;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Lcp;
using Gateway.Tests.Ppp.Fsm;

namespace Gateway.Tests.Ppp.Lcp;

/// <summary>Builds packets and opened LCP pairs for the LCP tests.</summary>
internal static class LcpTestKit
{
    /// <summary>Deterministic magic numbers: start, start+1, ...</summary>
    public static Func<uint> Magics(uint start)
    {
        var next = start;
        return () => next++;
    }

    public static byte[] Packet(ControlCode code, byte identifier, params byte[] data) =>
        ControlPacket.Build(code, identifier, data);

    public static byte[] Packet(byte code, byte identifier, params byte[] data) =>
        ControlPacket.Build(code, identifier, data);

    public static byte[] Option(LcpOptionType type, params byte[] value) => Option((byte)type, value);

    public static byte[] Option(byte type, params byte[] value) => [type, (byte)(value.Length + 2), .. value];

    public static byte[] U16(ushort value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] U32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    public static (LinkControlProtocol A, LinkControlProtocol B, ControlPump Pump) OpenedPair(LcpSettings? a = null, LcpSettings? b = null)
    {
        var lcpA = new LinkControlProtocol(a, magicSource: Magics(0x1000_0000));
        var lcpB = new LinkControlProtocol(b, magicSource: Magics(0x2000_0000));
        var pump = new ControlPump(lcpA, lcpB);
        pump.Start();
        pump.Run();
        Assert.Equal(FsmState.Opened, lcpA.State);
        Assert.Equal(FsmState.Opened, lcpB.State);
        return (lcpA, lcpB, pump);
    }

    /// <summary>An LCP that has sent its first Configure-Request and waits (Req-Sent), with that request.</summary>
    public static (LinkControlProtocol Lcp, SendControlPacket Request) RequestSent(LcpSettings? settings = null)
    {
        var lcp = new LinkControlProtocol(settings, magicSource: Magics(0x1000_0000));
        return (lcp, FirstRequest(lcp));
    }

    /// <summary>Brings <paramref name="protocol"/> up and open: its first Configure-Request, now waited on (Req-Sent).</summary>
    public static SendControlPacket FirstRequest(ControlProtocol protocol)
    {
        protocol.Up();
        var request = Assert.Single(protocol.Open().OfType<SendControlPacket>());
        Assert.Equal(FsmState.ReqSent, protocol.State);
        return request;
    }

    public static SendControlPacket SingleSent(IEnumerable<ControlOutput> outputs, ControlCode code) =>
        Assert.Single(outputs.OfType<SendControlPacket>(), p => p.Code == code);

    /// <summary>The rule after every bad input: a valid Echo-Request still gets its Echo-Reply.</summary>
    public static void AssertAnswersEcho(LinkControlProtocol lcp)
    {
        Assert.Equal(FsmState.Opened, lcp.State);
        var request = Packet(ControlCode.EchoRequest, 0x5A, [.. U32(lcp.Negotiated!.PeerMagic), 0xDE, 0xAD]);
        var reply = SingleSent(lcp.Receive(request), ControlCode.EchoReply);
        Assert.Equal(0x5A, reply.Identifier);
        Assert.Equal(lcp.Negotiated.LocalMagic, BinaryPrimitives.ReadUInt32BigEndian(reply.Packet.AsSpan(4)));
        Assert.Equal(new byte[] { 0xDE, 0xAD }, reply.Packet[8..]);
    }

    /// <summary>
    /// For an LCP left mid-negotiation by a bad input: a fresh peer negotiates with it (our request retransmitted as on
    /// a restart-timer expiry), the pair reaches Opened, and the LCP answers a valid Echo-Request.
    /// </summary>
    public static void AssertRecoversAndAnswersEcho(LinkControlProtocol lcp)
    {
        var peer = new LinkControlProtocol(magicSource: Magics(0x3000_0000));
        var pump = new ControlPump(lcp, peer);
        pump.Process(peer, peer.Up());
        pump.Process(peer, peer.Open());
        pump.Process(lcp, lcp.RestartTimerExpired());
        pump.Run();
        AssertAnswersEcho(lcp);
    }

    /// <summary>Feeds bytes to A as if from B, lets the pair settle, and returns what A answered.</summary>
    public static IReadOnlyList<ControlOutput> Inject(ControlPump pump, ControlProtocol side, byte[] packet)
    {
        var outputs = pump.Process(side, side.Receive(packet));
        pump.Run();
        return outputs;
    }
}
