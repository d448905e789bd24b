using Gateway.Web.Cli;
using Gateway.Web.Cluster;
using Gateway.Web.Hosting;

namespace Gateway.Web;

/// <summary>
/// The <c>gateway</c> program: one executable for every role and tool.
/// <c>gateway</c> / <c>gateway demo</c> / <c>gateway run [demo|gateway|receiver]</c> start the web host;
/// <c>gateway check ...</c>, <c>gateway ctl URL ...</c>, <c>gateway modems ...</c>, <c>gateway hash-password</c> and <c>gateway keygen</c> are tools.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "check")
            return CheckCommand.Run(args[1..], Console.Out, Console.Error);
        if (args.Length > 0 && args[0] == "ctl")
            return CtlCommand.Run(args[1..], Console.Out, Console.Error, Console.In);
        if (args.Length > 0 && args[0] == "modems")
            return ModemsCommand.Run(args[1..], Console.Out, Console.Error);
        if (args.Length > 0 && args[0] == "hash-password")
            return CtlCommand.HashPassword(Console.In, Console.Out, Console.Error);
        if (args.Length > 0 && args[0] == "keygen")
            return KeygenCommand.Run(args[1..], Console.Out, Console.Error);

        if (!RoleCommandLine.TryParse(args, out var role, out var options, out var error))
        {
            Console.Error.WriteLine($"gateway: {error}");
            Console.Error.WriteLine(RoleCommandLine.Usage);
            Console.Error.WriteLine(CheckCommand.Usage);
            Console.Error.WriteLine(CtlCommand.Usage);
            Console.Error.WriteLine(ModemsCommand.Usage);
            Console.Error.WriteLine(KeygenCommand.Usage);
            return CheckCommand.BadInput;
        }
        try
        {
            var app = GatewayWebApp.Build(options, role);
            app.RunAsync(Console.Out).GetAwaiter().GetResult();
            return 0;
        }
        catch (Exception e) when (e.GetBaseException() is GatewayConfigurationException bad)
        {
            Console.Error.WriteLine(bad.Message);
            return 1;
        }
        catch (Exception e) when (ReceiverClusterSettings.StartFailure(e) is { } clusterFailure)
        {
            Console.Error.WriteLine(clusterFailure);
            return 1;
        }
    }
}
