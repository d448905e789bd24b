using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Framing;
using Gateway.Tests.Support;
using static Gateway.Tests.Ppp.Framing.FramingTestKit;

namespace Gateway.Tests.Ppp.Framing;

/// <summary>The framing decoders against the captures of Fixtures/corpus: golden frames from freeRtr and tcpdump's malformed ones.</summary>
public class CorpusTests
{
    public static TheoryData<string> InteropCaptures() => NamesOf("interop", "*.pcapng");

    public static TheoryData<string> MalformedCaptures() => NamesOf("malformed", "*.pcap");

    [Theory]
    [MemberData(nameof(InteropCaptures))]
    public void Every_interop_datagram_decodes_with_the_sync_decoder(string capture)
    {
        List<byte[]> datagrams = InteropDatagrams(capture);
        var decoder = new SyncFrameDecoder();
        foreach (byte[] datagram in datagrams)
            Assert.True(decoder.TryDecode(datagram, out _), $"datagram {Convert.ToHexString(datagram)} did not decode");
        Assert.Equal(datagrams.Count, decoder.Counters.FramesIn);
        Assert.Equal(0, decoder.Counters.InErrors);
    }

    [SkippableTheory]
    [MemberData(nameof(InteropCaptures))]
    public void Interop_protocol_numbers_agree_with_tshark(string capture)
    {
        Skip.IfNot(Tshark.IsAvailable, Tshark.MissingReason);
        List<byte[]> datagrams = InteropDatagrams(capture);

        // tshark has no PPP-over-UDP dissector, so hand it the datagrams as a PPP capture (link type 9).
        string output = Tshark.RunOnCapture(PcapWriter.Write(CapturedLayers.LinkTypePpp, datagrams),
            "-o", "mp.short_seqno:TRUE", "-T", "fields", "-e", "ppp.protocol", "-e", "ppp.address");
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(datagrams.Count, lines.Length);

        var decoder = new SyncFrameDecoder();
        for (int i = 0; i < datagrams.Count; i++)
        {
            string[] fields = lines[i].Split('\t');
            // The first protocol is the frame's own; Multilink adds the reassembled packet's after it.
            ushort tsharkProtocol = Convert.ToUInt16(fields[0].Split(',')[0], 16);
            Assert.True(decoder.TryDecode(datagrams[i], out PppFrame frame));
            Assert.Equal(tsharkProtocol, frame.Protocol);
            Assert.Equal(fields.Length > 1 && fields[1].Length > 0, !frame.AddressControlOmitted);
        }
    }

    [Theory]
    [MemberData(nameof(InteropCaptures))]
    public void Interop_frames_survive_async_framing_and_come_back_the_same(string capture)
    {
        List<byte[]> datagrams = InteropDatagrams(capture);
        var sync = new SyncFrameDecoder();
        var encoder = new HdlcEncoder();
        var expected = new List<DecodedFrame>();
        var stream = new List<byte>();
        foreach (byte[] datagram in datagrams)
        {
            Assert.True(sync.TryDecode(datagram, out PppFrame frame));
            expected.Add(new DecodedFrame(frame.Protocol, frame.Information.ToArray()));
            stream.AddRange(Encode(encoder, frame.Protocol, frame.Information));
        }

        Assert.Equal(expected, DecodeAll(new HdlcDecoder(), stream.ToArray().Chunk(7).ToArray()));
    }

    [Theory]
    [MemberData(nameof(MalformedCaptures))]
    public void Every_malformed_frame_is_decoded_or_counted_and_the_decoders_carry_on(string capture)
    {
        List<byte[]> frames = MalformedFrames(capture);
        Assert.NotEmpty(frames);
        var sync = new SyncFrameDecoder();
        var framed = new HdlcDecoder(70_000); // big enough for ppp-invalid-lengths' 9 KB frame: compare outcomes, not sizes
        var raw = new HdlcDecoder();
        foreach (byte[] captured in frames)
        {
            // As a datagram: exactly one outcome.
            long before = sync.Counters.FramesIn + sync.Counters.InErrors;
            bool decoded = sync.TryDecode(captured, out PppFrame frame);
            ushort protocol = decoded ? frame.Protocol : (ushort)0;
            Assert.Equal(before + 1, sync.Counters.FramesIn + sync.Counters.InErrors);

            // Properly framed on a serial line (good FCS): the same outcome as the datagram.
            before = framed.Counters.FramesIn + framed.Counters.InErrors;
            List<DecodedFrame> viaAsync = DecodeAll(framed, [Hdlc.Flag, .. StuffWithFcs(captured), Hdlc.Flag]);
            Assert.Equal(before + 1, framed.Counters.FramesIn + framed.Counters.InErrors);
            Assert.Equal(decoded ? 1 : 0, viaAsync.Count);
            if (decoded)
                Assert.Equal(protocol, viaAsync[0].Protocol);

            // With the default maximum (MRU 1500) an oversized one is counted too long instead.
            var bounded = new HdlcDecoder();
            DecodeAll(bounded, [Hdlc.Flag, .. StuffWithFcs(captured), Hdlc.Flag]);
            Assert.Equal(1, bounded.Counters.FramesIn + bounded.Counters.InErrors);
            Assert.Equal(captured.Length + Fcs16.Length > bounded.MaxFrameLength ? 1 : 0, bounded.Counters.TooLong);

            // Raw bytes between flags, as if the capture had been replayed onto a serial line as is.
            DecodeAll(raw, [Hdlc.Flag, .. captured, Hdlc.Flag]);
            Assert.InRange(raw.BufferedLength, 0, raw.MaxFrameLength);
        }

        Assert.True(sync.TryDecode([0xFF, 0x03, 0xC0, 0x21, .. EchoRequest], out PppFrame echo) && echo.Protocol == (ushort)PppProtocol.Lcp);
        AssertStillDecodesEchoRequest(framed);
        AssertStillDecodesEchoRequest(raw);
    }

    private static TheoryData<string> NamesOf(string subdirectory, string pattern)
    {
        var data = new TheoryData<string>();
        foreach (string file in Fixtures.Files(Path.Combine("corpus", subdirectory), pattern))
            data.Add(Path.Combine(subdirectory, Path.GetFileName(file)));
        return data;
    }

    private static string PathOf(string capture) => Fixtures.Path("corpus", capture);

    private static List<byte[]> InteropDatagrams(string capture)
    {
        IReadOnlyList<PcapPacket> packets = PcapReader.ReadFile(PathOf(capture));
        var datagrams = new List<byte[]>();
        foreach (PcapPacket packet in packets)
        {
            Assert.True(CapturedLayers.TryGetUdp(packet.LinkType, packet.Data, out CapturedUdp udp), $"packet {packet.Number} is not UDP over IPv4");
            datagrams.Add(udp.Payload);
        }

        Assert.NotEmpty(datagrams);
        return datagrams;
    }

    private static List<byte[]> MalformedFrames(string capture)
    {
        var frames = new List<byte[]>();
        foreach (PcapPacket packet in PcapReader.ReadFile(PathOf(capture)))
        {
            if (CapturedLayers.TryGetPppFrame(packet.LinkType, packet.Data, out byte[] frame))
                frames.Add(frame);
        }

        return frames;
    }

    private static byte[] StuffWithFcs(byte[] content)
    {
        ushort fcs = Fcs16.Compute(content);
        var output = new List<byte>();
        foreach (byte b in (byte[])[.. content, (byte)fcs, (byte)(fcs >> 8)])
        {
            if (b is Hdlc.Flag or Hdlc.ControlEscape || b < Hdlc.ControlCharacterLimit)
                output.AddRange([Hdlc.ControlEscape, (byte)(b ^ Hdlc.EscapeXor)]);
            else
                output.Add(b);
        }

        return output.ToArray();
    }
}
