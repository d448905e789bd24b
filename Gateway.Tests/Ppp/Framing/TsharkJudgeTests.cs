using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Framing;
using Gateway.Tests.Support;
using static Gateway.Tests.Ppp.Framing.FramingTestKit;

namespace Gateway.Tests.Ppp.Framing;

/// <summary>
/// Wireshark judges what our encoder sends. Link type 50 (PPP in HDLC-like framing) carries the frame with
/// flags and octet stuffing removed but the FCS kept; tshark checks the FCS when told its size (ppp.fcs_type).
/// </summary>
public class TsharkJudgeTests
{
    private const int ExpertWarning = 0x600000; // _ws.expert.severity: Chat 0x200000, Note 0x400000, Warn 0x600000, Error 0x800000

    [SkippableTheory]
    [InlineData(FcsKind.Fcs16, "16-Bit")]
    [InlineData(FcsKind.Fcs32, "32-Bit")]
    public void Tshark_finds_our_frames_well_formed_with_a_good_fcs(FcsKind fcs, string tsharkFcsType)
    {
        Skip.IfNot(Tshark.IsAvailable, Tshark.MissingReason);
        byte[] ip = IcmpEchoPacket();
        var frames = new List<(ushort Protocol, byte[] Wire)>();
        foreach (uint accm in (uint[])[0xFFFFFFFF, 0])
        {
            foreach (PppHeaderCompression compression in Enum.GetValues<PppHeaderCompression>())
            {
                var encoder = new HdlcEncoder { Fcs = fcs, SendAccm = accm, Compression = compression };
                frames.Add(((ushort)PppProtocol.Lcp, Encode(encoder, (ushort)PppProtocol.Lcp, ConfigureRequest)));
                frames.Add(((ushort)PppProtocol.Ip, Encode(encoder, (ushort)PppProtocol.Ip, ip)));
            }
        }

        string output = Tshark.RunOnCapture(
            PcapWriter.Write(CapturedLayers.LinkTypePppHdlc, frames.Select(f => Unstuff(f.Wire))),
            "-o", $"ppp.fcs_type:{tsharkFcsType}", "-o", "ip.check_checksum:TRUE",
            "-T", "fields", "-E", "separator=|",
            "-e", "ppp.protocol", "-e", "ppp.fcs.status", "-e", "frame.protocols", "-e", "_ws.malformed",
            "-e", "_ws.expert.severity", "-e", "_ws.expert", "-e", "lcp.opt.mru", "-e", "lcp.opt.magic_number");
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(frames.Count, lines.Length);

        for (int i = 0; i < frames.Count; i++)
        {
            string[] f = lines[i].Split('|');
            string context = $"frame {i + 1}: {lines[i]}";
            Assert.True(Convert.ToUInt16(f[0], 16) == frames[i].Protocol, context);
            Assert.True(f[1] == "1", $"FCS not good in {context}");
            Assert.True(f[3].Length == 0, $"malformed: {context}");
            Assert.True(f[4].Length == 0 || f[4].Split(',').All(s => int.Parse(s) < ExpertWarning), $"expert warning or error: {context}");
            if (frames[i].Protocol == (ushort)PppProtocol.Lcp)
            {
                Assert.True(f[6] == "1500", context);
                Assert.True(f[7] == "0x12345678", context);
            }
            else
            {
                Assert.True(f[2].EndsWith("ip:icmp", StringComparison.Ordinal), context);
            }
        }
    }

    [SkippableFact]
    public void Tshark_reads_our_sync_frames_as_the_protocols_we_wrote()
    {
        Skip.IfNot(Tshark.IsAvailable, Tshark.MissingReason);
        var destination = new byte[2048];
        var frames = new List<byte[]>
        {
            destination[..SyncFrameEncoder.Encode(PppProtocol.Lcp, ConfigureRequest, destination)],
            destination[..SyncFrameEncoder.Encode(PppProtocol.Ip, IcmpEchoPacket(), destination)],
            destination[..SyncFrameEncoder.Encode(PppProtocol.Ip, IcmpEchoPacket(), destination, PppHeaderCompression.Both)],
        };

        string output = Tshark.RunOnCapture(PcapWriter.Write(CapturedLayers.LinkTypePpp, frames),
            "-o", "ip.check_checksum:TRUE", "-T", "fields", "-E", "separator=|", "-e", "ppp.protocol", "-e", "_ws.malformed", "-e", "_ws.expert.severity");
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["0xc021||", "0x0021||", "0x0021||"], lines);
    }
}
