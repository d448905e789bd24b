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
/// <para>Dropped and counted in <see cref="Counters"/>: frames shorter than a protocol octet plus the FCS (RFC 1662
/// section 4.3: fewer than 4 octets with the 16-bit FCS), a bad FCS, a frame longer than
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
            if (discarding)
            {
                int flagAt = input.IndexOf(Hdlc.Flag);
                if (flagAt < 0)
                {
                    Consume(ref input, input.Length);
                    return false;
                }

                Consume(ref input, flagAt + 1);
                counters.ErrorOctets += frameOctets;
                StartFrame();
                continue;
            }

            if (escaped)
            {
                ReadEscaped(ref input);
                continue;
            }

            int specialAt = input.IndexOfAny(special.Values);
            int run = specialAt < 0 ? input.Length : specialAt;
            if (run > 0)
            {
                if (run > buffer.Length - length)
                {
                    Overflow();
                    continue;
                }

                input[..run].CopyTo(buffer.AsSpan(length));
                length += run;
                Consume(ref input, run);
                if (input.IsEmpty)
                    return false;
            }

            byte octet = input[0];
            Consume(ref input, 1);
            if (octet == Hdlc.Flag)
            {
                if (TryEndFrame(out frame))
                    return true;
            }
            else if (octet == Hdlc.ControlEscape)
            {
                escaped = true;
            }
            else
            {
                counters.DiscardedControlCharacters++;
            }
        }

        return false;
    }

    // The octet after a Control Escape, and any escaped pairs straight after it (the worst case is all pairs).
    private void ReadEscaped(ref ReadOnlySpan<byte> input)
    {
        byte octet = input[0];
        Consume(ref input, 1);
        if (octet == Hdlc.Flag)
        {
            // RFC 1662 section 4.3: Control Escape then Flag aborts the frame; the flag starts the next one.
            counters.Aborts++;
            counters.ErrorOctets += frameOctets;
            StartFrame();
            return;
        }

        if (Hdlc.IsMapped(special.Accm, octet))
        {
            counters.DiscardedControlCharacters++;
            return;
        }

        escaped = false;
        if (!TryAppend((byte)(octet ^ Hdlc.EscapeXor)))
            return;

        while (input.Length >= 2 && input[0] == Hdlc.ControlEscape && length < buffer.Length)
        {
            byte next = input[1];
            if (next == Hdlc.Flag || Hdlc.IsMapped(special.Accm, next))
                return;
            buffer[length++] = (byte)(next ^ Hdlc.EscapeXor);
            Consume(ref input, 2);
        }
    }

    private bool TryAppend(byte octet)
    {
        if (length == buffer.Length)
        {
            Overflow();
            return false;
        }

        buffer[length++] = octet;
        return true;
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
        if (frameLength < fcsLength + Hdlc.MinimumFrameLengthFcs16 - Fcs16.Length)
        {
            counters.Runts++;
        }
        else if (!(Fcs == FcsKind.Fcs32 ? Fcs32.IsGood(content) : Fcs16.IsGood(content)))
        {
            counters.BadFcs++;
        }
        else
        {
            switch (PppHeader.TryRead(content[..^fcsLength], out frame))
            {
                case PppHeaderStatus.Ok:
                    counters.FramesIn++;
                    counters.GoodOctets += octets;
                    return true;
                case PppHeaderStatus.TooShort:
                    counters.Runts++;
                    break;
                default:
                    counters.BadHeaders++;
                    break;
            }
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
