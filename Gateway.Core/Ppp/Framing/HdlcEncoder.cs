using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Gateway.Core.Ppp.Framing;

/// <summary>
/// Encodes PPP frames in async HDLC-like framing (RFC 1662 section 4): flag, address and control, protocol,
/// information, FCS, flag, with octet stuffing. Writes into a caller-provided buffer; allocates nothing per frame.
/// Not thread-safe: one encoder per link direction.
/// </summary>
/// <remarks>
/// LCP packets always go with <c>FF 03</c>, a two-octet protocol field (RFC 1661 sections 6.5 and 6.6) and every
/// control character escaped (the default ACCM of RFC 1662 section 7.1, as FreeBSD ppp does for all LCP), so that
/// they reach a peer whose view of the negotiated options differs from ours. Each frame starts and ends with a flag.
/// </remarks>
public sealed class HdlcEncoder
{
    private AccmOctets escaped = AccmOctets.For(Hdlc.DefaultAccm);

    /// <summary>
    /// The peer's receive ACCM, i.e. the control characters we escape (RFC 1662 section 7.1).
    /// Flag and Control Escape are always escaped. Default all ones.
    /// </summary>
    public uint SendAccm
    {
        get => escaped.Accm;
        set
        {
            if (value != escaped.Accm)
                escaped = AccmOctets.For(value);
        }
    }

    /// <summary>The FCS to append (default 16-bit).</summary>
    public FcsKind Fcs { get; set; } = FcsKind.Fcs16;

    /// <summary>The compressions the peer agreed to receive (LCP ACFC/PFC Configure-Ack'd). Default none.</summary>
    public PppHeaderCompression Compression { get; set; }

    /// <summary>Frames encoded so far.</summary>
    public long FramesOut { get; private set; }

    /// <summary>Octets encoded so far, flags and escapes included.</summary>
    public long OctetsOut { get; private set; }

    /// <summary>
    /// Octets encoded so far as RFC 1989 section 2.2 counts them (LQR OutOctets): address through FCS before
    /// transparency and one flag per frame; escapes and the second flag are not counted.
    /// </summary>
    public long QualityOctetsOut { get; private set; }

    /// <summary>
    /// Largest encoding of an information field of <paramref name="informationLength"/> octets, whatever
    /// the options: two flags and every header, information and FCS octet escaped.
    /// </summary>
    public static int MaxEncodedLength(int informationLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(informationLength);
        return 2 + (2 * (PppHeader.MaxLength + informationLength + Fcs32.Length));
    }

    /// <summary>Encodes one frame; returns the octets written. Throws when <paramref name="destination"/> is too small.</summary>
    public int Encode(ushort protocol, ReadOnlySpan<byte> information, Span<byte> destination)
    {
        if (!TryEncode(protocol, information, destination, out int written))
            throw new ArgumentException($"Destination too small; {MaxEncodedLength(information.Length)} octets always suffice.", nameof(destination));
        return written;
    }

    /// <inheritdoc cref="Encode(ushort, ReadOnlySpan{byte}, Span{byte})"/>
    public int Encode(PppProtocol protocol, ReadOnlySpan<byte> information, Span<byte> destination) =>
        Encode((ushort)protocol, information, destination);

    /// <summary>Encodes one frame; false (nothing counted) when <paramref name="destination"/> is too small.</summary>
    public bool TryEncode(ushort protocol, ReadOnlySpan<byte> information, Span<byte> destination, out int bytesWritten)
    {
        bool isLcp = protocol == (ushort)PppProtocol.Lcp;
        AccmOctets map = isLcp ? AccmOctets.For(Hdlc.DefaultAccm) : escaped;

        Span<byte> header = stackalloc byte[PppHeader.MaxLength];
        header = header[..PppHeader.Write(header, protocol, Compression)];

        Span<byte> fcs = stackalloc byte[Fcs32.Length];
        if (Fcs == FcsKind.Fcs32)
        {
            Fcs32.Write(~Fcs32.Update(Fcs32.Update(Fcs32.InitialValue, header), information), fcs);
        }
        else
        {
            Fcs16.Write((ushort)~Fcs16.Update(Fcs16.Update(Fcs16.InitialValue, header), information), fcs);
            fcs = fcs[..Fcs16.Length];
        }

        bytesWritten = 0;
        int position = 0;
        if (destination.IsEmpty)
            return false;
        destination[position++] = Hdlc.Flag;
        if (!TryStuff(header, destination, ref position, map)
            || !TryStuff(information, destination, ref position, map)
            || !TryStuff(fcs, destination, ref position, map)
            || position >= destination.Length)
        {
            return false;
        }

        destination[position++] = Hdlc.Flag;
        bytesWritten = position;
        FramesOut++;
        OctetsOut += position;
        QualityOctetsOut += header.Length + information.Length + fcs.Length + Hdlc.QualityFlagOctets;
        return true;
    }

    // RFC 1662 section 4.2: each mapped octet becomes Control Escape followed by the octet xor 0x20.
    // Long runs without escapes are found with a vectorised search and copied; where escapes are dense
    // (random data under the default ACCM escapes one octet in eight) a branch-free table loop is faster.
    private static bool TryStuff(ReadOnlySpan<byte> source, Span<byte> destination, ref int position, AccmOctets map)
    {
        bool sparse = false;
        while (!source.IsEmpty)
        {
            int run = source.IndexOfAny(map.Escaped);
            if (run < 0)
                run = source.Length;
            if (run >= DenseRunLimit || run == source.Length)
            {
                if (run > destination.Length - position)
                    return false;
                source[..run].CopyTo(destination[position..]);
                position += run;
                source = source[run..];
                sparse = true;
                continue;
            }

            // After a long run, one octet to escape is likely alone: take it here and search again.
            if (sparse && run == 0 && destination.Length - position >= 2)
            {
                destination[position] = Hdlc.ControlEscape;
                destination[position + 1] = (byte)(source[0] ^ Hdlc.EscapeXor);
                position += 2;
                source = source[1..];
                continue;
            }

            sparse = false;

            int take = Math.Min(Math.Min(source.Length, DenseChunk), (destination.Length - position) / 2);
            if (take == 0)
            {
                // Less than two octets of room: only a last octet that needs no escape still fits.
                if (map.EscapeTable[source[0]] != 0 || destination.Length == position)
                    return false;
                destination[position++] = source[0];
                source = source[1..];
                continue;
            }

            ref byte table = ref MemoryMarshal.GetArrayDataReference(map.EscapeTable);
            ref byte output = ref destination[position];
            int written = 0;
            for (int i = 0; i < take; i++)
            {
                byte octet = source[i];
                int escape = Unsafe.Add(ref table, octet);
                Unsafe.Add(ref output, written) = Hdlc.ControlEscape;
                Unsafe.Add(ref output, written + escape) = (byte)(octet ^ (escape << 5)); // escape << 5 == EscapeXor when escaping
                written += 1 + escape;
            }

            position += written;
            source = source[take..];
        }

        return true;
    }

    private const int DenseRunLimit = 16;
    private const int DenseChunk = 64;
}
