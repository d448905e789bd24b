namespace Gateway.Core.Ppp.Auth;

/// <summary>
/// PAP, the side that checks (RFC 1334 2.1): waits up to <see cref="PapAuthenticatorSettings.RequestTimeout"/>
/// for an Authenticate-Request, looks the Peer-ID up (with the <c>DOMAIN\user</c> fallback), compares
/// the password in constant time and answers Ack or Nak. The first request decides: a Nak is final
/// (RFC 1334 2.2.1: the authenticator SHOULD terminate the link), and any later request, whatever it
/// carries, gets the same answer again with its own Identifier (as pppd does), because the peer
/// retransmits when our answer is lost.
/// </summary>
public sealed class PapAuthenticator : AuthRole
{
    private readonly PapAuthenticatorSettings settings;
    private readonly ISecretStore secrets;
    private readonly byte[] successMessage;
    private readonly byte[] failureMessage;

    public PapAuthenticator(PapAuthenticatorSettings settings, ISecretStore secrets)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(secrets);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(settings.RequestTimeout, TimeSpan.Zero, nameof(settings));
        this.settings = settings;
        this.secrets = secrets;
        successMessage = AuthPacket.EncodeMessage(settings.SuccessMessage, AuthDefaults.MaxMessageBytes);
        failureMessage = AuthPacket.EncodeMessage(settings.FailureMessage, AuthDefaults.MaxMessageBytes);
    }

    public override PppProtocol Protocol => PppProtocol.Pap;

    private protected override AuthOutput OnStart() => Emit(null, TimerCommand.Start(settings.RequestTimeout));

    private protected override AuthOutput OnPacket(AuthPacket packet)
    {
        switch ((PapCode)packet.Code)
        {
            case PapCode.AuthenticateRequest:
                break;
            case PapCode.AuthenticateAck:
            case PapCode.AuthenticateNak:
                return DropUnexpected(); // the peer role's business
            default:
                return DropUnknownCode();
        }
        if (!PapRequest.TryParse(packet.Data, out var request))
            return DropMalformed();

        if (State == AuthState.Succeeded)
            return Repeat(PapReply.Build(PapCode.AuthenticateAck, packet.Identifier, successMessage));
        if (State == AuthState.Failed)
            return Repeat(PapReply.Build(PapCode.AuthenticateNak, packet.Identifier, failureMessage));

        string peerName = AuthText.Decode(request.PeerId);
        if (!secrets.TryFind(peerName, out var secret, out _))
            return Refuse(packet.Identifier, AuthFailure.UnknownPeer, $"peer {Quote(peerName)} has no secret");
        if (!secret.Matches(request.Password))
            return Refuse(packet.Identifier, AuthFailure.WrongSecret, $"peer {Quote(peerName)} sent a wrong password");
        var ack = PapReply.Build(PapCode.AuthenticateAck, packet.Identifier, successMessage);
        return Succeed(ack, TimerCommand.Stop, peerName, settings.SuccessMessage);
    }

    private protected override AuthOutput OnTimerExpired() =>
        State == AuthState.Running
            ? FailTimeout($"no Authenticate-Request from the peer within {Seconds(settings.RequestTimeout)}")
            : AuthOutput.Nothing;

    private AuthOutput Refuse(byte identifier, AuthFailure failure, string reason) =>
        Fail(PapReply.Build(PapCode.AuthenticateNak, identifier, failureMessage), failure, reason);
}
