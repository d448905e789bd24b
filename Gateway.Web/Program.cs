using Gateway.Web.Cli;

namespace Gateway.Web;

/// <summary>The <c>gateway</c> program: one executable for every role and tool.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "check")
            return CheckCommand.Run(args[1..], Console.Out, Console.Error);

        Console.Error.WriteLine(CheckCommand.Usage);
        return CheckCommand.BadInput;
    }
}
