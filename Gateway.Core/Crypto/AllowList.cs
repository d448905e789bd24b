using System.Security.Cryptography;

namespace Gateway.Core.Crypto;

/// <summary>
/// A peer allowed to initiate: its static public key, the PPP authname it is listed under, and what the responder
/// remembers of it. Only allowed peers have such an entry, so nothing an unknown key sends creates state.
/// </summary>
public sealed class AllowedPeer
{
    private readonly byte[] psk;

    internal AllowedPeer(string authName, X25519PublicKey publicKey, string? label, ReadOnlySpan<byte> presharedKey)
    {
        AuthName = authName;
        PublicKey = publicKey;
        Label = label;
        if (!presharedKey.IsEmpty && presharedKey.Length != NoiseHandshake.PskLength)
            throw new ArgumentException($"a pre-shared key is {NoiseHandshake.PskLength} bytes", nameof(presharedKey));
        psk = new byte[NoiseHandshake.PskLength];
        presharedKey.CopyTo(psk);
    }

    /// <summary>The authname whose sublinks may use this key (the caller checks it against PPP authentication).</summary>
    public string AuthName { get; }

    public X25519PublicKey PublicKey { get; }

    /// <summary>The free text after the key in ppp.keys (a site or device name), for logs.</summary>
    public string? Label { get; }

    /// <summary>
    /// The greatest initiation timestamp accepted from this key (WireGuard 5.1): an initiation must carry a greater one.
    /// Lost when the process restarts, which is safe: the initiator's clock has moved on too.
    /// </summary>
    public Tai64N? GreatestTimestamp { get; internal set; }

    /// <summary>When the last initiation from this key was accepted (caller's monotonic clock).</summary>
    public TimeSpan? LastInitiationAt { get; internal set; }

    /// <summary>The pre-shared key (Noise psk2), all zero when none is configured.</summary>
    internal ReadOnlySpan<byte> Psk => psk;

    internal void Wipe() => CryptographicOperations.ZeroMemory(psk);
}

/// <summary>The responder's question once it has decrypted an initiator's static key: is this key allowed, and as whom?</summary>
public interface IInitiatorAllowList
{
    /// <summary>The entry for <paramref name="initiatorStatic"/>, or null to refuse the handshake.</summary>
    AllowedPeer? Find(X25519PublicKey initiatorStatic);
}

/// <summary>
/// The allow-list of a receiver: accepted public keys per authname (ppp.keys). A key belongs to one authname only, as
/// a WireGuard key names one peer; an authname may have several keys (one per device or site). Not thread-safe for
/// writes: built once, then read by the one actor that runs handshakes.
/// </summary>
public sealed class PeerAllowList : IInitiatorAllowList, IDisposable
{
    private readonly Dictionary<X25519PublicKey, AllowedPeer> byKey = [];

    public int Count => byKey.Count;

    public IEnumerable<AllowedPeer> Peers => byKey.Values;

    /// <summary>
    /// Allows <paramref name="publicKey"/> for <paramref name="authName"/>, with an optional 32-byte pre-shared key
    /// (empty for none). Throws when the key is already listed.
    /// </summary>
    public AllowedPeer Add(string authName, X25519PublicKey publicKey, string? label = null, ReadOnlySpan<byte> presharedKey = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(authName);
        ArgumentNullException.ThrowIfNull(publicKey);
        if (byKey.TryGetValue(publicKey, out var existing))
            throw new ArgumentException($"public key {publicKey} is already allowed for '{existing.AuthName}'", nameof(publicKey));
        var peer = new AllowedPeer(authName, publicKey, label, presharedKey);
        byKey.Add(publicKey, peer);
        return peer;
    }

    public AllowedPeer? Find(X25519PublicKey initiatorStatic) => byKey.GetValueOrDefault(initiatorStatic);

    /// <summary>Every key allowed for <paramref name="authName"/> (case-sensitive, as ppp.secret names are).</summary>
    public IEnumerable<AllowedPeer> ForAuthName(string authName) =>
        byKey.Values.Where(p => string.Equals(p.AuthName, authName, StringComparison.Ordinal));

    public void Dispose()
    {
        foreach (var peer in byKey.Values)
            peer.Wipe();
    }
}
