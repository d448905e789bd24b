using System.Text;

namespace Gateway.Fuzz;

/// <summary>Inputs of the text targets: UTF-8 (invalid octets become U+FFFD, as File.ReadAllText makes them), parts separated by NUL.</summary>
internal static class TextInput
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    public static string Decode(ReadOnlySpan<byte> bytes) => Utf8.GetString(bytes);

    /// <summary>The part before the first NUL, and the rest (empty when there is no NUL).</summary>
    public static string Split(ReadOnlySpan<byte> bytes, out ReadOnlySpan<byte> rest)
    {
        int nul = bytes.IndexOf((byte)0);
        rest = nul < 0 ? default : bytes[(nul + 1)..];
        return Decode(nul < 0 ? bytes : bytes[..nul]);
    }

    /// <summary>Environment of the runs: a few variables so that expansion has something to expand.</summary>
    public static string? Environment(string name) => name switch
    {
        "HOME" => "/home/ppp",
        "USER" => "ppp",
        "LONG" => new string('x', 300),
        _ => null,
    };
}
