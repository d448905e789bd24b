using System.Security.Cryptography;

namespace Gateway.Core.Ppp.Auth;

/// <summary>
/// CHAP with MD5, the side that checks (RFC 1994 2.1). Every Challenge, retransmissions included, has
/// a new Identifier (RFC 1994 4.1: it MUST change) and a fresh random value; only a Response carrying
/// the Identifier of the latest Challenge is verified, against that Challenge's value, in constant time.
/// The first verified Response decides. A later Response with the decided Identifier gets the same
/// Success or Failure again without being verified again (RFC 1994 4.1: a Success may be lost); any
/// other Identifier is stale and dropped. A Response with Value-Size 0 can never be right and is
/// answered with Failure (a broken peer; dropping it would only retry the same breakage).
/// With <see cref="ChapAuthenticatorSettings.RechallengeInterval"/> set, a new Challenge follows each
/// Success after that interval; failing it, or answering under another name, fails the link.
/// </summary>
public sealed class ChapAuthenticator : AuthRole
{
    private readonly ChapAuthenticatorSettings settings;
    private readonly ISecretStore secrets;
    private readonly IRandomSource random;
    private readonly byte[] ourName;
    private readonly byte[] successMessage;
    private readonly byte[] failureMessage;

    private byte identifier;
    private byte[] challenge = [];
    private int challengesSent;
    private bool awaitingResponse;

    private bool decided;
    private byte decidedIdentifier;
    private byte[] decidedReply = [];
    private string? authenticatedName;

    public ChapAuthenticator(ChapAuthenticatorSettings settings, ISecretStore secrets, IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(secrets);
        ArgumentNullException.ThrowIfNull(random);
        AuthDefaults.CheckRetries(settings.RestartInterval, settings.MaxChallenges);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MinChallengeLength, 1, nameof(settings));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(settings.MaxChallengeLength, byte.MaxValue, nameof(settings));
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MaxChallengeLength, settings.MinChallengeLength, nameof(settings));
        if (settings.RechallengeInterval is { } rechallenge)
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(rechallenge, TimeSpan.Zero, nameof(settings));
        this.settings = settings;
        this.secrets = secrets;
        this.random = random;
        ourName = AuthDefaults.EncodeName(settings.AuthName, nameof(settings));
        successMessage = AuthPacket.EncodeMessage(settings.SuccessMessage, AuthDefaults.MaxMessageBytes);
        failureMessage = AuthPacket.EncodeMessage(settings.FailureMessage, AuthDefaults.MaxMessageBytes);
    }

    public override PppProtocol Protocol => PppProtocol.Chap;

    /// <summary>The value of the latest Challenge (for tests and diagnostics; it is public on the wire).</summary>
    public ReadOnlySpan<byte> CurrentChallenge => challenge;

    /// <summary>The Identifier of the latest Challenge.</summary>
    public byte CurrentIdentifier => identifier;

    private protected override AuthOutput OnStart()
    {
        Span<byte> first = stackalloc byte[1];
        random.Fill(first);
        identifier = first[0];
        decided = false;
        authenticatedName = null;
        challengesSent = 0;
        return SendChallenge(nextIdentifier: false);
    }

    private protected override AuthOutput OnPacket(AuthPacket packet)
    {
        switch ((ChapCode)packet.Code)
        {
            case ChapCode.Response:
                break;
            case ChapCode.Challenge:
            case ChapCode.Success:
            case ChapCode.Failure:
                return DropUnexpected(); // the peer role's business
            default:
                return DropUnknownCode();
        }
        if (awaitingResponse && packet.Identifier == identifier)
            return Verify(packet.Identifier, packet.Data);
        if (decided && packet.Identifier == decidedIdentifier)
            return Repeat(decidedReply);
        return DropStale();
    }

    private protected override AuthOutput OnTimerExpired()
    {
        if (awaitingResponse)
        {
            if (challengesSent >= settings.MaxChallenges)
            {
                awaitingResponse = false;
                return FailTimeout($"no response after {challengesSent} challenges");
            }
            return SendChallenge(nextIdentifier: true);
        }
        if (State == AuthState.Succeeded && settings.RechallengeInterval is not null)
        {
            challengesSent = 0;
            return SendChallenge(nextIdentifier: true);
        }
        return AuthOutput.Nothing;
    }

    private AuthOutput SendChallenge(bool nextIdentifier)
    {
        if (nextIdentifier)
            identifier++;
        challenge = NewChallengeValue();
        challengesSent++;
        awaitingResponse = true;
        var packet = ChapValueAndName.Build(ChapCode.Challenge, identifier, challenge, ourName);
        return Emit(packet, TimerCommand.Start(settings.RestartInterval));
    }

    private byte[] NewChallengeValue()
    {
        int span = settings.MaxChallengeLength - settings.MinChallengeLength + 1;
        int length = settings.MinChallengeLength;
        if (span > 1)
        {
            Span<byte> draw = stackalloc byte[1];
            random.Fill(draw);
            length += draw[0] % span;
        }
        var value = new byte[length];
        random.Fill(value);
        return value;
    }

    private AuthOutput Verify(byte responseIdentifier, ReadOnlySpan<byte> data)
    {
        if (!ChapValueAndName.TryParse(data, out var response))
            return DropMalformed(); // the timer runs on: the next Challenge may get a better answer
        string peerName = AuthText.Decode(response.Name);
        if (response.Value.IsEmpty)
        {
            Counters.Malformed++;
            return Refuse(responseIdentifier, AuthFailure.EmptyResponse, $"peer {Quote(peerName)} sent an empty response (Value-Size 0)");
        }
        if (!secrets.TryFind(peerName, out var secret, out _))
            return Refuse(responseIdentifier, AuthFailure.UnknownPeer, $"peer {Quote(peerName)} has no secret");

        Span<byte> expected = stackalloc byte[ChapMd5.ResponseLength];
        ChapMd5.ComputeResponse(responseIdentifier, secret.Key, challenge, expected);
        bool right = CryptographicOperations.FixedTimeEquals(expected, response.Value);
        CryptographicOperations.ZeroMemory(expected);
        if (!right)
            return Refuse(responseIdentifier, AuthFailure.WrongSecret, $"peer {Quote(peerName)} sent a wrong response");

        if (authenticatedName is not null && authenticatedName != peerName)
            return Refuse(responseIdentifier, AuthFailure.PeerNameChanged,
                $"peer {Quote(authenticatedName)} answered a re-challenge as {Quote(peerName)}");

        Decide(responseIdentifier, ChapResult.Build(ChapCode.Success, responseIdentifier, successMessage));
        var timer = settings.RechallengeInterval is { } interval ? TimerCommand.Start(interval) : TimerCommand.Stop;
        if (authenticatedName is not null)
            return Emit(decidedReply, timer); // a re-challenge passed: nothing new to report
        authenticatedName = peerName;
        return Succeed(decidedReply, timer, peerName, settings.SuccessMessage);
    }

    private AuthOutput Refuse(byte responseIdentifier, AuthFailure failure, string cause)
    {
        Decide(responseIdentifier, ChapResult.Build(ChapCode.Failure, responseIdentifier, failureMessage));
        return Fail(decidedReply, failure, cause);
    }

    private void Decide(byte responseIdentifier, byte[] reply)
    {
        awaitingResponse = false;
        decided = true;
        decidedIdentifier = responseIdentifier;
        decidedReply = reply;
    }
}
