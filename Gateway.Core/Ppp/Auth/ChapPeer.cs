namespace Gateway.Core.Ppp.Auth;

/// <summary>
/// CHAP with MD5, the side that answers (RFC 1994 2.2): every Challenge gets a Response,
/// MD5(Identifier, authkey, Challenge Value), with our authname as Name. The same Challenge again
/// (same Identifier and Value) gets the very same Response. While neither Success nor Failure comes,
/// the Response is repeated every <see cref="ChapPeerSettings.RestartInterval"/>, at most
/// <see cref="ChapPeerSettings.MaxResponses"/> times in all. Success or Failure count only with the
/// Identifier of our latest Response; Failure is final. A Challenge after Success (a re-challenge)
/// is answered the same way. Challenges with Value-Size 0 are dropped as malformed: there is nothing to hash.
/// </summary>
public sealed class ChapPeer : AuthRole
{
    private readonly ChapPeerSettings settings;
    private readonly byte[] ourName;

    private bool answered;
    private bool awaitingResult;
    private byte responseIdentifier;
    private byte[] challenge = [];
    private byte[] response = [];
    private int responsesSent;
    private string authenticatorName = string.Empty;

    public ChapPeer(ChapPeerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(settings.AuthKey, nameof(settings));
        AuthDefaults.CheckRetries(settings.RestartInterval, settings.MaxResponses);
        if (settings.ChallengeTimeout is { } wait)
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(wait, TimeSpan.Zero, nameof(settings));
        this.settings = settings;
        ourName = AuthDefaults.EncodeName(settings.AuthName, nameof(settings));
    }

    public override PppProtocol Protocol => PppProtocol.Chap;

    private protected override AuthOutput OnStart()
    {
        answered = false;
        awaitingResult = false;
        responsesSent = 0;
        authenticatorName = string.Empty;
        return settings.ChallengeTimeout is { } wait
            ? Emit(null, TimerCommand.Start(wait))
            : Emit(null, TimerCommand.Stop);
    }

    private protected override AuthOutput OnPacket(AuthPacket packet)
    {
        switch ((ChapCode)packet.Code)
        {
            case ChapCode.Challenge:
                return Answer(packet.Identifier, packet.Data);
            case ChapCode.Success:
            case ChapCode.Failure:
                return Conclude(packet);
            case ChapCode.Response:
                return DropUnexpected(); // the authenticator role's business
            default:
                return DropUnknownCode();
        }
    }

    private protected override AuthOutput OnTimerExpired()
    {
        if (State != AuthState.Running && !awaitingResult)
            return AuthOutput.Nothing;
        if (!awaitingResult)
            return FailTimeout($"no challenge from the authenticator within {Seconds(settings.ChallengeTimeout ?? TimeSpan.Zero)}");
        if (responsesSent >= settings.MaxResponses)
        {
            awaitingResult = false;
            return FailTimeout($"no Success or Failure from authenticator {Quote(authenticatorName)} after {responsesSent} responses");
        }
        responsesSent++;
        return Emit(response, TimerCommand.Start(settings.RestartInterval));
    }

    private AuthOutput Answer(byte identifier, ReadOnlySpan<byte> data)
    {
        if (State == AuthState.Failed)
            return DropUnexpected();
        if (!ChapValueAndName.TryParse(data, out var challenged) || challenged.Value.IsEmpty)
            return DropMalformed();
        if (answered && identifier == responseIdentifier && challenged.Value.SequenceEqual(challenge))
            return Repeat(response); // the authenticator lost our Response: send the same one

        Span<byte> value = stackalloc byte[ChapMd5.ResponseLength];
        ChapMd5.ComputeResponse(identifier, settings.AuthKey.Key, challenged.Value, value);
        answered = true;
        awaitingResult = true;
        responseIdentifier = identifier;
        challenge = challenged.Value.ToArray();
        response = ChapValueAndName.Build(ChapCode.Response, identifier, value, ourName);
        responsesSent = 1;
        authenticatorName = AuthText.Decode(challenged.Name);
        return Emit(response, TimerCommand.Start(settings.RestartInterval));
    }

    private AuthOutput Conclude(AuthPacket packet)
    {
        if (!answered)
            return DropUnexpected(); // unsolicited: we have not answered any Challenge
        if (packet.Identifier != responseIdentifier)
            return DropStale();
        if (!awaitingResult)
            return Repeat(null); // the authenticator repeating a decision we have
        awaitingResult = false;
        string message = AuthText.Decode(packet.Data);
        if (packet.Code == (byte)ChapCode.Failure)
            return Fail(null, AuthFailure.RefusedByAuthenticator,
                $"authenticator {Quote(authenticatorName)} refused our response as {Quote(ourName)}: {Quote(packet.Data)}");
        if (State == AuthState.Succeeded)
            return Emit(null, TimerCommand.Stop); // a re-challenge passed
        return Succeed(null, TimerCommand.Stop, authenticatorName, message);
    }
}
