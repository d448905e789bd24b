using System.Buffers.Binary;
using System.Diagnostics;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Auth;

namespace Gateway.Tests.Ppp.Auth;

/// <summary>tshark, a dissector nobody here wrote, reads every packet our four roles send.</summary>
public class AuthTsharkTests
{
    private const uint LinkTypePpp = 9; // pcap LINKTYPE_PPP: protocol field first, here after FF 03

    [SkippableFact]
    public void Tshark_decodes_every_packet_of_both_protocols_without_complaint()
    {
        Skip.IfNot(File.Exists("/usr/bin/tshark"), "tshark is not installed");
        var packets = new List<(PppProtocol Protocol, byte[] Packet)>();
        void Record(BackToBack link)
        {
            foreach (var side in new[] { link.Authenticator, link.Peer })
                packets.AddRange(side.Sent.Select(p => (side.Role.Protocol, p)));
        }
        Record(new BackToBack(Roles.PapAuthenticator(), Roles.PapPeer()).Run());
        Record(new BackToBack(Roles.PapAuthenticator(), Roles.PapPeer(key: "wrong")).Run());
        Record(new BackToBack(Roles.ChapAuthenticator(), Roles.ChapPeer()).Run());
        Record(new BackToBack(Roles.ChapAuthenticator(), Roles.ChapPeer(key: "wrong")).Run());

        var lines = Dissect(packets, "pap.code", "pap.peer_id", "pap.message", "chap.code", "chap.value_size", "chap.name", "chap.message", "_ws.malformed", "_ws.expert");

        Assert.Equal(
            [
                "2||Greetings!!|||||", "1|alice||||||", // authenticator's packets first, then the peer's
                "3||Login incorrect|||||", "1|alice||||||",
            ],
            lines.Take(4).Select(l => string.Join('|', l.Take(7)) + "|"));
        Assert.Equal(["1", "1", "2", "2", "3", "4"], lines.Skip(4).Select(l => l[3]).Order());
        Assert.All(lines.Skip(4).Where(l => l[3] is "1" or "2"), l => Assert.Contains(l[5], new[] { "receiver", "alice" }));
        Assert.All(lines.Skip(4).Where(l => l[3] == "2"), l => Assert.Equal("16", l[4]));
        Assert.All(lines, l => Assert.Equal("", l[7] + l[8]));
    }

    private static List<string[]> Dissect(List<(PppProtocol Protocol, byte[] Packet)> packets, params string[] fields)
    {
        string path = Path.Combine(Path.GetTempPath(), $"auth-{Guid.NewGuid():N}.pcap");
        try
        {
            File.WriteAllBytes(path, Pcap(packets));
            var start = new ProcessStartInfo("/usr/bin/tshark") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "-r", path, "-T", "fields", "-E", "separator=|", "-E", "occurrence=f" })
                start.ArgumentList.Add(arg);
            foreach (var field in fields)
            {
                start.ArgumentList.Add("-e");
                start.ArgumentList.Add(field);
            }
            using var tshark = Process.Start(start)!;
            var stderr = tshark.StandardError.ReadToEndAsync();
            string output = tshark.StandardOutput.ReadToEnd();
            tshark.WaitForExit();
            Assert.True(tshark.ExitCode == 0, stderr.Result);
            return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('|'))];
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static byte[] Pcap(List<(PppProtocol Protocol, byte[] Packet)> packets)
    {
        using var stream = new MemoryStream();
        Span<byte> header = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xA1B2C3D4);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], LinkTypePpp);
        stream.Write(header);
        Span<byte> record = stackalloc byte[16];
        foreach (var (protocol, packet) in packets)
        {
            byte[] frame = [0xFF, 0x03, (byte)((ushort)protocol >> 8), (byte)protocol, .. packet];
            BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)frame.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record[12..], (uint)frame.Length);
            stream.Write(record);
            stream.Write(frame);
        }
        return stream.ToArray();
    }
}
