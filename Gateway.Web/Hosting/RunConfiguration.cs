using System.Net;
using Akka.Hosting;
using Gateway.Core.Actors;
using Gateway.Core.Config;
using Gateway.Core.Hosting;
using Gateway.Web.Cli;

namespace Gateway.Web.Hosting;

/// <summary>A FreeBSD ppp configuration that <c>gateway run</c> cannot start from; the message lists every reason.</summary>
public sealed class GatewayConfigurationException(string message) : Exception(message);

/// <summary>
/// <c>gateway run --config PPP.CONF [--secret PPP.SECRET] [--linkup F] [--linkdown F] --label LABEL [--listen ADDRESS:PORT]</c>:
/// the label names a receiver (<c>vpn-in</c>: the receiver role on <c>--listen</c>, default <c>0.0.0.0:6671</c>) or a
/// bundle (the gateway role; its sublinks are plain UDP sockets, NIC mode as in <c>vpn-nic</c>).
/// </summary>
public static class RunConfiguration
{
    public const string DefaultListen = "0.0.0.0:6671";

    /// <summary>True when the command line names a configuration to run.</summary>
    public static bool IsConfigured(IConfiguration configuration) => configuration["config"] is not null;

    public static AkkaConfigurationBuilder WithConfiguredActors(this AkkaConfigurationBuilder builder, GatewayRole role, IConfiguration configuration)
    {
        var conf = configuration["config"] ?? throw new GatewayConfigurationException("gateway run: --config PPP.CONF is required");
        var label = configuration["label"] ?? (role == GatewayRole.Receiver ? "vpn-in" : "vpn-nic");
        var source = new DiskConfigSource(Environment.GetEnvironmentVariable("PWD"));
        var unreadable = new List<ConfigFileText>();
        var files = CheckCommand.LoadFiles(conf, configuration["secret"], configuration["linkup"], configuration["linkdown"],
            source, new ConfReadOptions { Environment = Environment.GetEnvironmentVariable }, CheckCommand.LoadServices(source), unreadable);
        if (files is null)
            throw new GatewayConfigurationException(string.Join(Environment.NewLine,
                unreadable.Select(f => $"{f.Path}: {(f.Status == ConfigFileStatus.NotFound ? "no such file" : f.Error)}")));
        var result = GatewayModelBuilder.Build(files);
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();

        if (result.Model.Receivers.FirstOrDefault(r => r.Label == label) is { } receiverModel)
        {
            var listenText = configuration["listen"] ?? DefaultListen;
            if (!IPEndPoint.TryParse(listenText, out var listen))
                errors.Add($"--listen: '{listenText}' is not ADDRESS:PORT");
            var receiver = listen is null ? null : ConfigMapping.ToReceiver(receiverModel, listen, errors);
            Fail(errors);
            return builder.WithReceiverActors(receiver!);
        }
        if (result.Model.Bundles.FirstOrDefault(b => b.Label == label) is { } bundleModel)
        {
            var bundle = ConfigMapping.ToNicBundle(bundleModel, errors);
            Fail(errors);
            return builder.WithGatewayActors(new GatewayOptions { Bundles = [bundle!] });
        }
        errors.Add($"{conf}: no bundle or receiver label '{label}' (labels: {string.Join(", ", result.Model.Bundles.Select(b => b.Label).Concat(result.Model.Receivers.Select(r => r.Label)))})");
        Fail(errors);
        return builder;
    }

    private static void Fail(List<string> errors)
    {
        if (errors.Count > 0)
            throw new GatewayConfigurationException("gateway run: the configuration cannot be started:" + Environment.NewLine + string.Join(Environment.NewLine, errors));
    }
}
