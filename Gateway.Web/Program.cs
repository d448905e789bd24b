namespace Gateway.Web;

/// <summary>The <c>gateway</c> program: one executable for every role and tool.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("usage: gateway check [options] PPP.CONF [LABEL...]");
        return 2;
    }
}
