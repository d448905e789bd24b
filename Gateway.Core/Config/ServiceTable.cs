namespace Gateway.Core.Config;

/// <summary>
/// Port numbers of service names for <c>host:service/udp</c> devices, as getservbyname(3) gives them on FreeBSD.
/// The entries of an /etc/services text come first; a built-in table answers the rest. The seed needs
/// <c>ppp 6671/udp</c>, which the seed's own prerequisites add to /etc/services on both machines; Debian's
/// /etc/services has no <c>ppp</c> entry, so the built-in table gives 6671.
/// </summary>
public sealed class ServiceTable
{
    /// <summary>The port the seed's prerequisites give the <c>ppp</c> service.</summary>
    public const int PppPort = 6671;

    private static readonly Dictionary<string, int> BuiltIn = new(StringComparer.Ordinal)
    {
        ["ppp"] = PppPort,
    };

    private readonly Dictionary<(string Name, string Protocol), int> entries = [];

    /// <summary>The built-in table only.</summary>
    public static ServiceTable BuiltInOnly { get; } = new();

    /// <summary>Reads an /etc/services text (<c>name port/proto [aliases...] [# comment]</c>); bad lines are skipped.</summary>
    public static ServiceTable Parse(string etcServices)
    {
        var table = new ServiceTable();
        foreach (var raw in etcServices.Split('\n'))
        {
            var hash = raw.IndexOf('#');
            var line = hash >= 0 ? raw[..hash] : raw;
            var fields = line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2)
                continue;
            var slash = fields[1].IndexOf('/');
            if (slash <= 0 || !int.TryParse(fields[1].AsSpan(0, slash), out var port) || port is < 1 or > 65535)
                continue;
            var protocol = fields[1][(slash + 1)..].ToLowerInvariant();
            foreach (var name in fields.Take(1).Concat(fields.Skip(2)))
                table.entries.TryAdd((name, protocol), port);
        }
        return table;
    }

    /// <summary>The port of <paramref name="name"/> for <paramref name="protocol"/> ("udp"/"tcp"); a number is itself.</summary>
    public bool TryLookup(string name, string protocol, out int port, out string origin)
    {
        if (name.Length > 0 && name.All(char.IsAsciiDigit))
        {
            origin = "number";
            return int.TryParse(name, out port) && port is >= 1 and <= 65535;
        }
        if (entries.TryGetValue((name, protocol), out port))
        {
            origin = "/etc/services";
            return true;
        }
        origin = "built-in table";
        return BuiltIn.TryGetValue(name, out port);
    }
}
