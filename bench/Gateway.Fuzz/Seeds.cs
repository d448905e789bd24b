using System.Buffers.Binary;
using System.Text;
using Gateway.Core.Ip;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Framing;
using Gateway.Core.Ppp.Lqr;
using Gateway.Core.Ppp.Multilink;

namespace Gateway.Fuzz;

/// <summary>
/// The generated part of the seed corpus (bench/fuzz/corpus, see its README): real frames recorded from honest
/// sessions (the same rig the targets use, so a recorded exchange replays), and the hostile cases of BAD-INPUT.md.
/// </summary>
internal static class Seeds
{
    public static void Write(string directory)
    {
        void Put(string target, string name, byte[] bytes)
        {
            Directory.CreateDirectory(Path.Combine(directory, target));
            File.WriteAllBytes(Path.Combine(directory, target, name), bytes);
        }

        // ---- framing -------------------------------------------------------------------------------
        var async = Record(RigOptions.Async | (RigOptions)RigStart.Network | (RigOptions)(6 << 2));
        var stream = async.SelectMany(f => f).ToArray();
        Put("hdlc-async", "negotiation-chap", [0, 0, 0, .. stream]);
        Put("hdlc-async", "negotiation-chap-reads-of-7", [0, 0, 7, .. stream]);
        Put("hdlc-async", "empty-frames", [0, 0, 0, 0x7E, 0x00, 0x00, 0x7E, 0x7E, 0x7D, 0x20, 0x00, 0x7E]);
        Put("hdlc-async", "abort-and-escaped-flag", [2, 8, 3, 0x7E, 0xFF, 0x7D, 0x7E, 0xFF, 0x03, 0x7D, 0x5E, 0x7E, 0x7D]);
        Put("hdlc-async", "fcs32-no-closing-flag", [1, 4, 0, 0x7E, .. Enumerable.Repeat((byte)0x41, 3000)]);

        var sync = Record((RigOptions)RigStart.Network | RigOptions.Lqr | (RigOptions)(6 << 2));
        Put("hdlc-sync", "negotiation-chap-lqr", FuzzInput.Records(sync));
        Put("hdlc-sync", "short-frames", FuzzInput.Records([], [0xFF], [0xFF, 0x03], [0xFF, 0x03, 0xC0], [0x21], [0xFF, 0x03, 0x3D, 0x30]));
        foreach (var frame in sync.Take(6).Select((f, i) => (f, i)))
            Put("ppp-header", $"frame-{frame.i}", frame.f);
        Put("ppp-header", "compressed", [0x21, 0x45]);
        Put("ppp-header", "no-address-two-octet-protocol", [0xC0, 0x21, 0x01]);
        Put("ppp-header", "mp-truncated", [0xFF, 0x03, 0x3D, 0x30]);

        // ---- control protocols through the session -------------------------------------------------
        SessionSeeds(Put, "lcp", PppProtocol.Lcp, [0, 6 << 2, (byte)RigOptions.Member | (6 << 2), (byte)RigOptions.Async | (1 << 2)]);
        Put("lcp", "hostile", SessionInput((byte)RigStart.Network, LcpHostile()));
        SessionSeeds(Put, "ipcp", PppProtocol.Ipcp, [0, (byte)RigOptions.Async]);
        SessionSeeds(Put, "ccp", PppProtocol.Ccp, [0]);
        SessionSeeds(Put, "pap", PppProtocol.Pap, [0, 1 << 2, 2 << 2]);
        SessionSeeds(Put, "chap", PppProtocol.Chap, [0, 1 << 2, 2 << 2, 3 << 2]);
        SessionSeeds(Put, "lqr-echo", PppProtocol.Lqr, [0, 6 << 2]);
        Put("lqr-echo", "reports", SessionInput((byte)RigStart.Network, [(0, Lqr(1, 0, 0)), (2, []), (0, Lqr(2, 1, 1)), (2, []), (0, Lqr(3, 1, 1)[..40]), (2, [])]));

        // ---- Multilink -------------------------------------------------------------------------------
        byte[] ipcpRequest = [0x80, 0x21, 0x01, 0x01, 0x00, 0x0A, 0x03, 0x06, 0x0A, 0x00, 0x00, 0x02];
        Put("mp", "long-whole-and-split", [0,
            .. Op(0x04, MpFragment(true, true, 0, ipcpRequest)),
            .. Op(0x05, MpFragment(true, false, 1, ipcpRequest[..5])),
            .. Op(0x04, MpFragment(false, true, 2, ipcpRequest[5..]))]);
        Put("mp", "short-reordered", [1,
            .. Op(0x05, MpFragment(false, true, 1, ipcpRequest[6..], shortSequence: true)),
            .. Op(0x04, MpFragment(true, false, 0, ipcpRequest[..6], shortSequence: true)),
            .. Op(0x80, [])]);
        Put("mp", "gap-then-timer-and-leave", [8,
            .. Op(0x04, MpFragment(true, false, 0, ipcpRequest[..4])),
            .. Op(0x3C, MpFragment(false, true, 5, ipcpRequest[4..])),
            .. Op(0x80, []), .. Op(0xC0, []), .. Op(0xC2, [])]);
        Put("mp", "truncated-and-not-member", [0, .. Op(0x00, [0x30]), .. Op(0x02, MpFragment(true, true, 0, ipcpRequest))]);

        // ---- IP --------------------------------------------------------------------------------------
        var ip = new byte[200];
        int udp = Udp.Write(ip, 0x0A000002, 0x0A000001, 5000, 6671, "probe"u8, 1);
        var udpPacket = ip[..udp].ToArray();
        int icmp = IcmpEcho.Write(ip, IcmpType.EchoRequest, 0x0A000002, 0x0A000001, 7, 1, "ping"u8, 2);
        var icmpPacket = ip[..icmp].ToArray();
        Put("ip", "udp-and-echo", [0, .. FuzzInput.Records(udpPacket, icmpPacket)]);
        Put("ip", "fixed-checksums-any-destination", [3, .. FuzzInput.Records(udpPacket, icmpPacket, udpPacket[..24])]);
        var bogusLength = (byte[])udpPacket.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(bogusLength.AsSpan(2), 49441);
        Put("ip", "total-length-beyond", [2, .. FuzzInput.Records(bogusLength)]);

        // ---- chat --------------------------------------------------------------------------------------
        Put("chat", "seed-dial", [
            .. "ABORT BUSY ABORT NO\\sCARRIER TIMEOUT 5 \"\" AT OK-AT-OK ATE1Q0 OK \\dATDT\\T TIMEOUT 40 CONNECT"u8, 0,
            .. Op(0x02, "AT\r\r\nOK\r\n"u8.ToArray()), .. Op(0x02, "ATE1Q0\r\r\nOK\r\n"u8.ToArray()),
            .. Op(0x03, "ATDT5551234\r\nCONN"u8.ToArray()), .. Op(0x00, "ECT 115200\r\n"u8.ToArray())]);
        Put("chat", "login", [
            .. "TIMEOUT 10 ogin:--ogin: \\U word: \\P \"\" \\c"u8, 0,
            .. Op(0x00, "\r\nlogin: "u8.ToArray()), .. Op(0x01, "Password: "u8.ToArray()), .. Op(0x00, [0, 0, 0x7E, 0x7E])]);
        Put("chat", "busy", [.. "ABORT BUSY \"\" ATDT123 CONNECT"u8, 0, .. Op(0x10, "\r\nBUSY\r\n"u8.ToArray())]);

        // ---- receiver ----------------------------------------------------------------------------------
        var gateway = ReceiverTarget.RecordHonestGateway();
        Put("receiver", "stranger-replays-honest-gateway", [0, .. gateway.SelectMany(d => Op(2, d))]);
        Put("receiver", "joined-then-fragment", [1, .. Op(1, [0xFF, 0x03, 0x00, 0x3D, .. MpFragment(true, true, 0, ipcpRequest)])]);
        Put("receiver", "strangers", [0, .. Op(3, []), .. Op(4, [0xFF, 0x03, 0xC0, 0x21]), .. Op(0xFF, []), .. Op(2, [0xFF, 0x03, 0xC0, 0x21, 0x01, 0x01, 0x00, 0x03])]);
    }

    /// <summary>An operation byte and a record.</summary>
    private static byte[] Op(byte operation, byte[] data) => [operation, (byte)(data.Length >> 8), (byte)data.Length, .. data];

    private static byte[] MpFragment(bool begin, bool end, uint sequence, byte[] payload, bool shortSequence = false)
    {
        var format = shortSequence ? MpSequenceFormat.Short : MpSequenceFormat.Long;
        var fragment = new byte[MpHeaderCodec.HeaderLength(format) + payload.Length];
        int header = MpHeaderCodec.Write(fragment, format, begin, end, sequence);
        payload.CopyTo(fragment, header);
        return fragment;
    }

    /// <summary>The frames the honest peer (B) sends while the pair reaches the Network phase and a few timers fire.</summary>
    private static List<byte[]> Record(RigOptions options)
    {
        var frames = new List<byte[]>();
        var rig = SessionRig.Create(options);
        rig.Tap = (end, frame) =>
        {
            if (end == rig.B)
                frames.Add(frame.ToArray());
        };
        rig.Start();
        for (int i = 0; i < 4; i++)
            rig.FireNextTimer();
        return frames;
    }

    /// <summary>For each rig option: the honest peer's whole exchange replayed from nothing, and its packets of <paramref name="protocol"/> again in the Network phase.</summary>
    private static void SessionSeeds(Action<string, string, byte[]> put, string target, PppProtocol protocol, byte[] rigOptions)
    {
        var harness = (SessionTarget)FuzzTargets.Find(target)!;
        foreach (byte o in rigOptions)
        {
            var options = harness.Effective((RigOptions)o);
            var frames = Record((options & ~RigOptions.StartMask) | (RigOptions)RigStart.Network);
            put(target, $"replay-{o:x2}", [(byte)((options & ~RigOptions.StartMask) | (RigOptions)RigStart.Alone), .. frames.SelectMany(f => Op(3, f))]);
            var packets = new List<byte[]>();
            foreach (var frame in frames)
            {
                if (!options.HasFlag(RigOptions.Async) && PppHeader.TryRead(frame, out var decoded) == PppHeaderStatus.Ok && decoded.Protocol == (ushort)protocol)
                    packets.Add(decoded.Information.ToArray());
            }
            if (packets.Count > 0)
                put(target, $"network-{o:x2}", [(byte)((options & ~RigOptions.StartMask) | (RigOptions)RigStart.Network), .. packets.SelectMany(p => Op(0, p)), .. Op(2, [])]);
            put(target, $"opened-{o:x2}", [(byte)((options & ~RigOptions.StartMask) | (RigOptions)RigStart.LinkOpened), .. packets.SelectMany(p => Op(0, p))]);
        }
    }

    private static byte[] SessionInput(byte options, IEnumerable<(byte Op, byte[] Data)> records) => [options, .. records.SelectMany(r => Op(r.Op, r.Data))];

    /// <summary>BAD-INPUT.md's LCP cases.</summary>
    private static IEnumerable<(byte, byte[])> LcpHostile()
    {
        yield return (0, [0x01, 0x07, 0x00, 0x06, 0x01, 0x00]);                         // option length 0
        yield return (0, [0x01, 0x08, 0x00, 0x06, 0x05, 0x01]);                         // option length 1
        yield return (0, [0x01, 0x09, 0x00, 0x0A, 0x01, 0x03, 0x05, 0x05, 0x06, 0x00]); // MRU of length 3, Magic running past the end
        yield return (0, [0x01, 0x0A, 0x00, 0x0C, 0x01, 0x04, 0x00, 0x00, 0x05, 0x06, 0x00, 0x00, 0x00, 0x00]); // MRU 0, magic 0
        yield return (0, [0x09, 0x01, 0x00, 0x07, 0, 0, 0]);                            // Echo-Request too short
        yield return (0, [0x00, 0x02, 0x00, 0x04]);                                     // code 0
        yield return (0, [0x19, 0x03, 0x00, 0x04]);                                     // code 25
        yield return (0, [0xC8, 0x04, 0x00, 0x04]);                                     // code 200
        yield return (0, [0x08, 0x05, 0x00, 0x05, 0xC0]);                               // Protocol-Reject of length 5
        yield return (0, [0x07, 0x06, 0x00, 0x06, 0x0A, 0x00]);                         // Code-Reject of an Echo-Reply
        yield return (0, [0x02, 0x77, 0x00, 0x04]);                                     // unsolicited Configure-Ack
        yield return (0, [0x01, 0x0B, 0xFF, 0xFF, 0x01, 0x04, 0xFF, 0xFF]);             // Length beyond the packet
        yield return (3, [0xFF, 0x03, 0xC0, 0x23, 0x01, 0x01, 0x00, 0x04]);             // PAP never agreed
        yield return (3, [0xFF, 0x03, 0x00, 0x22, 0x01]);                               // protocol 0x0022
        yield return (2, []);
    }

    /// <summary>An LQR body (RFC 1989 2.6) with counters that grow by <paramref name="step"/>.</summary>
    private static byte[] Lqr(uint step, uint lastOutLqrs, uint lastOutPackets)
    {
        var body = new byte[LqrPacket.Length];
        var packet = new LqrPacket(0x0B000001, lastOutLqrs, lastOutPackets, lastOutPackets * 40, step, step, 0, 0, step * 40, step, step, step * 40);
        packet.WriteTo(body);
        return body;
    }
}
