namespace Gateway.Web.Hosting;

public enum GatewayRole
{
    /// <summary>The seed topology in one process (modem emulators, emulated ISPs, receiver, gateway).</summary>
    Demo,
    Gateway,
    Receiver,
}

/// <summary>
/// The words before the options: <c>gateway</c> (the demo), <c>gateway demo</c>, <c>gateway run [demo|gateway|receiver]</c>.
/// Without a role on the command line, <c>Gateway:Role</c> in configuration chooses, else the demo.
/// </summary>
public static class RoleCommandLine
{
    public const string ConfigKey = "Gateway:Role";
    public const string Usage = "usage: gateway [demo | run [demo|gateway|receiver]] [--urls URL[;URL...]] [--Gateway:Web:OpenViewing=false] ...";

    /// <summary>Splits the role words off; <paramref name="options"/> is what ASP.NET Core's configuration reads.</summary>
    public static bool TryParse(IReadOnlyList<string> args, out GatewayRole? role, out string[] options, out string? error)
    {
        role = null;
        error = null;
        var rest = args.ToList();
        if (rest.Count > 0 && rest[0] == "demo")
        {
            role = GatewayRole.Demo;
            rest.RemoveAt(0);
        }
        else if (rest.Count > 0 && rest[0] == "run")
        {
            rest.RemoveAt(0);
            if (rest.Count > 0 && !rest[0].StartsWith('-'))
            {
                if (!TryRole(rest[0], out var named))
                {
                    options = [];
                    error = $"unknown role '{rest[0]}' (demo, gateway or receiver)";
                    return false;
                }
                role = named;
                rest.RemoveAt(0);
            }
        }
        if (rest.Count > 0 && !rest[0].StartsWith('-'))
        {
            options = [];
            error = $"unknown command '{rest[0]}'";
            return false;
        }
        // gateway run --config PPP.CONF --label vpn-in: the label decides between gateway and receiver.
        if (role is null && rest.Contains("--config"))
            role = rest.SkipWhile(a => a != "--label").Skip(1).FirstOrDefault() is { } label && label.Contains("-in", StringComparison.Ordinal)
                ? GatewayRole.Receiver
                : GatewayRole.Gateway;
        options = rest.ToArray();
        return true;
    }

    public static bool TryRole(string? text, out GatewayRole role)
    {
        role = GatewayRole.Demo;
        switch (text?.ToLowerInvariant())
        {
            case "demo":
                return true;
            case "gateway":
                role = GatewayRole.Gateway;
                return true;
            case "receiver":
                role = GatewayRole.Receiver;
                return true;
            default:
                return false;
        }
    }

    public static string Name(this GatewayRole role) => role.ToString().ToLowerInvariant();
}
