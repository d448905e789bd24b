namespace Gateway.Core.Config;

public sealed partial class ProfileResolver
{
    private static CommandEntry<Action<ProfileResolver, Call>> E(string? name, string? alias, CommandScope scope, Action<ProfileResolver, Call> action) =>
        new(name, alias, scope, action);

    // Methods, not fields: the command tables of the other parts of this class refer to them, and static field
    // initializers of partial classes run in an order the language does not fix.
    private static void Interactive(ProfileResolver r, Call c) =>
        r.Unused(c, "an interactive command; the gateway does not run it from a configuration file");

    private static void Shell(ProfileResolver r, Call c) =>
        r.Unused(c, "runs a program; the gateway runs no shell commands from ppp.conf (ppp.linkup/ppp.linkdown's '!bg ppp'/'pppctl' are understood there)");

    private static readonly CommandEntry<Action<ProfileResolver, Call>>[] TopCommands =
    [
        E("accept", null, CommandScope.LinkOptional, (r, c) => r.Negotiate(c)),
        E("add", null, CommandScope.Bundle, (r, c) => r.AddRoute(c, replace: false)),
        E(null, "add!", CommandScope.Bundle, (r, c) => r.AddRoute(c, replace: true)),
        E("allow", "auth", CommandScope.Bundle, (r, c) => r.Unused(c, "ppp's access control for its own users and modes; not applicable to the gateway")),
        E("bg", "!bg", CommandScope.Bundle, Shell),
        E("clear", null, CommandScope.LinkOptional, Interactive),
        E("clone", null, CommandScope.Link, (r, c) => r.Clone(c)),
        E("close", null, CommandScope.LinkOptional, Interactive),
        E("delete", null, CommandScope.Bundle, (r, c) => r.DeleteRoute(c, quiet: false)),
        E(null, "delete!", CommandScope.Bundle, (r, c) => r.DeleteRoute(c, quiet: true)),
        E("deny", null, CommandScope.LinkOptional, (r, c) => r.Negotiate(c)),
        E("dial", "call", CommandScope.LinkOptional, Interactive),
        E("disable", null, CommandScope.LinkOptional, (r, c) => r.Negotiate(c)),
        E("down", null, CommandScope.LinkOptional, Interactive),
        E("enable", null, CommandScope.LinkOptional, (r, c) => r.Negotiate(c)),
        E("ident", null, CommandScope.Link, (r, c) => r.Unused(c, "LCP Identification is not sent by the gateway", c.Cx)),
        E("iface", "interface", CommandScope.Bundle, (r, c) => r.Unused(c, "interface addresses are managed by the gateway's data plane")),
        E("link", "datalink", CommandScope.Bundle, (r, c) => r.Link(c)),
        E("load", null, CommandScope.LinkOptional, (r, c) => r.Load(c)),
        E("log", null, CommandScope.LinkOptional, (r, c) => r.Unused(c, "writes to ppp's log; ignored")),
        E("nat", "alias", CommandScope.Bundle, (r, c) => r.Nat(c)),
        E("open", null, CommandScope.LinkOptional, Interactive),
        E("passwd", null, CommandScope.Bundle, Interactive),
        E("quit", "bye", CommandScope.Bundle, Interactive),
        E("remove", "rm", CommandScope.Link, (r, c) => r.Remove(c)),
        E("rename", "mv", CommandScope.Link, (r, c) => r.Rename(c)),
        E("resolv", null, CommandScope.Bundle, (r, c) => r.Unused(c, "the gateway does not rewrite resolv.conf")),
        E("save", null, CommandScope.Bundle, Interactive),
        E("sendident", null, CommandScope.Link, Interactive),
        E("set", "setup", CommandScope.LinkOptional, (r, c) => r.Set(c)),
        E("shell", "!", CommandScope.Bundle, Shell),
        E("show", null, CommandScope.LinkOptional, Interactive),
        E("term", null, CommandScope.Link, Interactive),
        E("help", "?", CommandScope.Bundle, Interactive),
    ];

    private void Load(Call c)
    {
        var labels = c.Rest.Count == 0 ? ["default"] : c.Rest;
        foreach (var label in labels)
        {
            if (document.Find(label) is null)
            {
                diagnostics.Error(c.At, $"load {label}: label not found in {document.Path}; nothing loaded");
                return;
            }
            if (running.Contains(label, StringComparer.Ordinal))
            {
                diagnostics.Error(c.At, $"load {label}: '{label}' loads itself ({string.Join(" -> ", running)} -> {label}); not loaded again");
                return;
            }
        }
        profile.Label = labels[^1];
        foreach (var label in labels)
            RunSection(document.Find(label)!, c.Cx);
    }

    private void Link(Call c)
    {
        if (c.Args.Count < c.ArgN + 3)
        {
            diagnostics.Error(c.At, "usage: link name[,name...]|* command ...");
            return;
        }
        var names = c.Args[c.ArgN + 1];
        List<LinkProfile> targets;
        if (names == "*")
            targets = [.. profile.links];
        else
        {
            targets = [];
            foreach (var name in names.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries))
            {
                var link = FindLink(name);
                if (link is null)
                {
                    diagnostics.Error(c.At, $"link {name}: no such link (links: {string.Join(", ", profile.links.Select(l => l.Name))}); command ignored");
                    return;
                }
                targets.Add(link);
            }
        }
        foreach (var link in targets)
        {
            if (profile.links.Contains(link))
                Execute(c.Command, c.ArgN + 2, link, c.Depth + 1);
        }
    }

    private LinkProfile? FindLink(string name) =>
        profile.links.FirstOrDefault(l => string.Equals(l.Name, name, StringComparison.OrdinalIgnoreCase));

    private void Clone(Call c)
    {
        if (c.Rest.Count == 0)
        {
            diagnostics.Error(c.At, "usage: clone newname...");
            return;
        }
        foreach (var arg in c.Rest)
        {
            foreach (var name in arg.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries))
            {
                if (FindLink(name) is not null)
                {
                    diagnostics.Error(c.At, $"clone {name}: a link of that name already exists");
                    continue;
                }
                profile.links.Add(c.Cx!.Clone(name));
            }
        }
    }

    private void Remove(Call c)
    {
        if (c.Rest.Count != 0)
        {
            diagnostics.Error(c.At, "usage: remove");
            return;
        }
        profile.links.Remove(c.Cx!);
        if (profile.links.Count == 0)
            diagnostics.Warn(c.At, "the bundle has no links left");
    }

    private void Rename(Call c)
    {
        if (c.Rest.Count != 1)
        {
            diagnostics.Error(c.At, "usage: rename name");
            return;
        }
        var name = c.Rest[0];
        var other = FindLink(name);
        if (other is not null && other != c.Cx)
        {
            diagnostics.Error(c.At, $"{c.Cx!.Name} -> {name}: target name already exists");
            return;
        }
        c.Cx!.Name = name;
    }

    private void Nat(Call c)
    {
        if (c.Args[c.ArgN].StartsWith('a') || c.Args[c.ArgN].StartsWith('A'))
            diagnostics.Warn(c.At, $"{c.Prefix}: the alias command is deprecated (ppp says so too); it means 'nat'");
        if (c.Rest.Count == 0)
        {
            diagnostics.Error(c.At, $"{c.Prefix} command must have arguments");
            return;
        }
        Dispatch(NatCommands, c with { ArgN = c.ArgN + 1 });
    }

    private static readonly CommandEntry<Action<ProfileResolver, Call>>[] NatCommands =
    [
        E("addr", null, CommandScope.Bundle, (r, c) => r.Unused(c, "NAT redirection is not supported by the gateway")),
        E("deny_incoming", null, CommandScope.Bundle, (r, c) => r.Unused(c, "NAT option not supported by the gateway")),
        E("enable", null, CommandScope.Bundle, (r, c) => r.NatEnable(c)),
        E("log", null, CommandScope.Bundle, (r, c) => r.Unused(c, "NAT option not supported by the gateway")),
        E("port", null, CommandScope.Bundle, (r, c) => r.Unused(c, "NAT redirection is not supported by the gateway")),
        E("proto", null, CommandScope.Bundle, (r, c) => r.Unused(c, "NAT redirection is not supported by the gateway")),
        E("proxy", null, CommandScope.Bundle, (r, c) => r.Unused(c, "NAT proxy rules are not supported by the gateway")),
        E("punch_fw", null, CommandScope.Bundle, (r, c) => r.Unused(c, "NAT option not supported by the gateway")),
        E("skinny_port", null, CommandScope.Bundle, (r, c) => r.Unused(c, "NAT option not supported by the gateway")),
        E("same_ports", null, CommandScope.Bundle, (r, c) => r.Unused(c, "NAT option not supported by the gateway")),
        E("target", null, CommandScope.Bundle, (r, c) => r.Unused(c, "NAT option not supported by the gateway")),
        E("unregistered_only", null, CommandScope.Bundle, (r, c) => r.Unused(c, "NAT option not supported by the gateway")),
        E("use_sockets", null, CommandScope.Bundle, (r, c) => r.Unused(c, "NAT option not supported by the gateway")),
        E("help", "?", CommandScope.Bundle, Interactive),
    ];

    private void NatEnable(Call c)
    {
        if (c.Rest.Count == 1 && c.First.Equals("yes", StringComparison.OrdinalIgnoreCase))
            profile.Nat = true;
        else if (c.Rest.Count == 1 && c.First.Equals("no", StringComparison.OrdinalIgnoreCase))
        {
            profile.Nat = false;
            profile.options["iface-alias"] = false;
        }
        else
            diagnostics.Error(c.At, "usage: nat enable yes|no");
    }

    private void AddRoute(Call c, bool replace)
    {
        var rest = c.Rest;
        if (rest.Count is not (2 or 3))
        {
            diagnostics.Error(c.At, $"usage: {c.Prefix} dest [mask] gateway");
            return;
        }
        var destination = rest[0];
        string? netmask = null;
        if (rest.Count == 2)
        {
            if (!destination.Equals("default", StringComparison.OrdinalIgnoreCase) && !AddressSyntax.IsAddressOrName(destination))
            {
                diagnostics.Error(c.At, $"{destination}: invalid destination address");
                return;
            }
        }
        else
        {
            netmask = rest[1];
            if (!AddressSyntax.IsAddressOrName(destination) || destination.Contains('/'))
            {
                diagnostics.Error(c.At, $"{destination}: invalid destination address");
                return;
            }
            if (!AddressSyntax.IsLiteral(netmask) || netmask.Contains('/'))
            {
                diagnostics.Error(c.At, $"{netmask}: invalid netmask");
                return;
            }
        }
        var gateway = rest[^1];
        if (!AddressSyntax.IsAddressOrName(gateway) || gateway.Contains('/'))
        {
            diagnostics.Error(c.At, $"{gateway}: invalid gateway address");
            return;
        }
        if (destination.Equals("default", StringComparison.OrdinalIgnoreCase))
            destination = "default";
        if (AddressSyntax.IsKeyword(gateway))
            gateway = gateway.ToUpperInvariant();

        var existing = profile.routes.FindIndex(r => SameDestination(r.Destination, destination));
        var route = new RouteSpec(destination, netmask, gateway, replace);
        if (existing >= 0 && !replace)
        {
            diagnostics.Warn(c.At, $"route to {destination} already added; 'add' does not change it (use 'add!')");
            return;
        }
        if (existing >= 0)
            profile.routes[existing] = route;
        else
            profile.routes.Add(route);
    }

    private static bool SameDestination(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private void DeleteRoute(Call c, bool quiet)
    {
        if (c.Rest.Count != 1)
        {
            diagnostics.Error(c.At, $"usage: {c.Prefix} dest");
            return;
        }
        var destination = c.First;
        if (destination.Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            profile.routes.Clear();
            return;
        }
        var removed = profile.routes.RemoveAll(r => SameDestination(r.Destination, destination)
            || SameDestination(r.Destination.Split('/')[0], destination));
        if (removed == 0 && !quiet)
            diagnostics.Warn(c.At, $"delete {destination}: no such route");
    }
}
