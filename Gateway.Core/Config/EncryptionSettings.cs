using System.Text.Json.Serialization;

namespace Gateway.Core.Config;

/// <summary>
/// <c>set encrypt off|on|require</c>, the gateway's extension of ppp.conf (issue 13; FreeBSD ppp has no such command,
/// docs/CONFIG.md). Off keeps the wire exactly FreeBSD ppp's over UDP.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<EncryptionMode>))]
public enum EncryptionMode : byte
{
    /// <summary>Clear PPP datagrams, as FreeBSD ppp sends them (the default).</summary>
    Off,

    /// <summary>A gateway encrypts every sublink; a receiver accepts encrypted and clear sublinks.</summary>
    On,

    /// <summary>As <see cref="On"/>, and a receiver refuses clear sublinks (counted and dropped).</summary>
    Require,
}

/// <summary>
/// A label's encryption settings as ppp.conf gives them: the mode, the private-key file (<c>set encryptkey</c>), the
/// peer's public key (<c>set encryptpeer</c>, a gateway's: the receiver's key), and the allowed keys per authname
/// (<c>set encryptkeys</c>, a receiver's ppp.keys). <see cref="At"/> is where <c>set encrypt</c> was last given.
/// </summary>
public sealed record EncryptionSettings(EncryptionMode Mode, string? KeyFile, string? PeerKey, string? KeysFile,
    [property: JsonIgnore] SourceLocation? At = null)
{
    public static EncryptionSettings Off { get; } = new(EncryptionMode.Off, null, null, null);

    [JsonIgnore]
    public bool Enabled => Mode != EncryptionMode.Off;
}
