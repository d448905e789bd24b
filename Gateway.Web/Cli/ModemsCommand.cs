using System.Runtime.InteropServices;
using Gateway.Core.Config;
using Gateway.Emulation.Hosting;
using Gateway.Emulation.Isp;
using Gateway.Emulation.Modem;

namespace Gateway.Web.Cli;

/// <summary>
/// <c>gateway modems [--secret FILE] PPP.CONF [LABEL...]</c>: the telephone network of a configuration on one machine.
/// An emulated Hayes modem is plugged in at every device the ISP labels dial from (their <c>set device</c>: a
/// pseudo-terminal made by socat), and every answering label with a <c>set phone</c> (the <c>isp-in-N</c> labels,
/// or the <c>LABEL</c>s given) answers the calls to its numbers as an emulated ISP: <c>set ifaddr</c>,
/// <c>enable chap|pap</c> against ppp.secret, UDP forwarded to the same port on 127.0.0.1. Runs until interrupted.
/// </summary>
public static class ModemsCommand
{
    public const string Usage = "usage: gateway modems [--secret FILE] PPP.CONF [LABEL...]";

    private static readonly HashSet<string> KnownOptions = ["--secret"];

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        if (!CliArguments.TryParse(args, KnownOptions, out var named, out var positional, out var error) || positional.Count == 0)
        {
            stderr.WriteLine($"gateway modems: {error ?? "no PPP.CONF given"}");
            stderr.WriteLine(Usage);
            return CheckCommand.BadInput;
        }
        var source = new DiskConfigSource(Environment.GetEnvironmentVariable("PWD"));
        var unreadable = new List<ConfigFileText>();
        var files = CheckCommand.LoadFiles(positional[0], named.GetValueOrDefault("--secret"), null, null, source,
            new ConfReadOptions { Environment = Environment.GetEnvironmentVariable }, CheckCommand.LoadServices(source), unreadable);
        if (files is null)
        {
            foreach (var file in unreadable)
                stderr.WriteLine($"gateway modems: {file.Path}: {(file.Status == ConfigFileStatus.NotFound ? "no such file" : file.Error)}");
            return CheckCommand.BadInput;
        }
        var result = GatewayModelBuilder.Build(files);
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        var plan = Plan(result.Model, positional.Skip(1).ToList(), errors);
        if (errors.Count > 0 || plan is null)
        {
            foreach (var line in errors)
                stderr.WriteLine($"gateway modems: {line}");
            return CheckCommand.Errors;
        }

        using var stopped = new ManualResetEventSlim();
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        RunAsync(plan, stdout, stopped).GetAwaiter().GetResult();
        return CheckCommand.Ok;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stopped.Set();
        }
    }

    /// <summary>What to plug in: the devices, and the ISPs on the exchange by number.</summary>
    /// <param name="LineSpeed">The modems' speed: the fastest <c>set speed</c> of the ISP labels.</param>
    internal sealed record ModemPlan(IReadOnlyList<string> Devices, IReadOnlyList<(string Number, IspEndpointOptions Isp)> Numbers, int LineSpeed);

    internal static ModemPlan? Plan(GatewayModel model, IReadOnlyList<string> labels, List<string> errors)
    {
        var answering = model.Receivers.Where(r => !r.Multilink).ToList();
        foreach (var label in labels.Where(l => answering.All(r => r.Label != l)))
            errors.Add($"{label}: not an answering single-link label (one with 'set ifaddr' and no 'set mrru', like isp-in-1)");
        var chosen = labels.Count > 0 ? answering.Where(r => labels.Contains(r.Label)).ToList() : answering.Where(r => r.Phone is not null).ToList();
        if (chosen.Count == 0 && errors.Count == 0)
            errors.Add("no answering label with 'set phone' (an isp-in-N label with 'set phone NUMBER' and 'set ifaddr MYADDR HISADDR')");
        var numbers = new List<(string, IspEndpointOptions)>();
        foreach (var receiver in chosen)
        {
            if (receiver.Phone is null)
            {
                errors.Add($"{receiver.Label}: no 'set phone': say which number it answers");
                continue;
            }
            if (EmulationMapping.ToIspEndpoint(receiver, errors) is not { } isp)
                continue;
            foreach (var number in receiver.Phone.Sequence.SelectMany(alternatives => alternatives))
            {
                if (numbers.Any(n => ModemDirectory.Normalize(n.Item1) == ModemDirectory.Normalize(number)))
                    errors.Add($"{receiver.Label}: number {number} is answered by another label too");
                else
                    numbers.Add((number, isp));
            }
        }
        var devices = model.IspLinks.SelectMany(l => l.Devices).Where(d => d.StartsWith('/')).Distinct(StringComparer.Ordinal).ToList();
        if (devices.Count == 0)
            errors.Add("no ISP label dials from a device path ('set device /dev/...' on a label with 'set phone' and 'set dial')");
        int speed = model.IspLinks.Select(l => l.Speed).DefaultIfEmpty(115200).Max();
        return errors.Count > 0 ? null : new ModemPlan(devices, numbers, speed);
    }

    private static async Task RunAsync(ModemPlan plan, TextWriter stdout, ManualResetEventSlim stopped)
    {
        var exchange = new TelephoneExchange();
        var isps = new List<IspEndpoint>();
        foreach (var (number, options) in plan.Numbers)
        {
            var isp = isps.FirstOrDefault(i => ReferenceEquals(i.Options, options));
            if (isp is null)
            {
                isp = new IspEndpoint(options, stdout.WriteLine);
                isps.Add(isp);
            }
            exchange.TryConnect(number, isp);
            stdout.WriteLine($"gateway modems: {number} is answered by {options.Name} ({options.Authentication}, its address {options.LocalAddress}, gives {options.PeerAddress})");
        }
        var modems = new List<PseudoTerminalModem>();
        try
        {
            foreach (var device in plan.Devices)
            {
                modems.Add(await PseudoTerminalModem.StartAsync(device, exchange.Directory(), exchange, new ModemOptions { LineSpeed = plan.LineSpeed }));
                stdout.WriteLine($"gateway modems: a modem at {device} ({plan.LineSpeed} bit/s)");
            }
            stdout.WriteLine("gateway modems: ready; Ctrl-C unplugs them");
            stdout.Flush();
            stopped.Wait();
        }
        finally
        {
            foreach (var modem in modems)
                await modem.DisposeAsync();
            foreach (var isp in isps)
                isp.Dispose();
        }
    }
}
