using System.Security.Cryptography;

namespace Gateway.Core.Ppp.Auth;

/// <summary>Where CHAP challenges and identifiers come from; injected so tests are deterministic.</summary>
public interface IRandomSource
{
    void Fill(Span<byte> destination);
}

/// <summary>The operating system's cryptographic generator: what production uses (RFC 1994 2.3 wants
/// challenge values that are unique and unpredictable).</summary>
public sealed class CryptoRandomSource : IRandomSource
{
    public static CryptoRandomSource Instance { get; } = new();

    private CryptoRandomSource()
    {
    }

    public void Fill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);
}
