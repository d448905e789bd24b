using System.Buffers.Binary;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Framing;
using Gateway.Core.Ppp.Session;
using Gateway.Tests.Ppp.Framing;
using Gateway.Tests.Ppp.Lcp;
using Gateway.Tests.Ppp.Session;

namespace Gateway.Tests.BadInput;

/// <summary>
/// Whole sessions for the BAD-INPUT.md tests: a back-to-back pair (PppSessionTests' gateway and ISP settings) on a
/// virtual clock, hostile octets put into one end as if its peer sent them, and the rule after every case: that end
/// still answers a valid LCP Echo-Request.
/// </summary>
internal static class SessionRig
{
    public const ushort Lcp = (ushort)PppProtocol.Lcp;

    /// <summary>A pair run until both ends are in the Network phase (IPCP Opened).</summary>
    public static SessionPair NetworkPair(SessionSettings gateway, SessionSettings isp)
    {
        var pair = new SessionPair(gateway, isp);
        pair.Start();
        pair.RunUntil(() => pair.A.Session.Network is not null && pair.B.Session.Network is not null, TimeSpan.FromSeconds(30));
        return pair;
    }

    public static SessionPair NetworkPair(FramingMode framing, PppSessionTests.Auth auth = PppSessionTests.Auth.Chap) =>
        NetworkPair(PppSessionTests.Gateway(framing, auth), PppSessionTests.Isp(framing, auth));

    /// <summary>One packet framed as an honest peer frames it: full header, and on async links every control character escaped.</summary>
    public static byte[] Frame(FramingMode framing, ushort protocol, ReadOnlySpan<byte> information)
    {
        if (framing == FramingMode.Async)
            return FramingTestKit.Encode(new HdlcEncoder(), protocol, information);
        var buffer = new byte[SyncFrameEncoder.MaxEncodedLength(information.Length)];
        return buffer[..SyncFrameEncoder.Encode(protocol, information, buffer)];
    }

    /// <summary>Octets (async) or one datagram (sync) into <paramref name="end"/>'s session, as if from its peer.</summary>
    public static void Receive(SessionPair.End end, byte[] bytes)
    {
        if (end.Session.Framing == FramingMode.Async)
            end.Session.ReceiveBytes(bytes);
        else
            end.Session.ReceiveDatagram(bytes);
    }

    /// <summary>The frames <paramref name="end"/> has sent from index <paramref name="from"/> of its <c>Sent</c> list on, decoded.</summary>
    public static List<DecodedFrame> SentSince(SessionPair.End end, int from)
    {
        var frames = new List<DecodedFrame>();
        var decoder = new HdlcDecoder { ReceiveAccm = 0 };
        var sync = new SyncFrameDecoder();
        foreach (var bytes in end.Sent.Skip(from))
        {
            if (end.Session.Framing == FramingMode.Async)
            {
                frames.AddRange(FramingTestKit.DecodeAll(decoder, bytes));
            }
            else
            {
                Assert.True(sync.TryDecode(bytes, out var frame));
                frames.Add(new DecodedFrame(frame.Protocol, frame.Information.ToArray()));
            }
        }
        return frames;
    }

    /// <summary>The LCP packets of code <paramref name="code"/> that <paramref name="end"/> sent from index <paramref name="from"/> on.</summary>
    public static List<byte[]> LcpSentSince(SessionPair.End end, int from, ControlCode code) =>
        SentSince(end, from).Where(f => f.Protocol == Lcp && f.Information.Length > 0 && f.Information[0] == (byte)code).Select(f => f.Information).ToList();

    /// <summary>The rule after every bad input (BAD-INPUT.md): a valid Echo-Request gets its Echo-Reply, with our magic and the data back.</summary>
    public static void AssertAnswersEcho(SessionPair.End end)
    {
        var link = end.Session.Link ?? throw new Xunit.Sdk.XunitException($"LCP of {end.Name} is not Opened: {end.Session.LcpState}");
        int before = end.Sent.Count;
        byte[] request = ControlPacket.Build(ControlCode.EchoRequest, 0x5A, [.. LcpTestKit.U32(link.PeerMagic), 0xDE, 0xAD]);

        Receive(end, Frame(end.Session.Framing, Lcp, request));

        var reply = Assert.Single(LcpSentSince(end, before, ControlCode.EchoReply));
        Assert.Equal(0x5A, reply[1]);
        Assert.Equal(link.LocalMagic, BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(4)));
        Assert.Equal(new byte[] { 0xDE, 0xAD }, reply[8..]);
    }
}
