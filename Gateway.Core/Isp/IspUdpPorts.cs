using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Gateway.Core.Transport;

namespace Gateway.Core.Isp;

/// <summary>
/// UDP inside one ISP link's PPP session, for the sublinks it carries (the seed's <c>add! RIPn/32 HISADDR</c>: sublink
/// N's datagrams travel inside ISP link N; docs/DESIGN.md). A sublink binds a local port with its
/// <see cref="IDatagramHandler"/>: datagrams for that port are handed to it on the modem link's thread, with no
/// message and no copy in between; what it sends goes to the modem link through a bounded <see cref="PacketLane"/>
/// (dropped and counted when the link is that far behind). Thread-safe. Valid while its modem link runs; a link that
/// goes down closes the sublinks over it (ppp.linkdown), and the next link up hands out a new one.
/// </summary>
public sealed class IspUdpPorts
{
    /// <summary>Most sublinks one ISP link carries.</summary>
    public const int MaxBindings = 1024;

    private readonly ConcurrentDictionary<ushort, Flow> bound = new();
    private readonly Action<Packet> post;
    private long unbound;

    /// <param name="link">The ISP link's name.</param>
    /// <param name="post">Hands a packet to send to the modem link's thread (an actor's Tell); the link releases it.</param>
    public IspUdpPorts(string link, Action<Packet> post)
    {
        Link = link;
        this.post = post;
    }

    public string Link { get; }

    /// <summary>
    /// Most datagrams waiting for the line. Half the lane's usual depth: with two links each this full, the fragments
    /// queued span at most 1024 Multilink sequence numbers, the receiver's window for 12-bit numbers, which a line that
    /// falls behind must not outrun (docs/DESIGN.md, "numbering under overload").
    /// </summary>
    public const int OutboundLimit = 512;

    /// <summary>Datagrams to send, from every sublink over this link, on their way to the link's thread.</summary>
    public PacketLane Outbound { get; } = new(OutboundLimit);

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

        public bool HasRoom => owner.Outbound.InFlight < owner.Outbound.Limit;

        public bool Send(ReadOnlySpan<byte> datagram)
        {
            if (owner.Outbound.TryRent(datagram) is not { } packet)
                return false;
            packet.Tag = localPort;
            packet.Address = RemoteIp;
            packet.Port = RemotePort;
            owner.post(packet);
            return true;
        }

        public void Dispose() => owner.bound.TryRemove(new KeyValuePair<ushort, Flow>(localPort, this));
    }
}
