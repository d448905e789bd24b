using Gateway.Core.Config;

namespace Gateway.Web.Cli;

/// <summary>
/// <c>gateway check [--secret FILE] [--linkup FILE] [--linkdown FILE] [--format json|text] PPP.CONF [LABEL...]</c>:
/// reads FreeBSD ppp files, prints the gateway's model (JSON by default) on standard output, then the diagnostics
/// (<c>file:line: severity: message</c>) on standard error. Exit code 0 without errors (warnings do not fail),
/// 1 with errors, 2 when a file is missing or unreadable or the command line is wrong.
/// </summary>
public static class CheckCommand
{
    public const int Ok = 0, Errors = 1, BadInput = 2;

    public const string Usage = "usage: gateway check [--secret FILE] [--linkup FILE] [--linkdown FILE] [--format json|text] PPP.CONF [LABEL...]";

    private sealed class Options
    {
        public string? Secret, LinkUp, LinkDown, Conf;
        public string Format = "json";
        public List<string> Labels = [];
    }

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, IConfigSource? source = null, ServiceTable? services = null)
    {
        if (!TryParse(args, out var options, out var error))
        {
            stderr.WriteLine($"gateway check: {error}");
            stderr.WriteLine(Usage);
            return BadInput;
        }
        source ??= new DiskConfigSource(Environment.GetEnvironmentVariable("PWD"));
        services ??= LoadServices(source);

        var readOptions = new ConfReadOptions
        {
            Environment = Environment.GetEnvironmentVariable,
            HomeDirectory = user => user is null ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) : null,
        };

        var unreadable = new List<ConfigFileText>();
        var files = LoadFiles(options.Conf!, options.Secret, options.LinkUp, options.LinkDown, source, readOptions, services, unreadable);
        if (files is null)
        {
            foreach (var file in unreadable)
                stderr.WriteLine($"gateway check: {file.Path}: {(file.Status == ConfigFileStatus.NotFound ? "no such file" : file.Error)}");
            return BadInput;
        }
        var conf = files.Conf;
        var result = GatewayModelBuilder.Build(files);
        var diagnostics = result.Diagnostics.ToList();

        PppProfile? invocation = null;
        if (options.Labels.Count > 0)
        {
            var resolution = ProfileResolver.Resolve(conf, options.Labels, services);
            invocation = resolution.Profile;
            diagnostics.AddRange(resolution.Diagnostics.Where(d => !diagnostics.Contains(d)));
        }

        var report = new ConfigReport(options.Conf!, options.Labels, invocation, result.Model);
        if (options.Format == "text")
            TextReport.Write(report, stdout);
        else
            stdout.WriteLine(ConfigJson.Serialize(report));

        foreach (var diagnostic in diagnostics)
            stderr.WriteLine(diagnostic);
        var errors = diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);
        var warnings = diagnostics.Count(d => d.Severity == DiagnosticSeverity.Warning);
        stderr.WriteLine($"gateway check: {errors} error(s), {warnings} warning(s)");
        return errors > 0 ? Errors : Ok;
    }

    internal static ServiceTable LoadServices(IConfigSource source)
    {
        var etc = source.Read("/etc/services");
        return etc.Status == ConfigFileStatus.Read ? ServiceTable.Parse(etc.Text) : ServiceTable.BuiltInOnly;
    }

    private static readonly HashSet<string> KnownOptions = ["--secret", "--linkup", "--linkdown", "--format"];

    private static bool TryParse(IReadOnlyList<string> args, out Options options, out string? error)
    {
        options = new Options();
        if (!CliArguments.TryParse(args, KnownOptions, out var named, out var positional, out error))
            return false;
        options.Secret = named.GetValueOrDefault("--secret");
        options.LinkUp = named.GetValueOrDefault("--linkup");
        options.LinkDown = named.GetValueOrDefault("--linkdown");
        options.Format = named.GetValueOrDefault("--format", "json");
        if (options.Format is not ("json" or "text"))
        {
            error = $"--format {options.Format}: expected json or text";
            return false;
        }
        if (positional.Count == 0)
        {
            error = "no PPP.CONF given";
            return false;
        }
        options.Conf = positional[0];
        options.Labels = positional.Skip(1).ToList();
        return true;
    }

    /// <summary>Reads ppp.conf and its companions; null (with the files in <paramref name="unreadable"/>) when one cannot be read.</summary>
    internal static GatewayConfigFiles? LoadFiles(string conf, string? secret, string? linkUp, string? linkDown,
        IConfigSource source, ConfReadOptions? readOptions, ServiceTable services, List<ConfigFileText> unreadable)
    {
        foreach (var path in new[] { conf, secret, linkUp, linkDown })
        {
            if (path is null)
                continue;
            var text = source.Read(path);
            if (text.Status != ConfigFileStatus.Read)
                unreadable.Add(text);
        }
        if (unreadable.Count > 0)
            return null;
        return new GatewayConfigFiles(
            PppConfReader.Read(conf, source, readOptions),
            linkUp is null ? null : LinkScripts.Read(linkUp, source, readOptions),
            linkDown is null ? null : LinkScripts.Read(linkDown, source, readOptions),
            secret is null ? null : PppSecrets.Read(secret, source),
            services);
    }
}
