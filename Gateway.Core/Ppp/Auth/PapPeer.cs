namespace Gateway.Core.Ppp.Auth;

/// <summary>
/// PAP, the side that logs in (RFC 1334 2.1): sends Authenticate-Request with our Peer-ID and
/// password every <see cref="PapPeerSettings.RestartInterval"/> until an Ack or Nak with the
/// Identifier of the latest request comes, at most <see cref="PapPeerSettings.MaxRequests"/> times.
/// As FreeBSD ppp does, each retransmission takes a new Identifier and only the latest is answered to.
/// </summary>
public sealed class PapPeer : AuthRole
{
    private const byte FirstIdentifier = 1; // FreeBSD ppp's auth_StartReq

    private readonly PapPeerSettings settings;
    private readonly byte[] peerId;
    private byte identifier;
    private int requestsSent;

    public PapPeer(PapPeerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(settings.AuthKey, nameof(settings));
        AuthDefaults.CheckRetries(settings.RestartInterval, settings.MaxRequests);
        if (settings.AuthKey.Length > PapRequest.MaxFieldLength)
            throw new ArgumentException($"The PAP password is {settings.AuthKey.Length} bytes long; at most {PapRequest.MaxFieldLength} fit.", nameof(settings));
        this.settings = settings;
        peerId = AuthDefaults.EncodeName(settings.AuthName, nameof(settings));
    }

    public override PppProtocol Protocol => PppProtocol.Pap;

    private protected override AuthOutput OnStart()
    {
        identifier = FirstIdentifier;
        requestsSent = 0;
        return SendRequest();
    }

    private protected override AuthOutput OnPacket(AuthPacket packet)
    {
        switch ((PapCode)packet.Code)
        {
            case PapCode.AuthenticateAck:
            case PapCode.AuthenticateNak:
                break;
            case PapCode.AuthenticateRequest:
                return DropUnexpected(); // the authenticator role's business
            default:
                return DropUnknownCode();
        }
        if (packet.Identifier != identifier)
            return DropStale();
        if (State != AuthState.Running)
            return Repeat(null); // the authenticator repeating itself: already decided

        var messageBytes = PapReply.ReadMessage(packet.Data, out bool malformed);
        if (malformed)
            Counters.Malformed++;
        string message = AuthText.Decode(messageBytes);
        if (packet.Code == (byte)PapCode.AuthenticateAck)
            return Succeed(null, TimerCommand.Stop, string.Empty, message);
        return Fail(null, AuthFailure.RefusedByAuthenticator,
            $"the authenticator refused Peer-ID {Quote(peerId)}: {Quote(messageBytes)}");
    }

    private protected override AuthOutput OnTimerExpired()
    {
        if (State != AuthState.Running)
            return AuthOutput.Nothing;
        if (requestsSent >= settings.MaxRequests)
            return FailTimeout($"no reply from the authenticator after {requestsSent} requests");
        identifier++;
        return SendRequest();
    }

    private AuthOutput SendRequest()
    {
        requestsSent++;
        var request = PapRequest.Build(identifier, peerId, settings.AuthKey.Key);
        return Emit(request, TimerCommand.Start(settings.RestartInterval));
    }
}
