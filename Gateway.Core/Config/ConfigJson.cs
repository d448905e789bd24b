using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Core.Config;

/// <summary>What <c>gateway check</c> prints: the file, the labels asked for, that invocation's profile, and the model.</summary>
public sealed record ConfigReport(string Config, IReadOnlyList<string> Labels, PppProfile? Invocation, GatewayModel Model);

/// <summary>
/// JSON for the configuration model (camelCase names, enums as strings, secrets masked). The property names are
/// pinned by the golden files under Gateway.Tests/Config/Golden.
/// </summary>
public static class ConfigJson
{
    private static readonly ConfigJsonContext Context = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NewLine = "\n",
    });

    public static string Serialize(GatewayModel model) => JsonSerializer.Serialize(model, Context.GatewayModel);

    public static string Serialize(ConfigReport report) => JsonSerializer.Serialize(report, Context.ConfigReport);

    public static string Serialize(PppProfile profile) => JsonSerializer.Serialize(profile, Context.PppProfile);
}

[JsonSerializable(typeof(ConfigReport))]
[JsonSerializable(typeof(GatewayModel))]
[JsonSerializable(typeof(PppProfile))]
internal sealed partial class ConfigJsonContext : JsonSerializerContext;
