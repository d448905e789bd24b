using System.Text;

namespace Gateway.Core.Ppp.Auth;

/// <summary>Defaults shared by PAP and CHAP, as FreeBSD ppp's <c>set papretry</c> / <c>set chapretry</c>.</summary>
public static class AuthDefaults
{
    /// <summary>FreeBSD ppp's default FSM restart period (DEF_FSMRETRY), also for PAP and CHAP.</summary>
    public static readonly TimeSpan RestartInterval = TimeSpan.FromSeconds(3);

    /// <summary>FreeBSD ppp's default number of authentication attempts (DEF_FSMAUTHTRIES, defs.h): requests sent
    /// in all, the first included, before auth.c's AuthTimeout gives up.</summary>
    public const int MaxTries = 3;

    /// <summary>How long a role waits for the other side to begin: FreeBSD's auth timer in full (3 s times 3 tries).</summary>
    public static readonly TimeSpan PeerWait = RestartInterval * MaxTries;

    /// <summary>The longest name we send: the one-octet Peer-ID Length of PAP (RFC 1334 2.2.1); CHAP uses the same bound.</summary>
    public const int MaxNameBytes = byte.MaxValue;

    /// <summary>The longest Ack/Nak/Success/Failure message we send: PAP's Msg-Length is one octet (RFC 1334 2.2.2); CHAP uses the same bound.</summary>
    public const int MaxMessageBytes = byte.MaxValue;

    internal static byte[] EncodeName(string name, string parameter)
    {
        ArgumentNullException.ThrowIfNull(name, parameter);
        var bytes = Encoding.UTF8.GetBytes(name);
        if (bytes.Length > MaxNameBytes)
            throw new ArgumentException($"The authentication name is {bytes.Length} bytes long; at most {MaxNameBytes} fit.", parameter);
        return bytes;
    }

    internal static void CheckRetries(TimeSpan interval, int maxTries)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero, nameof(interval));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTries, 1, nameof(maxTries));
    }
}

/// <summary>
/// One authentication protocol's timing, FreeBSD's <c>set papretry</c> or <c>set chapretry</c> (auth.c): a request
/// every <paramref name="RestartInterval"/>, <paramref name="MaxTries"/> in all, the first included.
/// </summary>
public sealed record AuthRetry(TimeSpan RestartInterval, int MaxTries)
{
    /// <summary>How long a role waits for the other side to begin: FreeBSD's auth timer in full (it runs MaxTries times).</summary>
    public TimeSpan PeerWait { get; init; } = RestartInterval * MaxTries;
}

/// <summary>PAP as the peer that logs in (<c>set authname</c>, <c>set authkey</c>, <c>set papretry period [attempts]</c>).</summary>
public sealed record PapPeerSettings(string AuthName, Secret AuthKey)
{
    /// <summary>Time between Authenticate-Requests.</summary>
    public TimeSpan RestartInterval { get; init; } = AuthDefaults.RestartInterval;

    /// <summary>Requests sent, the first included, before giving up.</summary>
    public int MaxRequests { get; init; } = AuthDefaults.MaxTries;
}

/// <summary>PAP as the authenticator (<c>enable pap</c>).</summary>
public sealed record PapAuthenticatorSettings
{
    /// <summary>How long to wait for the peer's first Authenticate-Request before failing the link.</summary>
    public TimeSpan RequestTimeout { get; init; } = AuthDefaults.PeerWait;

    /// <summary>The Ack message (FreeBSD ppp's text).</summary>
    public string SuccessMessage { get; init; } = "Greetings!!";

    /// <summary>The Nak message (FreeBSD ppp's text).</summary>
    public string FailureMessage { get; init; } = "Login incorrect";
}

/// <summary>CHAP-MD5 as the authenticator (<c>enable chap</c>, <c>set authname</c>, <c>set chapretry period [attempts]</c>).</summary>
public sealed record ChapAuthenticatorSettings(string AuthName)
{
    /// <summary>Time between Challenges while no Response comes.</summary>
    public TimeSpan RestartInterval { get; init; } = AuthDefaults.RestartInterval;

    /// <summary>Challenges sent, the first included, before giving up.</summary>
    public int MaxChallenges { get; init; } = AuthDefaults.MaxTries;

    /// <summary>Shortest challenge value. FreeBSD ppp draws 16 to 47 octets; set both bounds to 16 for a fixed length.</summary>
    public int MinChallengeLength { get; init; } = 16;

    public int MaxChallengeLength { get; init; } = 47;

    /// <summary>Challenge again this long after each Success (RFC 1994 2.1 allows it); null, the default, never does.</summary>
    public TimeSpan? RechallengeInterval { get; init; }

    /// <summary>The Success message (FreeBSD ppp's text).</summary>
    public string SuccessMessage { get; init; } = "Welcome!!";

    /// <summary>The Failure message (FreeBSD ppp's text).</summary>
    public string FailureMessage { get; init; } = "Invalid!!";
}

/// <summary>CHAP-MD5 as the peer that answers Challenges (<c>set authname</c>, <c>set authkey</c>).</summary>
public sealed record ChapPeerSettings(string AuthName, Secret AuthKey)
{
    /// <summary>How long to wait for the first Challenge; null waits for ever (FreeBSD ppp's behaviour).</summary>
    public TimeSpan? ChallengeTimeout { get; init; } = AuthDefaults.PeerWait;

    /// <summary>Time after a Response before sending it again when neither Success nor Failure came
    /// (RFC 1994 4.1 has the authenticator answer repeated Responses because a Success may be lost).</summary>
    public TimeSpan RestartInterval { get; init; } = AuthDefaults.RestartInterval;

    /// <summary>Times one Response is sent, the first included, before giving up.</summary>
    public int MaxResponses { get; init; } = AuthDefaults.MaxTries;
}
