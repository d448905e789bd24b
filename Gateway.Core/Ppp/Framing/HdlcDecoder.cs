using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Gateway.Core.Ppp.Framing;

/// <summary>
/// Resumable decoder for async HDLC-like framing (RFC 1662 section 4). Feed it the byte stream in pieces of any
/// size, one octet included; it returns one frame at a time and keeps at most <see cref="MaxFrameLength"/>
/// octets of an unfinished frame. Nothing is allocated per frame. Not thread-safe: one decoder per link.
/// </summary>
/// <remarks>
/// <para>Every Flag ends the frame before it and starts the next, so a frame need not open with a flag (slirp
/// sends only closing flags) and back-to-back frames may share one. Flags with nothing between them are idle
/// fill. Octets before the first flag of a stream form a frame like any other (usually counted as a bad FCS).</para>
/// <para>Dropped and counted in <see cref="Counters"/>: runts, frames of fewer than two octets plus the FCS (RFC 1662
/// section 4.3: fewer than 4 octets with the 16-bit FCS; 6 with the 32-bit one), a bad FCS, a frame longer than
/// <see cref="MaxFrameLength"/> (the rest of it is skipped up to the next flag, the buffer never grows), a frame
/// aborted by Control Escape + Flag (RFC 1662 section 4.3), a header whose address 0xFF is not followed by 0x03.
/// Control characters in <see cref="ReceiveAccm"/> that arrive unescaped are removed before anything else, as
/// RFC 1662 section 4.2 says (modems and terminal servers insert XON/XOFF).</para>
/// <para>Compressed headers (no <c>FF 03</c>, one-octet protocol field) are always accepted, negotiated or not:
/// see <see cref="PppHeader"/> for the policy and why.</para>
/// </remarks>
public sealed class HdlcDecoder
{
    /// <summary>Room for a default-MRU information field (RFC 1661 section 6.1), the largest header and FCS-32.</summary>
    public const int DefaultMaxFrameLength = Hdlc.DefaultMru + PppHeader.MaxLength + Fcs32.Length;

    private const int DenseRunLimit = 16;
    private const int DenseChunk = 64;

    private readonly byte[] buffer;
    private AccmOctets special = AccmOctets.For(Hdlc.DefaultAccm);
    private FramingCounters counters;
    private int length;
    private bool escaped;
    private bool discarding;
    private long frameOctets;

    /// <param name="maxFrameLength">Most octets kept for one frame, address through FCS after transparency removal.</param>
    public HdlcDecoder(int maxFrameLength = DefaultMaxFrameLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrameLength, PppHeader.MaxLength + Fcs32.Length);
        buffer = new byte[maxFrameLength];
    }

    /// <summary>A decoder whose buffer holds an information field of <paramref name="mru"/> octets plus header and FCS-32.</summary>
    public static HdlcDecoder ForMru(int mru) => new(mru + PppHeader.MaxLength + Fcs32.Length);

    /// <summary>
    /// Our receive ACCM: control characters we asked the peer to escape, so unescaped ones are line noise and are
    /// removed (RFC 1662 section 4.2). Default all ones, the ACCM before LCP negotiates one (RFC 1662 section 7.1).
    /// </summary>
    public uint ReceiveAccm
    {
        get => special.Accm;
        set
        {
            if (value != special.Accm)
                special = AccmOctets.For(value);
        }
    }

    /// <summary>The FCS the peer appends (default 16-bit).</summary>
    public FcsKind Fcs { get; set; } = FcsKind.Fcs16;

    /// <summary>Most octets kept for one frame.</summary>
    public int MaxFrameLength => buffer.Length;

    /// <summary>Octets of the unfinished frame held now (never above <see cref="MaxFrameLength"/>).</summary>
    public int BufferedLength => length;

    /// <summary>A copy of the receive counters.</summary>
    public FramingCounters Counters => counters;

    /// <summary>Forgets any unfinished frame (e.g. after carrier loss); counters are kept.</summary>
    public void Reset() => StartFrame();

    /// <summary>
    /// Consumes octets from <paramref name="input"/> until a frame is complete (true, with the octets through its
    /// closing flag consumed) or the input is used up (false; the partial frame is kept for the next call).
    /// <paramref name="frame"/> stays valid until the next call on this decoder. Never throws on bad input.
    /// </summary>
    public bool TryReadFrame(ref ReadOnlySpan<byte> input, out PppFrame frame)
    {
        frame = default;
        while (!input.IsEmpty)
        {
            int flagAt = input.IndexOf(Hdlc.Flag);
            ReadOnlySpan<byte> segment = flagAt < 0 ? input : input[..flagAt];
            if (!discarding)
                Unstuff(segment);
            Consume(ref input, segment.Length);
            if (flagAt < 0)
                return false;

            Consume(ref input, 1);
            if (discarding)
            {
                counters.ErrorOctets += frameOctets;
                StartFrame();
            }
            else if (escaped)
            {
                // RFC 1662 section 4.3: Control Escape then Flag aborts the frame; the flag starts the next one.
                counters.Aborts++;
                counters.ErrorOctets += frameOctets;
                StartFrame();
            }
            else if (TryEndFrame(out frame))
            {
                return true;
            }
        }

        return false;
    }

    // Appends the octets of a stretch without flags to the frame, undoing transparency (RFC 1662 section 4.2).
    // Long runs without escapes are found with a vectorised search and copied; where escapes are dense (random
    // data under the default ACCM has one in eight) a branch-free table loop does better.
    private void Unstuff(ReadOnlySpan<byte> segment)
    {
        bool sparse = false;
        while (!segment.IsEmpty && !discarding)
        {
            int room = buffer.Length - length;
            if (!escaped)
            {
                int run = segment.IndexOfAny(special.EscapeOrMapped);
                if (run < 0)
                    run = segment.Length;
                if (run >= DenseRunLimit || run == segment.Length)
                {
                    if (run > room)
                    {
                        Overflow();
                        return;
                    }

                    segment[..run].CopyTo(buffer.AsSpan(length));
                    length += run;
                    segment = segment[run..];
                    sparse = true;
                    continue;
                }

                // After a long run, one escaped pair is likely alone: take it here and search again.
                if (sparse && run == 0 && segment.Length >= 2 && room > 0
                    && segment[0] == Hdlc.ControlEscape && special.MappedTable[segment[1]] == 0)
                {
                    buffer[length++] = (byte)(segment[1] ^ Hdlc.EscapeXor);
                    segment = segment[2..];
                    continue;
                }
            }

            sparse = false;

            if (room == 0)
            {
                // A full buffer may still be followed by octets that add nothing: an escape, or line noise.
                byte octet = segment[0];
                segment = segment[1..];
                if (special.MappedTable[octet] != 0)
                    counters.DiscardedControlCharacters++;
                else if (!escaped && octet == Hdlc.ControlEscape)
                    escaped = true;
                else
                    Overflow();
                continue;
            }

            int take = Math.Min(Math.Min(segment.Length, room), DenseChunk);
            ref byte kinds = ref MemoryMarshal.GetArrayDataReference(special.UnstuffTable);
            ref byte source = ref MemoryMarshal.GetReference(segment);
            ref byte output = ref buffer[length];
            int written = 0;
            int pending = escaped ? 1 : 0;
            for (int i = 0; i < take; i++)
            {
                byte octet = Unsafe.Add(ref source, i);
                int kind = Unsafe.Add(ref kinds, octet);
                if (kind == AccmOctets.Mapped)
                {
                    // RFC 1662 section 4.2: a mapped control character that arrives bare was added by the line.
                    counters.DiscardedControlCharacters++;
                    continue;
                }

                int isEscape = kind & (pending ^ 1); // kind is 1 for Control Escape, 0 for any other octet
                Unsafe.Add(ref output, written) = (byte)(octet ^ (pending << 5)); // pending << 5 == EscapeXor after an escape
                written += isEscape ^ 1;
                pending = isEscape;
            }

            escaped = pending != 0;
            length += written;
            segment = segment[take..];
        }
    }

    private void Overflow()
    {
        counters.TooLong++;
        discarding = true;
        escaped = false;
        length = 0;
    }

    private bool TryEndFrame(out PppFrame frame)
    {
        frame = default;
        int frameLength = length;
        long octets = frameOctets;
        StartFrame();
        if (frameLength == 0)
            return false;

        int fcsLength = Fcs == FcsKind.Fcs32 ? Fcs32.Length : Fcs16.Length;
        ReadOnlySpan<byte> content = buffer.AsSpan(0, frameLength);
        // RFC 1662 section 4.3's minimum (4 octets with the 16-bit FCS) carried over to the FCS in use.
        if (frameLength < Hdlc.MinimumFrameLengthFcs16 - Fcs16.Length + fcsLength)
        {
            counters.Runts++;
        }
        else if (!(Fcs == FcsKind.Fcs32 ? Fcs32.IsGood(content) : Fcs16.IsGood(content)))
        {
            counters.BadFcs++;
        }
        else
        {
            if (!counters.CountByHeader(PppHeader.TryRead(content[..^fcsLength], out frame), octets))
                return false;
            counters.QualityOctets += frameLength + Hdlc.QualityFlagOctets;
            return true;
        }

        counters.ErrorOctets += octets;
        return false;
    }

    private void StartFrame()
    {
        length = 0;
        escaped = false;
        discarding = false;
        frameOctets = 0;
    }

    private void Consume(ref ReadOnlySpan<byte> input, int count)
    {
        counters.OctetsIn += count;
        frameOctets += count;
        input = input[count..];
    }
}
