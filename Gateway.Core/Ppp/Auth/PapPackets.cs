namespace Gateway.Core.Ppp.Auth;

/// <summary>PAP codes (RFC 1334 2.2).</summary>
public enum PapCode : byte
{
    AuthenticateRequest = 1,
    AuthenticateAck = 2,
    AuthenticateNak = 3,
}

/// <summary>Authenticate-Request: Peer-ID Length, Peer-ID, Passwd-Length, Password (RFC 1334 2.2.1).</summary>
internal readonly ref struct PapRequest
{
    public const int MinLength = AuthPacket.HeaderLength + 2; // RFC 1334 2.2.1: two length octets at least
    public const int MaxFieldLength = byte.MaxValue; // one-octet length fields

    public ReadOnlySpan<byte> PeerId { get; }
    public ReadOnlySpan<byte> Password { get; }

    private PapRequest(ReadOnlySpan<byte> peerId, ReadOnlySpan<byte> password)
    {
        PeerId = peerId;
        Password = password;
    }

    /// <summary>False when a length octet is missing or a field runs past the Data.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out PapRequest request)
    {
        request = default;
        if (data.Length < 1 || data[0] > data.Length - 2)
            return false;
        var peerId = data.Slice(1, data[0]);
        var rest = data[(1 + peerId.Length)..];
        if (rest[0] > rest.Length - 1)
            return false;
        request = new PapRequest(peerId, rest.Slice(1, rest[0]));
        return true;
    }

    public static byte[] Build(byte identifier, ReadOnlySpan<byte> peerId, ReadOnlySpan<byte> password)
    {
        var packet = AuthPacket.Allocate((byte)PapCode.AuthenticateRequest, identifier, 2 + peerId.Length + password.Length, out var data);
        data[0] = (byte)peerId.Length;
        peerId.CopyTo(data[1..]);
        data[1 + peerId.Length] = (byte)password.Length;
        password.CopyTo(data[(2 + peerId.Length)..]);
        return packet;
    }
}

/// <summary>Authenticate-Ack and -Nak: Msg-Length, Message (RFC 1334 2.2.2).</summary>
internal static class PapReply
{
    public static byte[] Build(PapCode code, byte identifier, ReadOnlySpan<byte> message)
    {
        var packet = AuthPacket.Allocate((byte)code, identifier, 1 + message.Length, out var data);
        data[0] = (byte)message.Length;
        message.CopyTo(data[1..]);
        return packet;
    }

    /// <summary>
    /// The message. Lenient like pppd and FreeBSD ppp, because the message has no protocol meaning:
    /// no Msg-Length octet (Length 4) means an empty message; a Msg-Length beyond the data yields the
    /// octets present and <paramref name="malformed"/>.
    /// </summary>
    public static ReadOnlySpan<byte> ReadMessage(ReadOnlySpan<byte> data, out bool malformed)
    {
        malformed = false;
        if (data.IsEmpty)
            return data;
        var rest = data[1..];
        if (data[0] > rest.Length)
        {
            malformed = true;
            return rest;
        }
        return rest[..data[0]];
    }
}
