using System.Buffers.Binary;

namespace Gateway.Core.Ppp.Fsm;

/// <summary>Why a control packet was not accepted by <see cref="ControlPacket.TryParse"/>.</summary>
public enum ControlPacketError : byte
{
    None,
    /// <summary>Fewer than the four header bytes arrived.</summary>
    Truncated,
    /// <summary>The Length field is below 4 (RFC 1661 5: it counts the header).</summary>
    LengthBelowHeader,
    /// <summary>The Length field claims more bytes than arrived.</summary>
    LengthBeyondData,
}

/// <summary>
/// A received LCP-style control packet (RFC 1661 section 5): Code, Identifier, Length, Data.
/// Bytes after Length are padding and are ignored, as the RFC says.
/// </summary>
public readonly ref struct ControlPacket
{
    /// <summary>RFC 1661 5: Code, Identifier and a two-byte Length.</summary>
    public const int HeaderLength = 4;

    public ControlPacket(byte code, byte identifier, ReadOnlySpan<byte> packet)
    {
        Code = code;
        Identifier = identifier;
        Packet = packet;
    }

    public byte Code { get; }

    public byte Identifier { get; }

    /// <summary>The whole packet from the Code field, cut to its Length.</summary>
    public ReadOnlySpan<byte> Packet { get; }

    public ReadOnlySpan<byte> Data => Packet[HeaderLength..];

    /// <summary>True when bytes beyond Length were dropped as padding.</summary>
    public bool HadPadding { get; init; }

    public static ControlPacketError TryParse(ReadOnlySpan<byte> bytes, out ControlPacket packet)
    {
        packet = default;
        if (bytes.Length < HeaderLength)
            return ControlPacketError.Truncated;
        int length = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
        if (length < HeaderLength)
            return ControlPacketError.LengthBelowHeader;
        if (length > bytes.Length)
            return ControlPacketError.LengthBeyondData;
        packet = new ControlPacket(bytes[0], bytes[1], bytes[..length]) { HadPadding = length < bytes.Length };
        return ControlPacketError.None;
    }

    /// <summary>Builds a packet; <paramref name="data"/> is cut so the whole packet fits <paramref name="maxLength"/>.</summary>
    public static byte[] Build(byte code, byte identifier, ReadOnlySpan<byte> data, int maxLength = ushort.MaxValue)
    {
        var dataLength = Math.Max(0, Math.Min(data.Length, Math.Min(maxLength, ushort.MaxValue) - HeaderLength));
        var bytes = new byte[HeaderLength + dataLength];
        bytes[0] = code;
        bytes[1] = identifier;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)bytes.Length);
        data[..dataLength].CopyTo(bytes.AsSpan(HeaderLength));
        return bytes;
    }

    public static byte[] Build(ControlCode code, byte identifier, ReadOnlySpan<byte> data, int maxLength = ushort.MaxValue) =>
        Build((byte)code, identifier, data, maxLength);
}

/// <summary>
/// Walks a Configuration Option list (RFC 1661 6: Type, Length, Data; Length counts Type and Length).
/// A Length of 0 or 1, or one running past the list, stops the walk and sets <see cref="Malformed"/>.
/// </summary>
public ref struct OptionReader
{
    /// <summary>RFC 1661 6: Type and Length.</summary>
    public const int OptionHeaderLength = 2;

    private ReadOnlySpan<byte> remaining;

    public OptionReader(ReadOnlySpan<byte> options) => remaining = options;

    public bool Malformed { get; private set; }

    /// <summary>What was left when the walk stopped on a malformed option (the bad option and everything after it).</summary>
    public ReadOnlySpan<byte> Remaining => remaining;

    public bool TryRead(out byte type, out ReadOnlySpan<byte> value, out ReadOnlySpan<byte> option)
    {
        type = 0;
        value = default;
        option = default;
        if (remaining.IsEmpty || Malformed)
            return false;
        if (remaining.Length < OptionHeaderLength || remaining[1] < OptionHeaderLength || remaining[1] > remaining.Length)
        {
            Malformed = true;
            return false;
        }
        type = remaining[0];
        option = remaining[..remaining[1]];
        value = option[OptionHeaderLength..];
        remaining = remaining[option.Length..];
        return true;
    }

    /// <summary>True when the whole list parses.</summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> options)
    {
        var reader = new OptionReader(options);
        while (reader.TryRead(out _, out _, out _))
        {
        }
        return !reader.Malformed;
    }
}

/// <summary>Builds an option list into a bounded buffer; an option that does not fit is left out and reported.</summary>
public sealed class OptionListBuilder
{
    private readonly byte[] buffer;

    public OptionListBuilder(int capacity) => buffer = new byte[Math.Max(0, capacity)];

    public int Length { get; private set; }

    public bool IsEmpty => Length == 0;

    public int Count { get; private set; }

    /// <summary>Options left out because the buffer was full.</summary>
    public int Dropped { get; private set; }

    public ReadOnlySpan<byte> Written => buffer.AsSpan(0, Length);

    public bool TryAdd(byte type, ReadOnlySpan<byte> value)
    {
        var size = OptionReader.OptionHeaderLength + value.Length;
        if (size > byte.MaxValue || Length + size > buffer.Length)
        {
            Dropped++;
            return false;
        }
        buffer[Length] = type;
        buffer[Length + 1] = (byte)size;
        value.CopyTo(buffer.AsSpan(Length + OptionReader.OptionHeaderLength));
        Length += size;
        Count++;
        return true;
    }

    /// <summary>Copies raw option bytes (already Type, Length, Data) as they arrived.</summary>
    public bool TryAddRaw(ReadOnlySpan<byte> option)
    {
        if (Length + option.Length > buffer.Length)
        {
            Dropped++;
            return false;
        }
        option.CopyTo(buffer.AsSpan(Length));
        Length += option.Length;
        Count++;
        return true;
    }

    public bool TryAddUInt16(byte type, ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return TryAdd(type, bytes);
    }

    public bool TryAddUInt32(byte type, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return TryAdd(type, bytes);
    }
}
