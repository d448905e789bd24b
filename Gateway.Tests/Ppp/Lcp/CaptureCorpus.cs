using System.Buffers.Binary;

namespace Gateway.Tests.Ppp.Lcp;

/// <summary>
/// Reads the shared capture corpus (classic pcap and pcapng, frames only). The corpus lives outside the repository:
/// GATEWAY_CORPUS, a <c>corpus</c> folder beside Gateway.sln or above it, or /work/shared/corpus; tests skip without it.
/// </summary>
internal static class CaptureCorpus
{
    public static string? Root { get; } = FindRoot();

    private static string? FindRoot()
    {
        var candidates = new List<string?> { Environment.GetEnvironmentVariable("GATEWAY_CORPUS") };
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            candidates.Add(Path.Combine(dir.FullName, "corpus"));
            candidates.Add(Path.Combine(dir.FullName, "shared", "corpus"));
        }
        candidates.Add("/work/shared/corpus");
        return candidates.FirstOrDefault(c => c is not null && Directory.Exists(Path.Combine(c, "interop")));
    }

    /// <summary>Every captured frame of a file, with the file's link type.</summary>
    public static IEnumerable<(int LinkType, byte[] Frame)> Frames(string relativePath)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Root!, relativePath));
        if (bytes.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(bytes) == 0x0A0D0D0A)
            return PcapNgFrames(bytes);
        return PcapFrames(bytes);
    }

    private static List<(int, byte[])> PcapFrames(byte[] bytes)
    {
        var frames = new List<(int, byte[])>();
        var little = BinaryPrimitives.ReadUInt32LittleEndian(bytes) is 0xA1B2C3D4 or 0xA1B23C4D;
        uint U32(int at) => little ? BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at)) : BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at));
        var linkType = (int)(U32(20) & 0xFFFF);
        for (var offset = 24; offset + 16 <= bytes.Length;)
        {
            var length = (int)Math.Min(U32(offset + 8), (uint)(bytes.Length - offset - 16));
            frames.Add((linkType, bytes.AsSpan(offset + 16, length).ToArray()));
            offset += 16 + length;
        }
        return frames;
    }

    private static List<(int, byte[])> PcapNgFrames(byte[] bytes)
    {
        var frames = new List<(int, byte[])>();
        var linkTypes = new List<int>();
        for (var offset = 0; offset + 12 <= bytes.Length;)
        {
            var type = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4));
            if (length < 12 || offset + length > bytes.Length)
                break;
            if (type == 1)
                linkTypes.Add(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(offset + 8)));
            if (type == 6)
            {
                var iface = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 8));
                var captured = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 20));
                frames.Add((iface < linkTypes.Count ? linkTypes[iface] : 1, bytes.AsSpan(offset + 28, Math.Min(captured, length - 28)).ToArray()));
            }
            offset += length;
        }
        return frames;
    }

    /// <summary>The UDP payload of an Ethernet/IPv4 frame (the freeRtr captures), or null.</summary>
    public static byte[]? UdpPayload(byte[] frame)
    {
        const int ethernetHeader = 14;
        if (frame.Length < ethernetHeader + 28 || frame[12] != 0x08 || frame[13] != 0x00 || frame[ethernetHeader + 9] != 17)
            return null;
        var ipHeader = (frame[ethernetHeader] & 0x0F) * 4;
        var start = ethernetHeader + ipHeader + 8;
        return start <= frame.Length ? frame[start..] : null;
    }
}
