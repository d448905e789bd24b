using System.Net;
using Gateway.Core.Actors;
using Gateway.Core.Config;
using Gateway.Core.Ppp.Ipv6cp;

namespace Gateway.Core.Transport;

/// <summary>What a tun data plane is built from (<c>gateway run --tun</c>, the label's routes and NAT).</summary>
public sealed record TunDataPlaneOptions
{
    /// <summary>
    /// The device to open when a bundle's IPCP is up: name, MTU, NAT, namespace. Its addresses are ignored: MYADDR and
    /// HISADDR come from IPCP, as ppp(8) sets its tun.
    /// </summary>
    public required TunOptions Tun { get; init; }

    /// <summary>
    /// Each bundle gets a device of its own, named <see cref="TunOptions.Name"/> followed by the lowest number free
    /// among this factory's devices (<c>ppp0</c>, <c>ppp1</c>, ...), as each <c>ppp -direct vpn-in</c> of FreeBSD
    /// takes the first free <c>tunN</c>. Without it there is one device, for one bundle at a time.
    /// </summary>
    public bool NumberDevices { get; init; }

    /// <summary>
    /// ppp.conf's <c>add</c> and <c>add!</c> lines of the bundle's label, resolved with MYADDR and HISADDR when the
    /// device opens (<see cref="RouteResolver"/>).
    /// </summary>
    public IReadOnlyList<RouteSpec> ConfiguredRoutes { get; init; } = [];
}

/// <summary>
/// The data plane of ppp(8): a tun device per bundle, opened with the bundle's MYADDR and HISADDR when IPCP is up,
/// with the label's routes and NAT, and closed when it goes down. What the bundle delivers is written to the device;
/// what the kernel routes into it goes into the bundle through its <see cref="BundleIngress"/> (the device's reading
/// thread, bounded, allocation-free).
/// </summary>
public sealed class TunDataPlaneFactory(TunDataPlaneOptions options) : IDataPlaneFactory
{
    private readonly HashSet<string> inUse = new(StringComparer.Ordinal);

    public TunDataPlaneOptions Options => options;

    private readonly List<TunDataPlane> open = [];

    /// <summary>The devices open now, one per bundle whose network is up.</summary>
    public IReadOnlyList<TunDevice> Devices
    {
        get
        {
            lock (inUse)
                return [.. open.Select(p => p.Device)];
        }
    }

    public IDataPlane Open(DataPlaneContext context)
    {
        var replace = new List<IPNetwork>(options.Tun.Routes);
        var ifAbsent = new List<IPNetwork>(options.Tun.RoutesIfAbsent);
        var notApplied = new List<string>();
        foreach (var route in options.ConfiguredRoutes)
        {
            if (RouteResolver.TryResolve(route, context.Local, context.Peer, out var network, out var error))
                (route.Replace ? replace : ifAbsent).Add(network);
            else
                notApplied.Add($"{route}: {error}");
        }
        string name = ClaimName();
        try
        {
            var device = TunDevice.Open(options.Tun with
            {
                Name = name,
                LocalAddress = context.Local,
                PeerAddress = context.Peer,
                Routes = replace,
                RoutesIfAbsent = ifAbsent,
            });
            TunDataPlane? plane = null;
            plane = new TunDataPlane(device, () => Release(name, plane!), notApplied);
            lock (inUse)
                open.Add(plane);
            device.StartReading(plane.Reader(context.Ingress));
            return plane;
        }
        catch
        {
            Release(name);
            throw;
        }
    }

    private string ClaimName()
    {
        lock (inUse)
        {
            if (!options.NumberDevices)
            {
                if (!inUse.Add(options.Tun.Name))
                    throw new TunDeviceException($"tun device {options.Tun.Name} already serves a bundle (use a numbered device: --tun NAME with a receiver)");
                return options.Tun.Name;
            }
            for (int n = 0; ; n++)
            {
                string name = options.Tun.Name + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (inUse.Add(name))
                    return name;
            }
        }
    }

    private void Release(string name, TunDataPlane? plane = null)
    {
        lock (inUse)
        {
            inUse.Remove(name);
            if (plane is not null)
                open.Remove(plane);
        }
    }
}

/// <summary>One bundle's tun device while its network is up.</summary>
public sealed class TunDataPlane : IDataPlane
{
    private readonly Action released;
    private int disposed;

    internal TunDataPlane(TunDevice device, Action released, IReadOnlyList<string> routesNotApplied)
    {
        Device = device;
        this.released = released;
        RoutesNotApplied = routesNotApplied;
    }

    public TunDevice Device { get; }

    /// <summary>The label's routes that could not be resolved with the bundle's addresses, with the reason.</summary>
    public IReadOnlyList<string> RoutesNotApplied { get; }

    /// <summary>A failure of the device's reader (the device vanished); null while it reads.</summary>
    public string? Failure => failure?.Message;

    private volatile TunDeviceException? failure;

    /// <summary>Packets read that the bundle was too far behind to take (dropped at the door, as a full interface queue).</summary>
    public long IngressDrops => ingressLane?.Dropped ?? 0;

    private PacketLane? ingressLane;

    public void Deliver(ReadOnlySpan<byte> packet, TimeSpan now) => Device.Write(packet);

    public void Ipv6Up(Ipv6cpNegotiated identifiers) => Device.SetIpv6LinkLocal(identifiers.LocalLinkLocal, identifiers.PeerLinkLocal);

    public void Ipv6Down() => Device.SetIpv6LinkLocal(null, null);

    internal IPacketHandler Reader(BundleIngress ingress)
    {
        ingressLane = ingress.Lane;
        return new IntoBundle(this, ingress);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
            return;
        Device.Dispose();
        released();
    }

    /// <summary>The device's reading thread hands each packet to the bundle through its ingress lane.</summary>
    private sealed class IntoBundle(TunDataPlane plane, BundleIngress ingress) : IPacketHandler
    {
        public void OnPacket(ReadOnlySpan<byte> packet) => ingress.TrySend(packet);

        public void OnFailure(TunDeviceException error) => plane.failure = error;
    }
}
