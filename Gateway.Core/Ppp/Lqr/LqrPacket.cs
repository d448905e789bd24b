using System.Buffers.Binary;

namespace Gateway.Core.Ppp.Lqr;

/// <summary>
/// The Link-Quality-Report packet (RFC 1989 section 2.6): the Magic-Number and eleven 32-bit counters,
/// 48 octets after the 0xC025 protocol field. Any other length is dropped and counted by the caller.
/// </summary>
public readonly record struct LqrPacket(
    uint MagicNumber,
    uint LastOutLqrs,
    uint LastOutPackets,
    uint LastOutOctets,
    uint PeerInLqrs,
    uint PeerInPackets,
    uint PeerInDiscards,
    uint PeerInErrors,
    uint PeerInOctets,
    uint PeerOutLqrs,
    uint PeerOutPackets,
    uint PeerOutOctets)
{
    /// <summary>Magic-Number plus eleven counters, 4 octets each (RFC 1989 2.6).</summary>
    public const int Length = 48;

    public static bool TryRead(ReadOnlySpan<byte> body, out LqrPacket packet)
    {
        packet = default;
        if (body.Length != Length)
            return false;
        packet = new LqrPacket(
            Read(body, 0), Read(body, 1), Read(body, 2), Read(body, 3), Read(body, 4), Read(body, 5),
            Read(body, 6), Read(body, 7), Read(body, 8), Read(body, 9), Read(body, 10), Read(body, 11));
        return true;
    }

    /// <summary>Writes the 48 octets; returns <see cref="Length"/>.</summary>
    public int WriteTo(Span<byte> destination)
    {
        var d = destination[..Length];
        Write(d, 0, MagicNumber);
        Write(d, 1, LastOutLqrs);
        Write(d, 2, LastOutPackets);
        Write(d, 3, LastOutOctets);
        Write(d, 4, PeerInLqrs);
        Write(d, 5, PeerInPackets);
        Write(d, 6, PeerInDiscards);
        Write(d, 7, PeerInErrors);
        Write(d, 8, PeerInOctets);
        Write(d, 9, PeerOutLqrs);
        Write(d, 10, PeerOutPackets);
        Write(d, 11, PeerOutOctets);
        return Length;
    }

    private static uint Read(ReadOnlySpan<byte> body, int index) => BinaryPrimitives.ReadUInt32BigEndian(body[(index * 4)..]);

    private static void Write(Span<byte> body, int index, uint value) => BinaryPrimitives.WriteUInt32BigEndian(body[(index * 4)..], value);
}

/// <summary>
/// The link counters of RFC 1989 section 2.2 that the framing layer keeps for one link (32-bit, wrapping).
/// OutLQRs and InLQRs are kept by <see cref="LqrMonitor"/> itself.
/// </summary>
/// <param name="OutPackets">Packets sent (ifOutUniPackets + ifOutNUniPackets), LQRs included.</param>
/// <param name="OutOctets">Octets sent (ifOutOctets), framing included.</param>
/// <param name="InPackets">Good packets received (ifInUniPackets + ifInNUniPackets).</param>
/// <param name="InOctets">All octets received (ifInOctets), errored frames included.</param>
/// <param name="InGoodOctets">Octets of good packets only; what LQRs report as PeerInOctets (RFC 1989 2.2).</param>
/// <param name="InErrors">Frames received with errors (bad FCS, aborts, ifInErrors).</param>
/// <param name="InDiscards">Good frames discarded (no buffer, unknown protocol, ifInDiscards).</param>
public readonly record struct LinkCounters(
    uint OutPackets,
    uint OutOctets,
    uint InPackets,
    uint InOctets,
    uint InGoodOctets,
    uint InErrors,
    uint InDiscards);
