using System.Buffers;

namespace Gateway.Core.Ppp.Framing;

/// <summary>
/// The octets that need attention in an async stream for one ACCM: Flag, Control Escape and the control
/// characters the ACCM maps (RFC 1662 section 4.2). Built once per ACCM value, not per frame.
/// </summary>
internal sealed class AccmOctets
{
    private static readonly AccmOctets AllMapped = new(Hdlc.DefaultAccm);
    private static readonly AccmOctets NoneMapped = new(0);

    private AccmOctets(uint accm)
    {
        Accm = accm;
        var octets = new List<byte> { Hdlc.Flag, Hdlc.ControlEscape };
        for (int c = 0; c < Hdlc.ControlCharacterLimit; c++)
        {
            if ((accm & (1u << c)) != 0)
                octets.Add((byte)c);
        }

        Values = SearchValues.Create(octets.ToArray());
    }

    public uint Accm { get; }

    /// <summary>Flag, Control Escape and the mapped control characters.</summary>
    public SearchValues<byte> Values { get; }

    public static AccmOctets For(uint accm) => accm switch
    {
        Hdlc.DefaultAccm => AllMapped,
        0 => NoneMapped,
        _ => new AccmOctets(accm),
    };

    /// <summary>Same set as <see cref="Values"/>, without the virtual call, for single-octet checks.</summary>
    public bool Contains(byte c) => c == Hdlc.Flag || c == Hdlc.ControlEscape || Hdlc.IsMapped(Accm, c);
}
