using System.Net;
using Akka.Actor;
using Gateway.Core.Ppp.Ipv6cp;
using Gateway.Core.Status;
using Gateway.Core.Transport;

namespace Gateway.Core.Actors;

/// <summary>
/// Where a bundle's IP packets go to and come from while its network is up: a tun device (ppp(8)'s tun), the
/// in-process traffic of the demo and of <c>--tun none</c>, a test's sink. The bundle opens it when its IPCP comes up
/// and disposes it when IPCP goes down or the bundle stops; every call comes from the bundle's thread.
/// </summary>
public interface IDataPlane : IDisposable
{
    /// <summary>An IP packet out of the bundle; the span is valid during the call only.</summary>
    void Deliver(ReadOnlySpan<byte> packet, TimeSpan now);

    /// <summary>How often the bundle calls <see cref="Tick"/> (a traffic source sends there); null: never.</summary>
    TimeSpan? TickPeriod => null;

    void Tick(TimeSpan now)
    {
    }

    /// <summary>The probe stream's figures, for a data plane that generates one.</summary>
    TrafficStatus? Traffic => null;

    /// <summary>Why the data plane stopped working underneath (its device vanished); null while it works.</summary>
    string? Failure => null;

    /// <summary>
    /// IPV6CP is up (it may come before or after IPCP; the bundle calls this once both the plane is open and IPV6CP is
    /// Opened): a tun device takes the link-local addresses formed from the identifiers, as ppp(8) does.
    /// </summary>
    void Ipv6Up(Ipv6cpNegotiated identifiers)
    {
    }

    /// <summary>IPV6CP went down while the plane stays open (IPCP is still up): IPv6 leaves the device.</summary>
    void Ipv6Down()
    {
    }
}

/// <summary>Opens a bundle's data plane when its IPCP comes up.</summary>
public interface IDataPlaneFactory
{
    /// <exception cref="TunDeviceException">The device could not be set up; the bundle runs without a data plane and says why.</exception>
    IDataPlane Open(DataPlaneContext context);
}

/// <summary>What a data plane is opened with.</summary>
/// <param name="Bundle">The bundle's name.</param>
/// <param name="Local">MYADDR, from IPCP.</param>
/// <param name="Peer">HISADDR, from IPCP.</param>
/// <param name="Input">Sends into the bundle from the bundle's own thread (a traffic source's <see cref="IDataPlane.Tick"/>).</param>
/// <param name="Ingress">Sends into the bundle from any other thread (a tun device's reader), bounded.</param>
/// <param name="Now">The bundle's clock.</param>
public sealed record DataPlaneContext(string Bundle, IPAddress Local, IPAddress Peer, IBundleInput Input, BundleIngress Ingress, TimeSpan Now);

/// <summary>Sends an IP packet into the bundle, on the bundle's thread.</summary>
public interface IBundleInput
{
    void Send(ReadOnlySpan<byte> packet);
}

/// <summary>
/// The way into a bundle from another thread: the packet is copied into a pooled buffer of a bounded
/// <see cref="PacketLane"/> (dropped and counted when the bundle is that far behind, as a full interface queue drops)
/// and told to the bundle, which sends it and releases the buffer. Nothing is allocated per packet.
/// </summary>
public sealed class BundleIngress(IActorRef bundle)
{
    /// <summary><see cref="Packet.Tag"/> of an IP packet to send into the bundle.</summary>
    public const int IpPacket = 1;

    public PacketLane Lane { get; } = new();

    /// <summary>False when the lane is full (the packet is dropped and counted).</summary>
    public bool TrySend(ReadOnlySpan<byte> packet)
    {
        if (Lane.TryRent(packet) is not { } rented)
            return false;
        rented.Tag = IpPacket;
        bundle.Tell(rented, ActorRefs.NoSender);
        return true;
    }
}
