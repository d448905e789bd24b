using System.Net;
using Akka.Actor;
using Gateway.Core.Isp;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Session;
using Gateway.Core.Transport;
using static Gateway.Core.Actors.Messages.IspMessages;

namespace Gateway.Core.Actors;

/// <summary>
/// IP over one ISP link while its IPCP is up (RFC 1332): the sublinks' UDP out from MYADDR and in to their ports
/// (<see cref="IspUdpPorts"/>), and ICMP echo (<c>gateway ping</c>). Called on the modem link's thread only.
/// </summary>
internal sealed class ModemLinkIp(string link, IspUdpPorts udp) : IIpDelivery
{
    private readonly Dictionary<ushort, IActorRef> pings = [];
    private IspIpStack? ip;
    private SessionDriver? driver;

    /// <summary>IPCP is up with <paramref name="local"/> as MYADDR; packets go out through <paramref name="session"/>.</summary>
    public void Start(IPAddress local, SessionDriver session)
    {
        ip = new IspIpStack(IspIpStack.ToUInt32(local));
        driver = session;
    }

    public void Stop()
    {
        ip = null;
        driver = null;
        pings.Clear();
    }

    /// <summary>An IP packet off the link.</summary>
    public void Receive(ReadOnlySpan<byte> information) => ip?.Receive(information, this);

    /// <summary>A sublink's datagram (<see cref="IspUdpPorts.Outbound"/>): from MYADDR and its port, inside the session.</summary>
    public void SendUdp(Packet packet)
    {
        if (ip is null || driver is null)
            return;
        var datagram = ip.BuildUdp((ushort)packet.Tag, packet.Address, packet.Port, packet.Span);
        if (!datagram.IsEmpty)
            driver.Session.SendPacket(PppProtocol.Ip, datagram);
    }

    public void Ping(Ping ping, IActorRef asker)
    {
        if (ip is null || driver is null)
            return;
        pings[ping.Sequence] = asker;
        var packet = ip.BuildEchoRequest(IspIpStack.ToUInt32(ping.Destination), (ushort)Environment.ProcessId, ping.Sequence, ping.Data);
        if (!packet.IsEmpty)
            driver.Session.SendPacket(PppProtocol.Ip, packet);
    }

    void IIpDelivery.SendIp(ReadOnlySpan<byte> packet) => driver?.Session.SendPacket(PppProtocol.Ip, packet);

    void IIpDelivery.OnUdp(uint source, ushort sourcePort, uint destination, ushort destinationPort, ReadOnlySpan<byte> payload) =>
        udp.Deliver(source, sourcePort, destinationPort, payload);

    void IIpDelivery.OnEchoReply(uint source, ushort identifier, ushort sequence, ReadOnlySpan<byte> data)
    {
        if (pings.Remove(sequence, out var asker))
            asker.Tell(new PingReply(link, IspIpStack.ToAddress(source), sequence, data.ToArray()));
    }
}
