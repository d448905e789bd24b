using System.Buffers;

namespace Gateway.Core.Ppp.Framing;

/// <summary>
/// The octets that need attention in an async stream for one ACCM (RFC 1662 section 4.2), as search sets for
/// sparse data and as 256-entry tables for dense data. Built once per ACCM value, never per frame.
/// </summary>
internal sealed class AccmOctets
{
    private static readonly AccmOctets AllMapped = new(Hdlc.DefaultAccm);
    private static readonly AccmOctets NoneMapped = new(0);

    private AccmOctets(uint accm)
    {
        Accm = accm;
        var mapped = new List<byte>();
        for (int c = 0; c < Hdlc.ControlCharacterLimit; c++)
        {
            if (Hdlc.IsMapped(accm, (byte)c))
            {
                mapped.Add((byte)c);
                MappedTable[c] = 1;
                EscapeTable[c] = 1;
                UnstuffTable[c] = Mapped;
            }
        }

        UnstuffTable[Hdlc.ControlEscape] = Escape;
        EscapeTable[Hdlc.Flag] = 1;
        EscapeTable[Hdlc.ControlEscape] = 1;
        Escaped = SearchValues.Create([Hdlc.Flag, Hdlc.ControlEscape, .. mapped]);
        EscapeOrMapped = SearchValues.Create([Hdlc.ControlEscape, .. mapped]);
    }

    /// <summary><see cref="UnstuffTable"/> value of Control Escape.</summary>
    public const byte Escape = 1;

    /// <summary><see cref="UnstuffTable"/> value of a mapped control character.</summary>
    public const byte Mapped = 2;

    public uint Accm { get; }

    /// <summary>What a sender escapes: Flag, Control Escape and the mapped control characters.</summary>
    public SearchValues<byte> Escaped { get; }

    /// <summary>Within a frame (flags already found), what a receiver must look at: Control Escape and mapped control characters.</summary>
    public SearchValues<byte> EscapeOrMapped { get; }

    /// <summary>1 for each octet in <see cref="Escaped"/>, else 0.</summary>
    public byte[] EscapeTable { get; } = new byte[256];

    /// <summary>For a receiver inside a frame: <see cref="Escape"/>, <see cref="Mapped"/>, or 0 for a data octet.</summary>
    public byte[] UnstuffTable { get; } = new byte[256];

    /// <summary>1 for each mapped control character, else 0.</summary>
    public byte[] MappedTable { get; } = new byte[256];

    public static AccmOctets For(uint accm) => accm switch
    {
        Hdlc.DefaultAccm => AllMapped,
        0 => NoneMapped,
        _ => new AccmOctets(accm),
    };
}
