using CsCheck;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Framing;
using static Gateway.Tests.Ppp.Framing.FramingTestKit;

namespace Gateway.Tests.Ppp.Framing;

/// <summary>Encode then decode is the identity, however the byte stream is cut into reads.</summary>
public class HdlcStreamTests
{
    private static readonly ushort[] Protocols =
    [
        (ushort)PppProtocol.Ip, (ushort)PppProtocol.Multilink, (ushort)PppProtocol.Ipv6, (ushort)PppProtocol.Ipcp,
        (ushort)PppProtocol.Lcp, (ushort)PppProtocol.Pap, (ushort)PppProtocol.Chap, (ushort)PppProtocol.Lqr, 0x00FB, 0x0001,
    ];

    public static TheoryData<uint, PppHeaderCompression, FcsKind> LinkSettings() => new()
    {
        { 0xFFFFFFFF, PppHeaderCompression.None, FcsKind.Fcs16 },
        { 0x00000000, PppHeaderCompression.Both, FcsKind.Fcs16 },
        { 0x000A0000, PppHeaderCompression.AddressControl, FcsKind.Fcs32 },
        { 0x5A5A5A5A, PppHeaderCompression.Protocol, FcsKind.Fcs32 },
    };

    [Theory]
    [MemberData(nameof(LinkSettings))]
    public void A_stream_of_frames_cut_at_every_position_decodes_to_the_same_frames(uint accm, PppHeaderCompression compression, FcsKind fcs)
    {
        (byte[] stream, List<DecodedFrame> sent) = BuildStream(new Random((int)accm ^ (int)compression), accm, compression, fcs, count: 5, maxLength: 80);
        for (int cut = 0; cut <= stream.Length; cut++)
        {
            var decoder = new HdlcDecoder { ReceiveAccm = accm, Fcs = fcs };
            Assert.Equal(sent, DecodeAll(decoder, stream[..cut], stream[cut..]));
            Assert.Equal(0, decoder.Counters.InErrors);
        }
    }

    [Theory]
    [MemberData(nameof(LinkSettings))]
    public void A_stream_of_frames_fed_one_octet_at_a_time_decodes_to_the_same_frames(uint accm, PppHeaderCompression compression, FcsKind fcs)
    {
        (byte[] stream, List<DecodedFrame> sent) = BuildStream(new Random(42), accm, compression, fcs, count: 8, maxLength: 300);
        var decoder = new HdlcDecoder { ReceiveAccm = accm, Fcs = fcs };
        Assert.Equal(sent, DecodeAll(decoder, stream.Select(b => new[] { b })));
        Assert.Equal(stream.Length, decoder.Counters.OctetsIn);
        Assert.Equal(0, decoder.Counters.InErrors);
    }

    [Fact]
    public void Any_frames_with_any_accm_compression_and_fcs_survive_encoding_and_decoding_in_random_reads()
    {
        // At least one information octet: a compressed protocol field alone is shorter than RFC 1662 4.3's minimum frame.
        Gen<(ushort, byte[])> frame = Gen.Select(Gen.OneOf(Protocols), Gen.Byte.Array[1, 200]);
        Gen.Select(frame.List[1, 6], Gen.UInt, Gen.UInt, Gen.Int[0, 3], Gen.Bool, Gen.Int[1, 64])
            .Sample((frames, sendAccm, receiveMask, compression, fcs32, readSize) =>
            {
                var encoder = new HdlcEncoder { SendAccm = sendAccm, Compression = (PppHeaderCompression)compression, Fcs = fcs32 ? FcsKind.Fcs32 : FcsKind.Fcs16 };
                // We only ever map in our receive ACCM what we asked the peer to escape.
                var decoder = new HdlcDecoder { ReceiveAccm = sendAccm & receiveMask, Fcs = encoder.Fcs };
                byte[] stream = frames.SelectMany(f => Encode(encoder, f.Item1, f.Item2)).ToArray();
                List<DecodedFrame> decoded = DecodeAll(decoder, stream.Chunk(readSize));
                Assert.Equal(frames.Select(f => new DecodedFrame(f.Item1, f.Item2)), decoded);
                Assert.Equal(0, decoder.Counters.InErrors);
            });
    }

    [Fact]
    public void Frames_up_to_the_maximum_decode_and_longer_ones_are_counted_too_long_whatever_the_escapes_and_line_noise()
    {
        const int maxFrameLength = 40;
        Gen.Select(Gen.Byte.Array[0, 48].List[1, 8], Gen.UInt, Gen.Bool, Gen.Int[0, 1000].Array[0, 10], Gen.Int[1, 50])
            .Sample((payloads, accm, fcs32, noiseAt, readSize) =>
            {
                var encoder = new HdlcEncoder { SendAccm = accm, Fcs = fcs32 ? FcsKind.Fcs32 : FcsKind.Fcs16 };
                var decoder = new HdlcDecoder(maxFrameLength) { ReceiveAccm = accm, Fcs = encoder.Fcs };
                int fcsLength = fcs32 ? Fcs32.Length : Fcs16.Length;
                var stream = payloads.SelectMany(p => Encode(encoder, (ushort)PppProtocol.Ip, p)).ToList();

                // Line noise: control characters of the receive ACCM dropped in anywhere, even after an escape.
                int noise = Enumerable.Range(0, 32).FirstOrDefault(c => Hdlc.IsMapped(accm, (byte)c), -1);
                if (noise >= 0)
                {
                    foreach (int at in noiseAt)
                        stream.Insert(at % (stream.Count + 1), (byte)noise);
                }

                List<DecodedFrame> decoded = DecodeAll(decoder, stream.ToArray().Chunk(readSize));
                var fitting = payloads.Where(p => PppHeader.MaxLength + p.Length + fcsLength <= maxFrameLength).ToList();
                Assert.Equal(fitting.Select(p => new DecodedFrame((ushort)PppProtocol.Ip, p)), decoded);
                Assert.Equal(payloads.Count - fitting.Count, decoder.Counters.TooLong);
                Assert.Equal(decoder.Counters.TooLong, decoder.Counters.InErrors);
                // Noise inside a frame already being skipped as too long is skipped with it, uncounted.
                if (decoder.Counters.TooLong == 0)
                    Assert.Equal(noise >= 0 ? noiseAt.Length : 0, decoder.Counters.DiscardedControlCharacters);
                Assert.InRange(decoder.BufferedLength, 0, maxFrameLength);
            });
    }

    [Fact]
    public void Random_line_noise_never_throws_stays_bounded_and_leaves_the_decoder_working() =>
        Gen.Select(Gen.Byte.Array[0, 3000], Gen.UInt, Gen.Bool, Gen.Int[1, 700]).Sample((noise, accm, fcs32, readSize) =>
        {
            var decoder = new HdlcDecoder(256) { ReceiveAccm = accm, Fcs = fcs32 ? FcsKind.Fcs32 : FcsKind.Fcs16 };
            foreach (byte[] chunk in noise.Chunk(readSize))
            {
                ReadOnlySpan<byte> input = chunk;
                while (decoder.TryReadFrame(ref input, out PppFrame frame))
                    Assert.InRange(frame.Information.Length, 0, decoder.MaxFrameLength);
                Assert.InRange(decoder.BufferedLength, 0, decoder.MaxFrameLength);
            }

            Assert.Equal(noise.Length, decoder.Counters.OctetsIn);
            Assert.True(decoder.Counters.GoodOctets + decoder.Counters.ErrorOctets <= noise.Length);
            var encoder = new HdlcEncoder { Fcs = decoder.Fcs };
            List<DecodedFrame> after = DecodeAll(decoder, [Hdlc.Flag, .. Encode(encoder, (ushort)PppProtocol.Lcp, EchoRequest)]);
            Assert.Equal([new DecodedFrame((ushort)PppProtocol.Lcp, EchoRequest)], after);
        });

    [Fact]
    public void Only_flags_escapes_and_mapped_control_characters_are_ever_escaped() =>
        Gen.Select(Gen.Byte.Array[0, 100], Gen.UInt).Sample((information, accm) =>
        {
            var encoder = new HdlcEncoder { SendAccm = accm, Compression = PppHeaderCompression.Both };
            byte[] wire = Encode(encoder, (ushort)PppProtocol.Ip, information);
            for (int i = 1; i < wire.Length - 1; i++)
            {
                Assert.NotEqual(Hdlc.Flag, wire[i]);
                Assert.False(Hdlc.IsMapped(accm, wire[i]), $"mapped control character 0x{wire[i]:X2} sent bare");
                if (wire[i] == Hdlc.ControlEscape)
                {
                    byte original = (byte)(wire[++i] ^ Hdlc.EscapeXor);
                    Assert.True(original is Hdlc.Flag or Hdlc.ControlEscape || Hdlc.IsMapped(accm, original), $"0x{original:X2} escaped needlessly");
                }
            }
        });

    private static (byte[] Stream, List<DecodedFrame> Frames) BuildStream(Random random, uint accm, PppHeaderCompression compression, FcsKind fcs, int count, int maxLength)
    {
        var encoder = new HdlcEncoder { SendAccm = accm, Compression = compression, Fcs = fcs };
        var stream = new List<byte>();
        var frames = new List<DecodedFrame>();
        for (int i = 0; i < count; i++)
        {
            ushort protocol = Protocols[random.Next(Protocols.Length)];
            byte[] information = new byte[1 + random.Next(maxLength)];
            random.NextBytes(information);
            stream.AddRange(Encode(encoder, protocol, information));
            frames.Add(new DecodedFrame(protocol, information));
        }

        return (stream.ToArray(), frames);
    }
}
