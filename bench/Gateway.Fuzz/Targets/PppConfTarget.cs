using Gateway.Core.Config;

namespace Gateway.Fuzz;

/// <summary>
/// The ppp.conf tokenizer and reader and what <c>gateway check</c> does with a file: every line through
/// <see cref="PppTokenizer"/>, the file through <see cref="PppConfReader"/> (with an <c>!include</c>d second file),
/// and the whole through <see cref="GatewayModelBuilder"/>, which runs every label through <see cref="ProfileResolver"/>.
/// Input: ppp.conf, NUL, the file <c>/etc/ppp/extra.conf</c>.
/// </summary>
internal sealed class PppConfTarget : IFuzzTarget
{
    public const string ConfPath = "/etc/ppp/ppp.conf";
    public const string IncludePath = "/etc/ppp/extra.conf";

    public string Name => "ppp-conf";

    public string Description => "PppTokenizer, PppConfReader, ProfileResolver and GatewayModelBuilder on ppp.conf text";

    public long AllocationBase => 2 * 1024 * 1024;

    /// <summary>Strings, argument lists and diagnostics (each naming the line): several copies of every line.</summary>
    public long AllocationPerByte => 4 * 1024;

    public void Run(ReadOnlySpan<byte> data)
    {
        string conf = TextInput.Split(data, out var rest);
        string include = TextInput.Decode(rest);
        foreach (var line in conf.Split('\n'))
        {
            var expanded = PppTokenizer.Expand(line, TextInput.Environment, user => user is null or "ppp" ? "/home/ppp" : null);
            PppTokenizer.Tokenize(expanded, TokenizeFlags.Reduce);
            PppTokenizer.Tokenize(line, TokenizeFlags.Normal | TokenizeFlags.NoHash);
        }
        var source = new InMemoryConfigSource().Add(ConfPath, conf).Add(IncludePath, include);
        var document = PppConfReader.Read(ConfPath, source, new ConfReadOptions { Environment = TextInput.Environment });
        // GatewayModelBuilder resolves every label (default first) as `ppp LABEL` does; asking for `default` by name as
        // well, once, takes the path where it is run twice. Resolving every label here too only halved the executions.
        if (document.Labels.FirstOrDefault(l => l != "default") is { } first)
            ProfileResolver.Resolve(document, ["default", first]);
        GatewayModelBuilder.Build(new GatewayConfigFiles(document));
    }
}
