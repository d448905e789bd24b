using System.Buffers.Binary;

namespace Gateway.Tests.Support;

public class PcapReaderTests
{
    private static readonly byte[] First = [0xFF, 0x03, 0xC0, 0x21, 0x09];
    private static readonly byte[] Second = [0x21, 0x45];

    [Fact]
    public void Reads_back_a_little_endian_classic_pcap_it_wrote()
    {
        IReadOnlyList<PcapPacket> packets = PcapReader.Read(PcapWriter.Write(9, [First, Second]));
        Assert.Equal(2, packets.Count);
        Assert.Equal((1, 9u), (packets[0].Number, packets[0].LinkType));
        Assert.Equal(First, packets[0].Data);
        Assert.Equal(Second, packets[1].Data);
    }

    [Theory]
    [InlineData(false, 0xA1B2C3D4u)]
    [InlineData(true, 0xA1B2C3D4u)]
    [InlineData(true, 0xA1B23C4Du)]
    public void Reads_classic_pcap_in_either_byte_order_and_either_time_resolution(bool bigEndian, uint magic)
    {
        var file = new List<byte>();
        file.AddRange(U32(magic, bigEndian));
        file.AddRange(U16(2, bigEndian));
        file.AddRange(U16(4, bigEndian));
        file.AddRange(new byte[8]);
        file.AddRange(U32(65535, bigEndian));
        file.AddRange(U32(50, bigEndian));
        foreach (byte[] packet in (byte[][])[First, Second])
        {
            file.AddRange(new byte[8]);
            file.AddRange(U32((uint)packet.Length, bigEndian));
            file.AddRange(U32((uint)packet.Length, bigEndian));
            file.AddRange(packet);
        }

        IReadOnlyList<PcapPacket> packets = PcapReader.Read(file.ToArray());
        Assert.Equal([First, Second], packets.Select(p => p.Data));
        Assert.All(packets, p => Assert.Equal(50u, p.LinkType));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_pcapng_enhanced_and_simple_packet_blocks_in_either_byte_order(bool bigEndian)
    {
        var file = new List<byte>();
        file.AddRange(Block(0x0A0D0D0A, [.. U32(0x1A2B3C4D, bigEndian), .. U16(1, bigEndian), .. U16(0, bigEndian), .. new byte[8]], bigEndian));
        file.AddRange(Block(1, [.. U16(9, bigEndian), .. U16(0, bigEndian), .. U32(0, bigEndian)], bigEndian));
        file.AddRange(Block(99, [1, 2, 3, 4], bigEndian)); // unknown block: skipped
        file.AddRange(Block(6, [.. U32(0, bigEndian), .. new byte[8], .. U32((uint)First.Length, bigEndian), .. U32((uint)First.Length, bigEndian), .. Pad(First)], bigEndian));
        file.AddRange(Block(3, [.. U32((uint)Second.Length, bigEndian), .. Pad(Second)], bigEndian));

        IReadOnlyList<PcapPacket> packets = PcapReader.Read(file.ToArray());
        Assert.Equal([First, Second], packets.Select(p => p.Data));
        Assert.All(packets, p => Assert.Equal(9u, p.LinkType));
    }

    [Fact]
    public void A_record_running_past_the_end_of_the_file_is_cut_at_the_end()
    {
        byte[] file = PcapWriter.Write(9, [First]);
        IReadOnlyList<PcapPacket> packets = PcapReader.Read(file.AsSpan(0, file.Length - 2));
        Assert.Equal(First[..^2], Assert.Single(packets).Data);
    }

    [Theory]
    [InlineData("interop/freertr_ppp_chap_mp.pcapng", 23, 1u)]
    [InlineData("interop/freertr_tester_conn-ppp11.pcapng", 208, 1u)]
    [InlineData("malformed/mlppp-oobr.pcap", 1, 9u)]
    [InlineData("malformed/heapoverflow-ppp_hdlc_if_print.pcap", 1, 50u)]
    public void Reads_the_corpus_captures_packet_for_packet(string capture, int count, uint linkType)
    {
        IReadOnlyList<PcapPacket> packets = PcapReader.ReadFile(Fixtures.Path("corpus", capture));
        Assert.Equal(count, packets.Count);
        Assert.All(packets, p => Assert.Equal(linkType, p.LinkType));
    }

    [Fact]
    public void Finds_the_udp_ports_of_the_interop_capture()
    {
        IReadOnlyList<PcapPacket> packets = PcapReader.ReadFile(Fixtures.Path("corpus", "interop", "freertr_ppp_chap_mp.pcapng"));
        Assert.All(packets, p =>
        {
            Assert.True(CapturedLayers.TryGetUdp(p.LinkType, p.Data, out CapturedUdp udp));
            Assert.Equal([26011, 26012], new[] { (int)udp.SourcePort, udp.DestinationPort }.Order());
            Assert.Equal(0xFF, udp.Payload[0]);
        });
    }

    private static byte[] Block(uint type, byte[] body, bool bigEndian)
    {
        uint length = (uint)(12 + body.Length);
        return [.. U32(type, bigEndian), .. U32(length, bigEndian), .. body, .. U32(length, bigEndian)];
    }

    private static byte[] Pad(byte[] data) => [.. data, .. new byte[(4 - (data.Length % 4)) % 4]];

    private static byte[] U32(uint value, bool bigEndian)
    {
        var bytes = new byte[4];
        if (bigEndian)
            BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        else
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }

    private static byte[] U16(ushort value, bool bigEndian)
    {
        var bytes = new byte[2];
        if (bigEndian)
            BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        else
            BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        return bytes;
    }
}
