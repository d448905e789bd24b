using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Gateway.Web.Security;

/// <summary>
/// The operator's password hash as kept in configuration (<c>Gateway:Operator:PasswordHash</c>):
/// <c>pbkdf2-sha256$ITERATIONS$SALT$HASH</c>, salt and hash in base64. <c>gateway hash-password</c> makes one.
/// </summary>
public static class PasswordHash
{
    public const string Prefix = "pbkdf2-sha256";
    public const int DefaultIterations = 100_000;
    private const int SaltBytes = 16, HashBytes = 32;

    public static string Create(string password, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return $"{Prefix}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    /// <summary>False for a wrong password and for a malformed hash alike.</summary>
    public static bool Verify(string password, string encoded)
    {
        var parts = encoded.Split('$');
        if (parts.Length != 4 || parts[0] != Prefix || !int.TryParse(parts[1], out var iterations) || iterations < 1)
            return false;
        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            expected = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    public static bool IsWellFormed(string encoded)
    {
        var parts = encoded.Split('$');
        return parts.Length == 4 && parts[0] == Prefix && int.TryParse(parts[1], out var i) && i > 0;
    }
}

/// <summary>Where the operator password came from; <see cref="Generated"/> ones are printed at start-up.</summary>
public enum OperatorPasswordSource
{
    ConfiguredHash,
    Environment,
    Generated,
    /// <summary>Nothing configured outside the demo: control actions are refused.</summary>
    None,
}

/// <summary>
/// Checks the operator password. Never holds the plain password of a configured hash; a successful check is
/// remembered as a SHA-256 digest so HTTP Basic clients do not pay PBKDF2 on every request. A configured hash may be
/// replaced while the gateway runs (<see cref="Reload"/>, when configuration reloads): from then on only the new
/// password logs in, and <see cref="Fingerprint"/> changes, which ends the sessions logged in with the old one.
/// </summary>
public sealed class OperatorCredentials
{
    public const string UserName = "operator";
    public const string EnvironmentVariable = "GATEWAY_OPERATOR_PASSWORD";
    public const string HashKey = "Gateway:Operator:PasswordHash";

    /// <summary>What applies while no hash is configured: the environment's password, the generated one, or none.</summary>
    private readonly Secret fallback;
    private Secret current;

    private OperatorCredentials(Secret fallback, string? configuredHash)
    {
        this.fallback = fallback;
        current = string.IsNullOrEmpty(configuredHash) ? fallback : Secret.FromHash(configuredHash);
    }

    public OperatorPasswordSource Source => Volatile.Read(ref current).Source;

    /// <summary>Only for <see cref="OperatorPasswordSource.Generated"/>: shown once on the console at start-up.</summary>
    public string? GeneratedPassword { get; private init; }

    /// <summary>
    /// Names the current password without revealing it (a SHA-256 of its hash or digest): a session remembers the
    /// fingerprint it logged in with and is refused once the password has changed.
    /// </summary>
    public string Fingerprint => Volatile.Read(ref current).Fingerprint;

    public static OperatorCredentials From(string? configuredHash, string? environmentPassword, bool generateWhenMissing)
    {
        ThrowIfMalformed(configuredHash);
        if (!string.IsNullOrEmpty(environmentPassword))
            return new(Secret.FromPlain(OperatorPasswordSource.Environment, environmentPassword), configuredHash);
        if (!string.IsNullOrEmpty(configuredHash) || !generateWhenMissing)
            return new(Secret.None, configuredHash);
        var generated = Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('+', '-').Replace('/', '_');
        return new(Secret.FromPlain(OperatorPasswordSource.Generated, generated), null) { GeneratedPassword = generated };
    }

    /// <summary>
    /// Takes the configured hash as it is now (null: none, so the environment's or the generated password applies
    /// again). Returns whether the password changed; a malformed hash throws and changes nothing.
    /// </summary>
    public bool Reload(string? configuredHash)
    {
        ThrowIfMalformed(configuredHash);
        var next = string.IsNullOrEmpty(configuredHash) ? fallback : Secret.FromHash(configuredHash);
        var previous = Volatile.Read(ref current);
        if (next.Fingerprint == previous.Fingerprint)
            return false;
        Volatile.Write(ref current, next);
        return true;
    }

    public bool Check(string user, string password) => user == UserName && Volatile.Read(ref current).Check(password);

    /// <summary>
    /// Re-reads <see cref="HashKey"/> whenever configuration reloads (an edited appsettings.json): a new password
    /// applies at once and ends the old one's sessions; a malformed one is logged and the old password stays.
    /// </summary>
    public IDisposable FollowConfiguration(IConfiguration configuration, ILogger logger) =>
        ChangeToken.OnChange(configuration.GetReloadToken, () =>
        {
            try
            {
                if (Reload(configuration[HashKey]))
                    logger.LogWarning("The operator password changed ({Source}): sessions logged in with the old one are ended", Source);
            }
            catch (Gateway.Web.Hosting.GatewayConfigurationException e)
            {
                logger.LogError("{Error}; the operator password stays as it was", e.Message);
            }
        });

    public override string ToString() => $"operator password ({Source})";

    private static void ThrowIfMalformed(string? configuredHash)
    {
        if (!string.IsNullOrEmpty(configuredHash) && !PasswordHash.IsWellFormed(configuredHash))
            throw new Gateway.Web.Hosting.GatewayConfigurationException($"{HashKey} is not a '{PasswordHash.Prefix}$ITERATIONS$SALT$HASH' value (make one with `gateway hash-password`)");
    }

    /// <summary>One password: a configured hash, or the digest of a plain one; immutable but for the verified digest.</summary>
    private sealed class Secret
    {
        public static readonly Secret None = new(OperatorPasswordSource.None, null, null);

        private readonly string? hash;
        private readonly byte[]? plainDigest;
        private byte[]? verifiedDigest;

        private Secret(OperatorPasswordSource source, string? hash, byte[]? plainDigest)
        {
            Source = source;
            this.hash = hash;
            this.plainDigest = plainDigest;
            var named = hash is not null ? Encoding.UTF8.GetBytes(hash) : plainDigest ?? [];
            Fingerprint = Convert.ToBase64String(SHA256.HashData(named));
        }

        public OperatorPasswordSource Source { get; }
        public string Fingerprint { get; }

        public static Secret FromHash(string hash) => new(OperatorPasswordSource.ConfiguredHash, hash, null);

        public static Secret FromPlain(OperatorPasswordSource source, string plain) => new(source, null, SHA256.HashData(Encoding.UTF8.GetBytes(plain)));

        public bool Check(string password)
        {
            if (Source == OperatorPasswordSource.None)
                return false;
            var digest = SHA256.HashData(Encoding.UTF8.GetBytes(password));
            if (plainDigest is not null)
                return CryptographicOperations.FixedTimeEquals(digest, plainDigest);
            var known = Volatile.Read(ref verifiedDigest);
            if (known is not null && CryptographicOperations.FixedTimeEquals(digest, known))
                return true;
            if (!PasswordHash.Verify(password, hash!))
                return false;
            Volatile.Write(ref verifiedDigest, digest);
            return true;
        }
    }
}
