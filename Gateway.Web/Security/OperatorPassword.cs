using System.Security.Cryptography;
using System.Text;

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
/// remembered as a SHA-256 digest so HTTP Basic clients do not pay PBKDF2 on every request.
/// </summary>
public sealed class OperatorCredentials
{
    public const string UserName = "operator";
    public const string EnvironmentVariable = "GATEWAY_OPERATOR_PASSWORD";
    public const string HashKey = "Gateway:Operator:PasswordHash";

    private readonly string? hash;
    private readonly byte[]? plainDigest;
    private byte[]? verifiedDigest;

    private OperatorCredentials(OperatorPasswordSource source, string? hash, string? plain)
    {
        Source = source;
        this.hash = hash;
        plainDigest = plain is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(plain));
    }

    public OperatorPasswordSource Source { get; }

    /// <summary>Only for <see cref="OperatorPasswordSource.Generated"/>: shown once on the console at start-up.</summary>
    public string? GeneratedPassword { get; private init; }

    public static OperatorCredentials From(string? configuredHash, string? environmentPassword, bool generateWhenMissing)
    {
        if (!string.IsNullOrEmpty(configuredHash))
        {
            if (!PasswordHash.IsWellFormed(configuredHash))
                throw new Gateway.Web.Hosting.GatewayConfigurationException($"{HashKey} is not a '{PasswordHash.Prefix}$ITERATIONS$SALT$HASH' value (make one with `gateway hash-password`)");
            return new(OperatorPasswordSource.ConfiguredHash, configuredHash, null);
        }
        if (!string.IsNullOrEmpty(environmentPassword))
            return new(OperatorPasswordSource.Environment, null, environmentPassword);
        if (!generateWhenMissing)
            return new(OperatorPasswordSource.None, null, null);
        var generated = Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('+', '-').Replace('/', '_');
        return new(OperatorPasswordSource.Generated, null, generated) { GeneratedPassword = generated };
    }

    public bool Check(string user, string password)
    {
        if (user != UserName || Source == OperatorPasswordSource.None)
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

    public override string ToString() => $"operator password ({Source})";
}
