using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Core.Config;

/// <summary>
/// A secret from a configuration file (an <c>authkey</c>, a key of ppp.secret, a server password).
/// It never shows itself: <see cref="ToString"/> and JSON give <see cref="Mask"/>; only
/// <see cref="Reveal"/> gives the value, for the code that authenticates.
/// </summary>
[JsonConverter(typeof(SecretJsonConverter))]
public sealed class ConfigSecret : IEquatable<ConfigSecret>
{
    /// <summary>What is shown instead of a secret.</summary>
    public const string Mask = "********";

    private readonly string value;

    public ConfigSecret(string value) => this.value = value;

    public static ConfigSecret Empty { get; } = new("");

    public bool IsEmpty => value.Length == 0;

    public string Reveal() => value;

    /// <summary>Empty secrets show as empty (nothing is hidden), others as the mask.</summary>
    public override string ToString() => IsEmpty ? "" : Mask;

    public bool Equals(ConfigSecret? other) => other is not null && string.Equals(value, other.value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as ConfigSecret);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(value);
}

internal sealed class SecretJsonConverter : JsonConverter<ConfigSecret>
{
    public override ConfigSecret Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new(reader.GetString() ?? "");

    public override void Write(Utf8JsonWriter writer, ConfigSecret value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
