using System.Security.Cryptography;

namespace Gateway.Core.Ppp.Auth;

/// <summary>CHAP codes (RFC 1994 4).</summary>
public enum ChapCode : byte
{
    Challenge = 1,
    Response = 2,
    Success = 3,
    Failure = 4,
}

/// <summary>Challenge and Response share one layout: Value-Size, Value, Name (RFC 1994 4.1).</summary>
internal readonly ref struct ChapValueAndName
{
    /// <summary>The Algorithm octet of LCP's Authentication-Protocol option for CHAP with MD5 (RFC 1994 3).</summary>
    public const byte Md5Algorithm = 5;

    public ReadOnlySpan<byte> Value { get; }
    /// <summary>The rest of the Data: its length is implied by the Length field (RFC 1994 4.1). May be empty.</summary>
    public ReadOnlySpan<byte> Name { get; }

    private ChapValueAndName(ReadOnlySpan<byte> value, ReadOnlySpan<byte> name)
    {
        Value = value;
        Name = name;
    }

    /// <summary>False when the Value-Size octet is missing or the Value runs past the Data. An empty Value parses.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out ChapValueAndName parsed)
    {
        parsed = default;
        if (data.IsEmpty || data[0] > data.Length - 1)
            return false;
        parsed = new ChapValueAndName(data.Slice(1, data[0]), data[(1 + data[0])..]);
        return true;
    }

    public static byte[] Build(ChapCode code, byte identifier, ReadOnlySpan<byte> value, ReadOnlySpan<byte> name)
    {
        var packet = AuthPacket.Allocate((byte)code, identifier, 1 + value.Length + name.Length, out var data);
        data[0] = checked((byte)value.Length);
        value.CopyTo(data[1..]);
        name.CopyTo(data[(1 + value.Length)..]);
        return packet;
    }
}

/// <summary>Success and Failure carry a Message filling the Data (RFC 1994 4.2).</summary>
internal static class ChapResult
{
    public static byte[] Build(ChapCode code, byte identifier, ReadOnlySpan<byte> message)
    {
        var packet = AuthPacket.Allocate((byte)code, identifier, message.Length, out var data);
        message.CopyTo(data);
        return packet;
    }
}

/// <summary>The CHAP-MD5 Response value: MD5 over Identifier, secret, Challenge Value (RFC 1994 2, 4.1).</summary>
internal static class ChapMd5
{
    public const int ResponseLength = 16; // RFC 1321: an MD5 digest is 128 bits
    private const int StackLimit = 512;

    public static void ComputeResponse(byte identifier, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> challenge, Span<byte> response)
    {
        int length = 1 + secret.Length + challenge.Length;
        byte[]? rented = null;
        Span<byte> input = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = new byte[length]);
        input = input[..length];
        try
        {
            input[0] = identifier;
            secret.CopyTo(input[1..]);
            challenge.CopyTo(input[(1 + secret.Length)..]);
            MD5.HashData(input, response);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input); // it holds the secret
        }
    }
}
