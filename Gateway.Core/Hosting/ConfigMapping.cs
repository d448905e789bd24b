using System.Net;
using System.Net.Sockets;
using Gateway.Core.Actors;
using Gateway.Core.Config;
using Gateway.Core.Ppp.Auth;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Ppp.Session;
using Gateway.Core.Transport;
using AuthSecret = Gateway.Core.Ppp.Auth.Secret;

namespace Gateway.Core.Hosting;

/// <summary>
/// From the configuration model (what ppp.conf means) to the options the actors are built from, for
/// <c>gateway run</c>. Placeholders the seed leaves for the user (<c>RIP1</c>, <c>REAL-LOCAL-IP</c>) must have been
/// replaced by then: each one still there is an error naming the label and the value.
/// </summary>
public static class ConfigMapping
{
    /// <summary>Most addresses taken from one <c>set ifaddr</c> range for the receiver's pool.</summary>
    public const int MaxPoolAddresses = 4096;

    /// <summary>The receiver role (<c>vpn-in</c>) listening on <paramref name="listen"/>.</summary>
    public static ReceiverOptions? ToReceiver(ReceiverModel model, IPEndPoint listen, List<string> errors)
    {
        var local = model.IfAddr is { } ifaddr ? ParseAddress(ifaddr.Local, $"{model.Label}: set ifaddr", errors) : null;
        var pool = model.IfAddr?.Remote is { } remote ? ParsePool(remote, $"{model.Label}: set ifaddr", errors) : [];
        if (model.IfAddr is null)
            errors.Add($"{model.Label}: no 'set ifaddr': the receiver has no address to give the gateway");
        else if (pool.Count == 0 && model.IfAddr.Remote is null)
            errors.Add($"{model.Label}: 'set ifaddr' names no peer address for the gateway");
        var discriminator = ToDiscriminator(model.EndDisc, model.Label, errors);
        if (local is null || pool.Count == 0)
            return null;
        return new ReceiverOptions
        {
            Listen = listen,
            MemberSession = new SessionSettings
            {
                Framing = FramingMode.Sync,
                Lcp = LcpSettings.Default with
                {
                    Accm = null,
                    Mru = (ushort)Math.Clamp(model.Mru, LcpSettings.MinimumMru, ushort.MaxValue),
                    Mrru = (ushort)Math.Clamp(model.Mrru, LcpSettings.MinimumMru, ushort.MaxValue),
                    EndpointDiscriminator = discriminator,
                    EnableChap = model.RequireChap,
                    EnablePap = model.RequirePap,
                },
                Ipcp = null,
                Compression = CompressionControl.ProtocolReject,
                AuthName = model.Label,
                Secrets = new ReceiverSecretStore(model.Secrets),
            },
            Bundle = new BundleSettings
            {
                Name = model.Label,
                Ipcp = IpcpSettings.Default with { LocalAddress = local },
            },
            PeerAddresses = pool,
        };
    }

    /// <summary>The gateway role in NIC mode (<c>vpn-nic</c>): one UDP socket per sublink to its <c>RIPn:port</c>.</summary>
    public static BundleOptions? ToNicBundle(BundleModel model, List<string> errors)
    {
        var specs = new List<SublinkSpec>();
        foreach (var sublink in model.Sublinks)
        {
            if (sublink.Transport != DeviceKind.Udp || sublink.Remote is null)
            {
                errors.Add($"{model.Label}: link {sublink.Name}: only host:port/udp devices are supported for sublinks (got {sublink.Transport})");
                continue;
            }
            var address = ParseAddress(sublink.Remote.Host, $"{model.Label}: link {sublink.Name}: set device", errors);
            if (address is null)
                continue;
            if (sublink.Remote.Port is not { } port)
            {
                errors.Add($"{model.Label}: link {sublink.Name}: unknown service '{sublink.Remote.Service}' (add it to /etc/services)");
                continue;
            }
            var remote = new IPEndPoint(address, port);
            specs.Add(new SublinkSpec(sublink.Name, SublinkTransports.Udp(new UdpPathOptions { Remote = remote }), "nic", remote));
        }
        if (specs.Count == 0)
        {
            errors.Add($"{model.Label}: no usable sublinks");
            return null;
        }
        return new BundleOptions
        {
            Settings = new BundleSettings
            {
                Name = model.Label,
                Ipcp = IpcpSettings.Default with { LocalAddress = IPAddress.Any },
            },
            MemberSession = MemberSession(model, errors),
            Sublinks = specs,
        };
    }

    /// <summary>The session of each sublink of a gateway bundle: sync framing, Multilink, credentials.</summary>
    public static SessionSettings MemberSession(BundleModel model, List<string> errors) => new()
    {
        Framing = FramingMode.Sync,
        Lcp = LcpSettings.Default with
        {
            Accm = null,
            Mru = (ushort)Math.Clamp(model.Mru, LcpSettings.MinimumMru, ushort.MaxValue),
            Mrru = (ushort)Math.Clamp(model.Mrru, LcpSettings.MinimumMru, ushort.MaxValue),
            EndpointDiscriminator = ToDiscriminator(model.EndDisc, model.Label, errors),
            EnableShortSequence = model.ShortSeq,
        },
        Ipcp = null,
        Compression = CompressionControl.ProtocolReject,
        AuthName = model.AuthName,
        AuthKey = AuthSecret.FromText(model.AuthKey.Reveal()),
    };

    /// <summary>FreeBSD's <c>set enddisc</c> as the LCP option value (RFC 1990 5.1.3).</summary>
    public static EndpointDiscriminator? ToDiscriminator(EndDiscSpec spec, string label, List<string> errors)
    {
        if (spec.Kind == EndDiscKind.Null)
            return null;
        string value = spec.Value ?? "";
        EndpointDiscriminator discriminator;
        string? error;
        bool ok = spec.Kind switch
        {
            EndDiscKind.Label => EndpointDiscriminator.TryCreateLabel(value.Length > 0 ? value : label, out discriminator, out error),
            EndDiscKind.IP => IPAddress.TryParse(value, out var ip)
                ? EndpointDiscriminator.TryCreateIp(ip, out discriminator, out error)
                : Fail($"'{value}' is not an IPv4 address", out discriminator, out error),
            EndDiscKind.Psn => EndpointDiscriminator.TryCreatePhoneNumber(value, out discriminator, out error),
            EndDiscKind.Mac => TryMac(value, out discriminator, out error),
            _ => EndpointDiscriminator.TryCreateMagic(BitConverter.GetBytes(Random.Shared.Next()), out discriminator, out error),
        };
        if (!ok)
        {
            errors.Add($"{label}: set enddisc: {error}");
            return null;
        }
        return discriminator;
    }

    private static bool TryMac(string value, out EndpointDiscriminator discriminator, out string? error)
    {
        var parts = value.Split(':', '-');
        var bytes = new byte[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!byte.TryParse(parts[i], System.Globalization.NumberStyles.HexNumber, null, out bytes[i]))
                return Fail($"'{value}' is not a MAC address", out discriminator, out error);
        }
        return EndpointDiscriminator.TryCreateMac(bytes, out discriminator, out error);
    }

    private static bool Fail(string message, out EndpointDiscriminator discriminator, out string? error)
    {
        discriminator = EndpointDiscriminator.None;
        error = message;
        return false;
    }

    private static IPAddress? ParseAddress(string text, string where, List<string> errors)
    {
        var bare = text.Split('/')[0];
        if (IPAddress.TryParse(bare, out var address) && address.AddressFamily == AddressFamily.InterNetwork)
            return address;
        errors.Add($"{where}: '{text}' is not an IPv4 address (replace the seed's placeholder with a real address)");
        return null;
    }

    /// <summary><c>a.b.c.d</c>, <c>a.b.c.d-e.f.g.h</c>, comma lists of either, <c>a.b.c.d/nn</c> (that one address).</summary>
    private static List<IPAddress> ParsePool(string text, string where, List<string> errors)
    {
        var pool = new List<IPAddress>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var ends = part.Split('-');
            var first = ParseAddress(ends[0], where, errors);
            if (first is null)
                continue;
            var last = ends.Length > 1 ? ParseAddress(ends[1], where, errors) : first;
            if (last is null)
                continue;
            uint from = ToUint(first), to = ToUint(last);
            for (uint a = from; a <= to && pool.Count < MaxPoolAddresses; a++)
                pool.Add(new IPAddress(BitConverter.IsLittleEndian ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(a) : a));
        }
        return pool;
    }

    private static uint ToUint(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    /// <summary>ppp.secret as the authenticator's secret store (exact name, then the <c>DOMAIN\user</c> fallback).</summary>
    private sealed class ReceiverSecretStore(IReadOnlyList<ReceiverSecret> secrets) : ISecretStore
    {
        public bool TryGetSecret(string name, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out AuthSecret secret)
        {
            foreach (var entry in secrets)
            {
                if (string.Equals(entry.Name, name, StringComparison.Ordinal))
                {
                    secret = AuthSecret.FromText(entry.Key.Reveal());
                    return true;
                }
            }
            secret = null;
            return false;
        }
    }
}
