using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Core.Ppp.Auth;

/// <summary>
/// A shared secret (an <c>authkey</c> or the second column of ppp.secret). The key bytes never
/// appear in <see cref="ToString"/>, in the debugger or in exception messages: they are read
/// only by the authentication code of this assembly, and compared in constant time.
/// </summary>
[DebuggerDisplay(Masked)]
public sealed class Secret
{
    /// <summary>What every textual view of a secret shows, as FreeBSD ppp logs a PAP password.</summary>
    public const string Masked = "********";

    [DebuggerBrowsable(DebuggerBrowsableState.Never)]
    private readonly byte[] key;

    // SHA-256 of the key, so that PAP comparisons take a time that depends neither on where the
    // candidate differs nor on the key's length.
    [DebuggerBrowsable(DebuggerBrowsableState.Never)]
    private readonly byte[] keyHash;

    public Secret(ReadOnlySpan<byte> key)
    {
        this.key = key.ToArray();
        keyHash = SHA256.HashData(this.key);
    }

    /// <summary>The empty secret (FreeBSD ppp's default <c>authkey</c>).</summary>
    public static Secret Empty { get; } = new(ReadOnlySpan<byte>.Empty);

    /// <summary>A secret from configuration text, as UTF-8 bytes (what FreeBSD ppp sends is the bytes of the text).</summary>
    public static Secret FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new Secret(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Length of the key in bytes (not secret: PAP sends it in clear).</summary>
    public int Length => key.Length;

    /// <summary>The key bytes, for building a PAP request or a CHAP digest. Never log them.</summary>
    internal ReadOnlySpan<byte> Key => key;

    /// <summary>Whether <paramref name="candidate"/> equals the key, in time independent of the key.</summary>
    public bool Matches(ReadOnlySpan<byte> candidate)
    {
        Span<byte> candidateHash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(candidate, candidateHash);
        return CryptographicOperations.FixedTimeEquals(candidateHash, keyHash);
    }

    public override string ToString() => Masked;
}
