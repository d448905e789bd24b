using System.Buffers.Binary;

namespace Gateway.Fuzz;

/// <summary>
/// Reads a fuzz input as a small program: option bytes, then records. Past the end every read gives zero or an
/// empty span, so any input is a valid program (afl-fuzz mutates freely, the harness never fails on layout).
/// </summary>
internal ref struct FuzzInput(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> rest = data;

    public bool IsEmpty => rest.IsEmpty;

    public ReadOnlySpan<byte> Rest => rest;

    public byte Byte()
    {
        if (rest.IsEmpty)
            return 0;
        byte b = rest[0];
        rest = rest[1..];
        return b;
    }

    public ushort UInt16()
    {
        if (rest.Length < 2)
        {
            rest = default;
            return 0;
        }
        ushort v = BinaryPrimitives.ReadUInt16BigEndian(rest);
        rest = rest[2..];
        return v;
    }

    /// <summary>A record: a two-octet big-endian length, then that many octets (fewer at the end of the input).</summary>
    public ReadOnlySpan<byte> Chunk()
    {
        int length = UInt16();
        var chunk = rest[..Math.Min(length, rest.Length)];
        rest = rest[chunk.Length..];
        return chunk;
    }

    public ReadOnlySpan<byte> TakeRest()
    {
        var all = rest;
        rest = default;
        return all;
    }

    /// <summary>Writes records the way <see cref="Chunk"/> reads them (for seeds).</summary>
    public static byte[] Records(params byte[][] records) => Records(records.AsEnumerable());

    public static byte[] Records(IEnumerable<byte[]> records)
    {
        var output = new List<byte>();
        foreach (var r in records)
        {
            output.Add((byte)(r.Length >> 8));
            output.Add((byte)r.Length);
            output.AddRange(r);
        }
        return output.ToArray();
    }
}
