using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace Gateway.Core.Transport;

/// <summary>How the bundle's tun device is created and configured.</summary>
public sealed record TunOptions
{
    /// <summary>Interface name, 1 to 15 characters (IFNAMSIZ - 1), e.g. <c>gw0</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Interface MTU (<c>set mtu</c>; the bundle's MRRU bounds it).</summary>
    public int Mtu { get; init; } = 1500;

    /// <summary>Our address (MYADDR); null leaves the interface unaddressed.</summary>
    public IPAddress? LocalAddress { get; init; }

    /// <summary>The peer's address (HISADDR): a point-to-point address, as ppp(8) configures its tun.</summary>
    public IPAddress? PeerAddress { get; init; }

    /// <summary>Prefix length of <see cref="LocalAddress"/> when there is no <see cref="PeerAddress"/>.</summary>
    public int PrefixLength { get; init; } = 32;

    /// <summary>
    /// Routes through the interface (ppp.conf <c>add!</c>): applied with <c>ip route replace</c>, so an existing
    /// route to the same prefix (even the default route) is replaced, as <c>add!</c> does; removed on close,
    /// and the replaced route is not restored (neither does ppp).
    /// </summary>
    public IReadOnlyList<IPNetwork> Routes { get; init; } = [];

    /// <summary>
    /// Routes through the interface that do not replace one already there (ppp.conf <c>add</c> without <c>!</c>):
    /// applied with <c>ip route add</c>; where the kernel already has a route to the prefix it is kept, the route
    /// is listed in <see cref="TunDevice.RoutesKept"/>, and the device still opens (ppp only warns, too).
    /// </summary>
    public IReadOnlyList<IPNetwork> RoutesIfAbsent { get; init; } = [];

    /// <summary>
    /// <c>nat enable yes</c>: masquerade what leaves through the interface behind its address, with an
    /// nftables table of our own (<see cref="TunDevice.NatTableName"/>), deleted on close. Forwarding
    /// (net.ipv4.ip_forward) is the host's business and is not changed.
    /// </summary>
    public bool Nat { get; init; }

    /// <summary>
    /// A network namespace (as listed by <c>ip netns</c>) to move the interface into before configuring it;
    /// null for the process's own namespace. The descriptor keeps working from here.
    /// </summary>
    public string? NetworkNamespace { get; init; }
}

/// <summary>A tun device failed or could not be set up.</summary>
public sealed class TunDeviceException : IOException
{
    public TunDeviceException(string message) : base(message)
    {
    }

    public TunDeviceException(string message, int errno) : base($"{message}: {LibC.Describe(errno)}") => Errno = errno;

    /// <summary>The errno behind the failure, when a system call failed.</summary>
    public int? Errno { get; }
}

/// <summary>Counters of a tun device.</summary>
/// <param name="PacketsIn">Packets read from the kernel.</param>
/// <param name="BytesIn">Bytes read.</param>
/// <param name="PacketsOut">Packets written to the kernel.</param>
/// <param name="BytesOut">Bytes written.</param>
/// <param name="WriteRejected">Packets the kernel refused as malformed (not IPv4/IPv6, too short, too long): counted, dropped.</param>
/// <param name="WriteDropped">Packets dropped because the kernel had no memory or queue room.</param>
public readonly record struct TunCounters(long PacketsIn, long BytesIn, long PacketsOut, long BytesOut, long WriteRejected, long WriteDropped);

/// <summary>The target of <see cref="TunDevice.StartReading"/>; called from the reading thread.</summary>
public interface IPacketHandler
{
    /// <summary>One IP packet; the span is valid only during the call.</summary>
    void OnPacket(ReadOnlySpan<byte> packet);

    /// <summary>The device failed; the reading thread has ended.</summary>
    void OnFailure(TunDeviceException error);
}

/// <summary>
/// A Linux tun device (IFF_TUN | IFF_NO_PI: whole IP packets, no packet-information header), configured with
/// iproute2 and nftables. Reads and writes go to caller spans without allocation; a blocked read is woken by
/// <see cref="Dispose"/>. The device disappears when it is disposed (it is never made persistent).
/// </summary>
public sealed unsafe class TunDevice : IDisposable
{
    private const string ClonePath = "/dev/net/tun";
    private const int InterfaceNameMax = 15;      // IFNAMSIZ - 1, <net/if.h>
    private const int IfReqSize = 40;             // sizeof(struct ifreq) on 64-bit Linux
    private const int IfReqFlagsOffset = 16;      // ifr_flags follows ifr_name[IFNAMSIZ]
    private const nuint TunSetIff = 0x400454CA;   // TUNSETIFF = _IOW('T', 202, int), <linux/if_tun.h>
    private const short IffTun = 0x0001;          // IFF_TUN
    private const short IffNoPi = 0x1000;         // IFF_NO_PI
    private const int CapNetAdmin = 12;           // CAP_NET_ADMIN, <linux/capability.h>
    private const int MinimumMtu = 68;            // RFC 791: every IPv4 module forwards 68 octets

    private readonly WakeableDescriptor _tun;
    private readonly List<IPNetwork> _routesAdded = [];
    private long _packetsIn, _bytesIn, _packetsOut, _bytesOut, _writeRejected, _writeDropped;
    private Thread? _reader;
    private volatile bool _disposed;

    private TunDevice(TunOptions options, string name, WakeableDescriptor tun)
    {
        Options = options;
        Name = name;
        _tun = tun;
    }

    /// <summary>The options the device was opened with.</summary>
    public TunOptions Options { get; }

    /// <summary>The interface name the kernel gave.</summary>
    public string Name { get; }

    /// <summary>The nftables table holding our masquerade rule, when <see cref="TunOptions.Nat"/> is on.</summary>
    public string? NatTableName { get; private set; }

    /// <summary>Routes of <see cref="TunOptions.RoutesIfAbsent"/> not added because the kernel had one already.</summary>
    public IReadOnlyList<IPNetwork> RoutesKept => _routesKept;

    private readonly List<IPNetwork> _routesKept = [];

    /// <summary>True while the thread started by <see cref="StartReading"/> runs.</summary>
    public bool IsReading => _reader?.IsAlive == true;

    /// <summary>A snapshot of the counters.</summary>
    public TunCounters Counters => new(
        Volatile.Read(ref _packetsIn), Volatile.Read(ref _bytesIn), Volatile.Read(ref _packetsOut),
        Volatile.Read(ref _bytesOut), Volatile.Read(ref _writeRejected), Volatile.Read(ref _writeDropped));

    /// <summary>Why this process cannot create a tun device, in words; null when it can.</summary>
    public static string? WhyUnavailable()
    {
        if (!OperatingSystem.IsLinux())
            return "tun devices are supported on Linux only";
        if (!File.Exists(ClonePath))
            return $"{ClonePath} does not exist (load the tun module; in a container pass --device {ClonePath})";
        if (!HasCapability(CapNetAdmin))
            return "the process lacks CAP_NET_ADMIN (run as root, or grant it: setcap cap_net_admin+ep, or a container's --cap-add NET_ADMIN)";
        int fd = LibC.Open(ClonePath, LibC.ORdWr | LibC.OCloExec);
        if (fd < 0)
            return $"cannot open {ClonePath}: {LibC.Describe(Marshal.GetLastPInvokeError())}";
        LibC.Close(fd);
        if (!SystemCommand.IsOnPath("ip"))
            return "iproute2's `ip` command is not installed";
        return null;
    }

    /// <summary>Creates the device, moves it into the namespace if asked, and applies MTU, addresses, routes and NAT.</summary>
    /// <exception cref="TunDeviceException">The device cannot be created or configured (the message says why).</exception>
    public static TunDevice Open(TunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateName(options.Name);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Mtu, MinimumMtu);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Mtu, ushort.MaxValue);
        if (WhyUnavailable() is { } why)
            throw new TunDeviceException(why);

        int fd = LibC.Open(ClonePath, LibC.ORdWr | LibC.ONonBlock | LibC.OCloExec);
        if (fd < 0)
            throw new TunDeviceException($"open {ClonePath}", Marshal.GetLastPInvokeError());
        string name;
        try
        {
            name = SetInterface(fd, options.Name);
        }
        catch
        {
            LibC.Close(fd);
            throw;
        }
        var tun = new WakeableDescriptor(fd, name, (what, errno) => new TunDeviceException(what, errno));

        var device = new TunDevice(options, name, tun);
        try
        {
            device.Configure();
        }
        catch
        {
            device.Dispose();
            throw;
        }
        return device;
    }

    /// <summary>Reads one IP packet into <paramref name="packet"/> (give it at least the MTU), blocking until one comes.</summary>
    /// <exception cref="ObjectDisposedException">The device was disposed, before or during the wait.</exception>
    /// <exception cref="TunDeviceException">The read failed.</exception>
    public int Read(Span<byte> packet) => ReadCore(packet, -1);

    /// <summary>Reads one IP packet, waiting at most <paramref name="timeout"/>; false when none came.</summary>
    public bool TryRead(Span<byte> packet, TimeSpan timeout, out int length)
    {
        length = ReadCore(packet, (int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue));
        if (length >= 0)
            return true;
        length = 0;
        return false;
    }

    /// <summary>
    /// Writes one IP packet to the kernel. A packet the kernel refuses as malformed, or cannot queue, is
    /// counted and false is returned (bad bytes from a peer never throw).
    /// </summary>
    /// <exception cref="TunDeviceException">The device itself failed (e.g. EIO when the interface was set down).</exception>
    public bool Write(ReadOnlySpan<byte> packet)
    {
        if (_disposed)
            return false;
        if (packet.IsEmpty)
        {
            Interlocked.Increment(ref _writeRejected);
            return false;
        }
        nint written;
        int errno;
        try
        {
            written = _tun.TryWrite(packet, out errno);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        if (written >= 0)
        {
            Interlocked.Increment(ref _packetsOut);
            Interlocked.Add(ref _bytesOut, written);
            return true;
        }
        switch (errno)
        {
            case LibC.EInval or LibC.EFault or LibC.EMsgSize:
                Interlocked.Increment(ref _writeRejected);
                return false;
            case LibC.EAgain or LibC.ENoBufs or LibC.ENoMem:
                Interlocked.Increment(ref _writeDropped);
                return false;
            default:
                throw new TunDeviceException($"write to {Name}", errno);
        }
    }

    /// <summary>
    /// Starts a thread that reads packets and hands them to <paramref name="handler"/> (captured now). It ends
    /// quietly on <see cref="Dispose"/>, or after <see cref="IPacketHandler.OnFailure"/> when the device fails.
    /// </summary>
    public void StartReading(IPacketHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var reader = new Thread(() => ReadLoop(handler)) { IsBackground = true, Name = $"tun {Name}" };
        if (Interlocked.CompareExchange(ref _reader, reader, null) is not null)
            throw new InvalidOperationException("already reading");
        reader.Start();
    }

    private void ReadLoop(IPacketHandler handler)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(ushort.MaxValue, pinned: true);
        while (true)
        {
            int length;
            try
            {
                length = Read(buffer);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (TunDeviceException e)
            {
                if (!_disposed)
                    handler.OnFailure(e);
                return;
            }
            if (length > 0)
                handler.OnPacket(buffer.AsSpan(0, length));
        }
    }

    private int ReadCore(Span<byte> packet, int timeoutMilliseconds)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int read = _tun.Read(packet, timeoutMilliseconds);
        if (read >= 0)
        {
            Interlocked.Increment(ref _packetsIn);
            Interlocked.Add(ref _bytesIn, read);
        }
        return read;
    }

    private static void ValidateName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length is 0 or > InterfaceNameMax || name is "." or ".." ||
            name.Any(c => c is '/' or ':' or '%' || char.IsWhiteSpace(c) || c > 0x7E || c < 0x21))
            throw new ArgumentException($"'{name}' is not a valid interface name (1 to {InterfaceNameMax} printable ASCII characters, no '/', ':' or '%')", nameof(name));
    }

    private static string SetInterface(int fd, string requestedName)
    {
        var request = stackalloc byte[IfReqSize];
        var span = new Span<byte>(request, IfReqSize);
        span.Clear();
        Encoding.ASCII.GetBytes(requestedName, span[..InterfaceNameMax]);
        BinaryPrimitives.WriteInt16LittleEndian(span[IfReqFlagsOffset..], (short)(IffTun | IffNoPi));
        if (LibC.Ioctl(fd, TunSetIff, request) < 0)
            throw new TunDeviceException($"TUNSETIFF {requestedName}", Marshal.GetLastPInvokeError());
        var name = span[..(InterfaceNameMax + 1)];
        int end = name.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? name : name[..end]);
    }

    private static bool HasCapability(int capability)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("CapEff:", StringComparison.Ordinal))
                    return (Convert.ToUInt64(line["CapEff:".Length..].Trim(), 16) & (1UL << capability)) != 0;
        }
        catch (IOException)
        {
        }
        return Environment.UserName == "root";
    }

    private void Configure()
    {
        var o = Options;
        if (o.NetworkNamespace is { } ns)
            SystemCommand.RunChecked("ip", ["link", "set", "dev", Name, "netns", ns]);
        Ip("link", "set", "dev", Name, "mtu", o.Mtu.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (o.LocalAddress is { } local)
        {
            if (o.PeerAddress is { } peer)
                Ip("address", "add", local.ToString(), "peer", peer.ToString(), "dev", Name);
            else
                Ip("address", "add", $"{local}/{o.PrefixLength}", "dev", Name);
        }
        Ip("link", "set", "dev", Name, "up");
        foreach (var route in o.Routes)
        {
            Ip("route", "replace", route.ToString(), "dev", Name);
            _routesAdded.Add(route);
        }
        foreach (var route in o.RoutesIfAbsent)
        {
            var added = SystemCommand.Run("ip", IpArguments("route", "add", route.ToString(), "dev", Name));
            if (added.Succeeded)
                _routesAdded.Add(route);
            else if (added.StandardError.Contains("File exists", StringComparison.Ordinal))
                _routesKept.Add(route);
            else
                throw new TunDeviceException($"`ip route add {route} dev {Name}` failed ({added.ExitCode}): {added.StandardError.Trim()}");
        }
        if (o.Nat)
        {
            string table = NatTableFor(Name);
            // Declaring then deleting first replaces a table left by a process that died: nft -f applies it atomically.
            Nft(["-f", "-"], $$"""
                table ip {{table}} {}
                delete table ip {{table}}
                table ip {{table}} {
                    chain postrouting {
                        type nat hook postrouting priority 100; policy accept;
                        oifname "{{Name}}" masquerade
                    }
                }

                """);
            NatTableName = table;
        }
    }

    /// <summary>
    /// The device's IPv6 link-local address as IPV6CP negotiated it (RFC 5072 5): <paramref name="local"/> with the
    /// peer's address as the other end of the point-to-point link (a /128 route to it), or, with no peer identifier,
    /// <paramref name="local"/>/64. The link-local address the kernel gave the device itself when it came up (a random
    /// identifier) is removed first, so the device speaks with the identifier the peer agreed to. Null removes IPv6's
    /// link-local addresses (IPV6CP went down).
    /// </summary>
    public void SetIpv6LinkLocal(IPAddress? local, IPAddress? peer)
    {
        Ip("-6", "address", "flush", "dev", Name, "scope", "link");
        if (local is null)
            return;
        if (peer is not null)
            Ip("-6", "address", "add", local.ToString(), "peer", peer.ToString(), "dev", Name, "nodad");
        else
            Ip("-6", "address", "add", $"{local}/64", "dev", Name, "nodad");
    }

    /// <summary>The name of the nftables table <see cref="TunOptions.Nat"/> creates for an interface.</summary>
    public static string NatTableFor(string interfaceName) =>
        "gateway_nat_" + string.Concat(interfaceName.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_'));

    private void Ip(params string[] arguments) => SystemCommand.RunChecked("ip", IpArguments(arguments));

    private string[] IpArguments(params string[] arguments) =>
        Options.NetworkNamespace is { } ns ? ["-n", ns, .. arguments] : arguments;

    private void Nft(string[] arguments, string? standardInput = null)
    {
        if (Options.NetworkNamespace is { } ns)
            SystemCommand.RunChecked("ip", ["netns", "exec", ns, "nft", .. arguments], standardInput);
        else
            SystemCommand.RunChecked("nft", arguments, standardInput);
    }

    /// <summary>Wakes and ends readers, deletes our NAT table and routes, and closes the device (which removes it).</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _tun.Wake();
        if (_reader is { } reader && Thread.CurrentThread != reader)
            reader.Join(TimeSpan.FromSeconds(10));

        // Best effort: closing the device removes its routes anyway, but the NAT table is ours to delete.
        if (NatTableName is { } table)
            IgnoreFailure(() => Nft(["delete", "table", "ip", table]));
        foreach (var route in _routesAdded)
            IgnoreFailure(() => Ip("route", "del", route.ToString(), "dev", Name));
        _tun.Dispose();
    }

    private static void IgnoreFailure(Action cleanup)
    {
        try
        {
            cleanup();
        }
        catch (TunDeviceException)
        {
            // already gone
        }
    }
}
