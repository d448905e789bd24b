using System.Buffers.Binary;

namespace Gateway.Tests.Support;

/// <summary>One captured packet: its position in the file, the link type of its interface and the captured octets.</summary>
public sealed record PcapPacket(int Number, uint LinkType, byte[] Data);

/// <summary>
/// A small reader for classic pcap (microsecond and nanosecond, either byte order) and pcapng (SHB, IDB, EPB,
/// SPB and the obsolete PB blocks; other blocks skipped; a new SHB may switch byte order). Truncated or
/// malformed files yield the packets before the damage, and a record whose captured length runs past the end
/// of the file is cut at the end of the file, so corpus files made to crash dissectors still load.
/// </summary>
public static class PcapReader
{
    private const uint PcapMagicMicroseconds = 0xA1B2C3D4;
    private const uint PcapMagicNanoseconds = 0xA1B23C4D;
    private const uint PcapngSectionHeader = 0x0A0D0D0A;
    private const uint PcapngByteOrderMagic = 0x1A2B3C4D;
    private const uint PcapngInterfaceDescription = 1;
    private const uint PcapngPacket = 2;
    private const uint PcapngSimplePacket = 3;
    private const uint PcapngEnhancedPacket = 6;

    public static IReadOnlyList<PcapPacket> ReadFile(string path) => Read(File.ReadAllBytes(path));

    public static IReadOnlyList<PcapPacket> Read(ReadOnlySpan<byte> file)
    {
        if (file.Length < 4)
            return [];
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(file);
        if (magic == PcapngSectionHeader)
            return ReadPcapng(file);
        return ReadClassic(file);
    }

    private static List<PcapPacket> ReadClassic(ReadOnlySpan<byte> file)
    {
        var packets = new List<PcapPacket>();
        if (file.Length < 24)
            return packets;
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(file);
        bool bigEndian;
        if (magic is PcapMagicMicroseconds or PcapMagicNanoseconds)
            bigEndian = false;
        else if (BinaryPrimitives.ReverseEndianness(magic) is PcapMagicMicroseconds or PcapMagicNanoseconds)
            bigEndian = true;
        else
            throw new InvalidDataException($"not a pcap file (magic 0x{magic:X8})");

        // The link type's upper bits may carry FCS-length flags (pcap LINKTYPE_ field layout).
        uint linkType = U32(file[20..], bigEndian) & 0x0FFFFFFF;
        int offset = 24;
        while (offset + 16 <= file.Length)
        {
            uint captured = U32(file[(offset + 8)..], bigEndian);
            int start = offset + 16;
            int length = (int)Math.Min(captured, (uint)(file.Length - start));
            packets.Add(new PcapPacket(packets.Count + 1, linkType, file.Slice(start, length).ToArray()));
            offset = start + length;
        }

        return packets;
    }

    private static List<PcapPacket> ReadPcapng(ReadOnlySpan<byte> file)
    {
        var packets = new List<PcapPacket>();
        var interfaces = new List<(uint LinkType, uint SnapLength)>();
        bool bigEndian = false;
        int offset = 0;
        while (offset + 12 <= file.Length)
        {
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(file[offset..]);
            if (type == PcapngSectionHeader)
            {
                uint byteOrder = BinaryPrimitives.ReadUInt32LittleEndian(file[(offset + 8)..]);
                if (byteOrder == PcapngByteOrderMagic)
                    bigEndian = false;
                else if (BinaryPrimitives.ReverseEndianness(byteOrder) == PcapngByteOrderMagic)
                    bigEndian = true;
                else
                    break;
                interfaces.Clear();
            }
            else if (bigEndian)
            {
                type = BinaryPrimitives.ReverseEndianness(type);
            }

            uint blockLength = U32(file[(offset + 4)..], bigEndian);
            if (blockLength < 12 || blockLength > file.Length - offset)
                break;
            ReadOnlySpan<byte> body = file.Slice(offset + 8, (int)blockLength - 12);
            switch (type)
            {
                case PcapngInterfaceDescription when body.Length >= 8:
                    interfaces.Add((U16(body, bigEndian), U32(body[4..], bigEndian)));
                    break;
                case PcapngEnhancedPacket when body.Length >= 20:
                    AddPacket(packets, interfaces, (int)U32(body, bigEndian), U32(body[12..], bigEndian), body[20..]);
                    break;
                case PcapngPacket when body.Length >= 20:
                    AddPacket(packets, interfaces, U16(body, bigEndian), U32(body[12..], bigEndian), body[20..]);
                    break;
                case PcapngSimplePacket when body.Length >= 4 && interfaces.Count > 0:
                    uint original = U32(body, bigEndian);
                    uint snap = interfaces[0].SnapLength == 0 ? uint.MaxValue : interfaces[0].SnapLength;
                    AddPacket(packets, interfaces, 0, Math.Min(original, snap), body[4..]);
                    break;
            }

            offset += (int)blockLength;
        }

        return packets;
    }

    private static void AddPacket(List<PcapPacket> packets, List<(uint LinkType, uint SnapLength)> interfaces, int interfaceId, uint captured, ReadOnlySpan<byte> data)
    {
        if (interfaceId < 0 || interfaceId >= interfaces.Count)
            return;
        int length = (int)Math.Min(captured, (uint)data.Length);
        packets.Add(new PcapPacket(packets.Count + 1, interfaces[interfaceId].LinkType, data[..length].ToArray()));
    }

    private static uint U32(ReadOnlySpan<byte> s, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);

    private static ushort U16(ReadOnlySpan<byte> s, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);
}

/// <summary>Writes classic little-endian pcap files, for handing our own frames to tshark.</summary>
public static class PcapWriter
{
    public static byte[] Write(uint linkType, IEnumerable<byte[]> packets)
    {
        using var stream = new MemoryStream();
        Span<byte> header = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xA1B2C3D4);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 262144);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], linkType);
        stream.Write(header);

        uint second = 0;
        Span<byte> record = stackalloc byte[16];
        foreach (byte[] packet in packets)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(record, second++);
            BinaryPrimitives.WriteUInt32LittleEndian(record[4..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)packet.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record[12..], (uint)packet.Length);
            stream.Write(record);
            stream.Write(packet);
        }

        return stream.ToArray();
    }
}
