using System.Diagnostics.CodeAnalysis;

namespace Gateway.Core.Ppp.Auth;

/// <summary>
/// The authenticator's secrets (FreeBSD ppp's ppp.secret): an exact, case-sensitive lookup by the
/// name the peer sent. The <c>DOMAIN\user</c> fallback is not the store's business: the
/// authenticators apply it through <see cref="SecretLookup.TryFind"/>.
/// </summary>
public interface ISecretStore
{
    /// <summary>The secret stored under exactly <paramref name="name"/> (ordinal, case-sensitive; the empty name is a valid key).</summary>
    bool TryGetSecret(string name, [MaybeNullWhen(false)] out Secret secret);
}

/// <summary>How FreeBSD ppp looks a peer up in ppp.secret (auth.c): the name as sent, then, if it
/// has the form <c>DOMAIN\user</c> with a non-empty user, the part after the last backslash.</summary>
public static class SecretLookup
{
    private const char DomainSeparator = '\\';

    /// <summary>The user part of <c>DOMAIN\user</c>: the text after the last backslash, if any and not empty.</summary>
    public static bool TryStripDomain(string name, [NotNullWhen(true)] out string? user)
    {
        ArgumentNullException.ThrowIfNull(name);
        int slash = name.LastIndexOf(DomainSeparator);
        if (slash < 0 || slash == name.Length - 1)
        {
            user = null;
            return false;
        }
        user = name[(slash + 1)..];
        return true;
    }

    /// <summary>
    /// Finds the secret for <paramref name="peerName"/>: the exact name first, then its user part.
    /// <paramref name="matchedName"/> is the store key that matched (for the later address and label columns).
    /// </summary>
    public static bool TryFind(
        this ISecretStore store,
        string peerName,
        [MaybeNullWhen(false)] out Secret secret,
        [MaybeNullWhen(false)] out string matchedName)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(peerName);
        if (store.TryGetSecret(peerName, out secret))
        {
            matchedName = peerName;
            return true;
        }
        if (TryStripDomain(peerName, out var user) && store.TryGetSecret(user, out secret))
        {
            matchedName = user;
            return true;
        }
        matchedName = null;
        return false;
    }
}

/// <summary>An in-memory <see cref="ISecretStore"/> (tests, demo topology).</summary>
public sealed class InMemorySecretStore : ISecretStore
{
    private readonly Dictionary<string, Secret> secrets = new(StringComparer.Ordinal);

    public InMemorySecretStore()
    {
    }

    public InMemorySecretStore(IEnumerable<KeyValuePair<string, Secret>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var (name, secret) in entries)
            Add(name, secret);
    }

    /// <summary>Adds or replaces the secret for <paramref name="name"/>.</summary>
    public InMemorySecretStore Add(string name, Secret secret)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(secret);
        secrets[name] = secret;
        return this;
    }

    public bool TryGetSecret(string name, [MaybeNullWhen(false)] out Secret secret) =>
        secrets.TryGetValue(name, out secret);
}
