using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Gateway.Core.Transport;

namespace Gateway.Core.Isp;

/// <summary>
/// UDP inside one ISP link's PPP session, for the sublinks it carries (the seed's <c>add! RIPn/32 HISADDR</c>: sublink
/// N's datagrams travel inside ISP link N; docs/DESIGN.md). A sublink binds a local port with its
/// <see cref="IDatagramHandler"/>: datagrams for that port are handed to it on the modem link's thread, with no
/// message and no copy in between; what it sends goes to the modem link through a bounded <see cref="PacketLane"/>
/// (dropped and counted when the link is that far behind, or when it waited there longer than
/// <see cref="MaxQueueDelay"/>). Thread-safe. Valid while its modem link runs; a link that
/// goes down closes the sublinks over it (ppp.linkdown), and the next link up hands out a new one.
/// </summary>
public sealed class IspUdpPorts
{
    /// <summary>Most sublinks one ISP link carries.</summary>
    public const int MaxBindings = 1024;

    /// <summary>
    /// The longest a datagram waits in <see cref="Outbound"/> for the line; one that waited longer is dropped when its
    /// turn comes (counted in <see cref="Stale"/>), as an AQM drops at the head. A Multilink fragment that late reaches
    /// the receiver after its reorder timeout (at most 1 s) gave it up, and every one behind it is later still; and a
    /// backlog of seconds on one line numbers its fragments so far behind the other members' that 12-bit sequence
    /// numbers (FreeBSD ppp's default) wrap, and the receiver takes them for new ones (docs/DESIGN.md, "line queue").
    /// Half a second keeps two 1500-octet packets queued on a 33.6 kbit/s modem and a few hundred on a fast line.
    /// </summary>
    public static readonly TimeSpan MaxQueueDelay = TimeSpan.FromMilliseconds(500);

    private static readonly long MaxQueueTicks = (long)(MaxQueueDelay.TotalSeconds * Stopwatch.Frequency);

    private readonly ConcurrentDictionary<ushort, Flow> bound = new();
    private readonly Action<Packet> post;
    private long unbound;
    private long stale;

    /// <param name="link">The ISP link's name.</param>
    /// <param name="post">Hands a packet to send to the modem link's thread (an actor's Tell); the link releases it.</param>
    public IspUdpPorts(string link, Action<Packet> post)
    {
        Link = link;
        this.post = post;
    }

    public string Link { get; }

    /// <summary>Datagrams to send, from every sublink over this link, on their way to the link's thread.</summary>
    public PacketLane Outbound { get; } = new();

    /// <summary>Datagrams dropped because they waited in <see cref="Outbound"/> longer than <see cref="MaxQueueDelay"/>.</summary>
    public long Stale => Interlocked.Read(ref stale);

    /// <summary>
    /// Whether a datagram taken from <see cref="Outbound"/> (on the link's thread) may still go on the line: false, and
    /// counted, when it waited longer than <see cref="MaxQueueDelay"/>. The caller releases it either way.
    /// </summary>
    public bool StillFresh(Packet packet)
    {
        if (Stopwatch.GetTimestamp() - packet.Queued <= MaxQueueTicks)
            return true;
        Interlocked.Increment(ref stale);
        return false;
    }

    /// <summary>Datagrams that arrived for a port nobody has bound, or from another address or port than its sublink's peer.</summary>
    public long Unbound => Interlocked.Read(ref unbound);

    /// <summary>
    /// Binds <paramref name="localPort"/> for a sublink talking to <paramref name="remote"/>: what arrives for the port
    /// goes to <paramref name="handler"/>; the returned sender sends from it. Null when the port is taken or
    /// <see cref="MaxBindings"/> are bound. Disposing the sender unbinds the port.
    /// </summary>
    public IBoundDatagramSender? Bind(ushort localPort, IPEndPoint remote, IDatagramHandler handler)
    {
        if (bound.Count >= MaxBindings || remote.AddressFamily != AddressFamily.InterNetwork)
            return null;
        var flow = new Flow(this, localPort, remote, handler);
        return bound.TryAdd(localPort, flow) ? flow : null;
    }

    /// <summary>
    /// A datagram for <paramref name="localPort"/> arrived on the link (its thread); false (counted) when no sublink has
    /// the port or it came from another address and port than the sublink's peer (as a connected UDP socket filters).
    /// </summary>
    public bool Deliver(uint sourceAddress, ushort sourcePort, ushort localPort, ReadOnlySpan<byte> payload)
    {
        if (!bound.TryGetValue(localPort, out var flow) || flow.RemoteIp != sourceAddress || flow.RemotePort != sourcePort)
        {
            Interlocked.Increment(ref unbound);
            return false;
        }
        flow.Handler.OnDatagram(payload, flow.RemoteAddress);
        return true;
    }

    /// <summary>A sublink's way out over the link: <see cref="IDatagramSender.Send"/> from any thread, <see cref="IDisposable.Dispose"/> to unbind.</summary>
    public interface IBoundDatagramSender : IDatagramSender, IDisposable;

    private sealed class Flow(IspUdpPorts owner, ushort localPort, IPEndPoint remote, IDatagramHandler handler) : IBoundDatagramSender
    {
        public uint RemoteIp { get; } = IspIpStack.ToUInt32(remote.Address);

        public ushort RemotePort { get; } = (ushort)remote.Port;

        public IDatagramHandler Handler => handler;

        public SocketAddress RemoteAddress { get; } = remote.Serialize();

        public bool Send(ReadOnlySpan<byte> datagram)
        {
            if (owner.Outbound.TryRent(datagram) is not { } packet)
                return false;
            packet.Tag = localPort;
            packet.Address = RemoteIp;
            packet.Port = RemotePort;
            packet.Queued = Stopwatch.GetTimestamp();
            owner.post(packet);
            return true;
        }

        public void Dispose() => owner.bound.TryRemove(new KeyValuePair<ushort, Flow>(localPort, this));
    }
}
