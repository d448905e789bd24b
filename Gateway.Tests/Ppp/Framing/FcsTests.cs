using System.Text;
using CsCheck;
using Gateway.Core.Ppp.Framing;

namespace Gateway.Tests.Ppp.Framing;

public class FcsTests
{
    private static readonly byte[] CheckInput = Encoding.ASCII.GetBytes("123456789");

    [Fact]
    public void Fcs16_of_123456789_is_the_published_CRC16_X25_check_value() =>
        Assert.Equal(0x906E, Fcs16.Compute(CheckInput));

    [Fact]
    public void Fcs32_of_123456789_is_the_published_CRC32_check_value() =>
        Assert.Equal(0xCBF43926u, Fcs32.Compute(CheckInput));

    [Fact]
    public void Fcs16_of_an_lcp_frame_matches_what_wireshark_computes()
    {
        // FF 03 C0 21 Configure-Request (MRU 1500, Magic-Number 0x12345678); tshark -o ppp.fcs_type:16-Bit said 0x4e6e.
        byte[] frame = Convert.FromHexString("FF03C0210101000E010405DC050612345678");
        Assert.Equal(0x4E6E, Fcs16.Compute(frame));
    }

    [Fact]
    public void Frame_followed_by_its_fcs16_leaves_the_rfc1662_good_residue() =>
        Gen.Byte.Array[0, 300].Sample(data =>
        {
            var frame = new byte[data.Length + Fcs16.Length];
            data.CopyTo(frame, 0);
            Fcs16.Write(Fcs16.Compute(data), frame.AsSpan(data.Length));
            Assert.Equal(Fcs16.GoodResidue, Fcs16.Update(Fcs16.InitialValue, frame));
            Assert.Equal(0xF0B8, Fcs16.GoodResidue);
            Assert.True(Fcs16.IsGood(frame));
        });

    [Fact]
    public void Frame_followed_by_its_fcs32_leaves_the_rfc1662_good_residue() =>
        Gen.Byte.Array[0, 300].Sample(data =>
        {
            var frame = new byte[data.Length + Fcs32.Length];
            data.CopyTo(frame, 0);
            Fcs32.Write(Fcs32.Compute(data), frame.AsSpan(data.Length));
            Assert.Equal(Fcs32.GoodResidue, Fcs32.Update(Fcs32.InitialValue, frame));
            Assert.Equal(0xDEBB20E3u, Fcs32.GoodResidue);
            Assert.True(Fcs32.IsGood(frame));
        });

    [Fact]
    public void Table_driven_fcs_equals_the_bitwise_definition_for_any_data_split_anywhere() =>
        Gen.Select(Gen.Byte.Array[0, 100], Gen.Int[0, 100]).Sample((data, cut) =>
        {
            cut = Math.Min(cut, data.Length);
            ushort fcs16 = Fcs16.Update(Fcs16.Update(Fcs16.InitialValue, data.AsSpan(0, cut)), data.AsSpan(cut));
            uint fcs32 = Fcs32.Update(Fcs32.Update(Fcs32.InitialValue, data.AsSpan(0, cut)), data.AsSpan(cut));
            Assert.Equal(BitwiseCrc(data, 0xFFFF, 0x8408), fcs16);
            Assert.Equal(BitwiseCrc(data, 0xFFFFFFFF, 0xEDB88320), fcs32);
        });

    [Fact]
    public void A_single_flipped_bit_breaks_the_residue() =>
        Gen.Select(Gen.Byte.Array[1, 200], Gen.Int[0, int.MaxValue]).Sample((data, bit) =>
        {
            var frame16 = new byte[data.Length + Fcs16.Length];
            data.CopyTo(frame16, 0);
            Fcs16.Write(Fcs16.Compute(data), frame16.AsSpan(data.Length));
            var frame32 = new byte[data.Length + Fcs32.Length];
            data.CopyTo(frame32, 0);
            Fcs32.Write(Fcs32.Compute(data), frame32.AsSpan(data.Length));

            frame16[bit / 8 % frame16.Length] ^= (byte)(1 << (bit % 8));
            frame32[bit / 8 % frame32.Length] ^= (byte)(1 << (bit % 8));
            Assert.False(Fcs16.IsGood(frame16));
            Assert.False(Fcs32.IsGood(frame32));
        });

    private static uint BitwiseCrc(byte[] data, uint crc, uint polynomial)
    {
        foreach (byte b in data)
        {
            crc ^= b;
            for (int i = 0; i < 8; i++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ polynomial : crc >> 1;
        }

        return crc;
    }
}
