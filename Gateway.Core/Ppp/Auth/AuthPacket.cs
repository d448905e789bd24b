using System.Buffers.Binary;
using System.Text;

namespace Gateway.Core.Ppp.Auth;

/// <summary>The header PAP and CHAP share with LCP: Code, Identifier, Length (RFC 1334 2.2, RFC 1994 4).</summary>
internal readonly ref struct AuthPacket
{
    public const int HeaderLength = 4; // RFC 1661 5: Code (1), Identifier (1), Length (2)
    private const int LengthOffset = 2;
    private const int MaxLength = ushort.MaxValue; // RFC 1661 5: Length is two octets

    public byte Code { get; }
    public byte Identifier { get; }
    /// <summary>The Data field: the octets up to Length, without the padding beyond it (RFC 1661 5).</summary>
    public ReadOnlySpan<byte> Data { get; }

    private AuthPacket(byte code, byte identifier, ReadOnlySpan<byte> data)
    {
        Code = code;
        Identifier = identifier;
        Data = data;
    }

    /// <summary>False when the header is cut short or Length is under 4 or beyond the bytes received.</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out AuthPacket parsed)
    {
        parsed = default;
        if (packet.Length < HeaderLength)
            return false;
        int length = BinaryPrimitives.ReadUInt16BigEndian(packet[LengthOffset..]);
        if (length < HeaderLength || length > packet.Length)
            return false;
        parsed = new AuthPacket(packet[0], packet[1], packet[HeaderLength..length]);
        return true;
    }

    /// <summary>A new packet with the header written and <paramref name="dataLength"/> octets of Data left to fill.</summary>
    public static byte[] Allocate(byte code, byte identifier, int dataLength, out Span<byte> data)
    {
        int length = HeaderLength + dataLength;
        if (dataLength < 0 || length > MaxLength)
            throw new ArgumentOutOfRangeException(nameof(dataLength), dataLength, "An authentication packet holds at most 65531 octets of data.");
        var packet = new byte[length];
        packet[0] = code;
        packet[1] = identifier;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(LengthOffset), (ushort)length);
        data = packet.AsSpan(HeaderLength);
        return packet;
    }

    /// <summary>Our own message text, truncated to <paramref name="maxBytes"/> UTF-8 octets.</summary>
    public static byte[] EncodeMessage(string message, int maxBytes)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        return bytes.Length <= maxBytes ? bytes : bytes[..maxBytes];
    }
}

/// <summary>Peer-supplied text (names, messages) turned into something safe to put in a reason or a log line.</summary>
internal static class AuthText
{
    private const int MaxShownChars = 80;

    /// <summary>The name as a string for the secret lookup: UTF-8, invalid sequences become U+FFFD.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>Control characters escaped as \xNN, quotes escaped, long text cut with an ellipsis.</summary>
    public static string Printable(string text)
    {
        var shown = new StringBuilder(Math.Min(text.Length, MaxShownChars) + 8);
        foreach (char c in text)
        {
            if (shown.Length >= MaxShownChars)
            {
                shown.Append("...");
                break;
            }
            if (char.IsControl(c) || c == '\'' || c == '\\')
                shown.Append(@"\x").Append(((int)c).ToString("x2"));
            else
                shown.Append(c);
        }
        return shown.ToString();
    }

    public static string Printable(ReadOnlySpan<byte> bytes) => Printable(Decode(bytes));
}
