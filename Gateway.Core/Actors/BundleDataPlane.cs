using Gateway.Core.Ppp.Ipv6cp;
using Gateway.Core.Status;
using Gateway.Core.Transport;

namespace Gateway.Core.Actors;

/// <summary>
/// A bundle's data plane over its life: opened when IPCP comes up (and again on a later tick when opening failed or
/// the device vanished), kept while the bundle is down for a while (<see cref="Suspend"/>), closed after that, with
/// what the dashboard shows about it. Called on the bundle's
/// thread only.
/// </summary>
internal sealed class BundleDataPlane(IDataPlaneFactory? factory, Action<LogSeverity, string> log)
{
    private IDataPlane? plane;
    private (System.Net.IPAddress Local, System.Net.IPAddress Peer)? openedFor;
    private long closedDrops;
    private Ipv6cpNegotiated? ipv6;

    /// <summary>Why there is no data plane (opening failed, the device vanished); null while it works.</summary>
    public string? Error { get; private set; }

    /// <summary>Packets out of the bundle with nowhere to go, and packets its device read that the bundle could not take.</summary>
    public long Drops => closedDrops + (plane is TunDataPlane tun ? tun.IngressDrops : 0);

    public TrafficStatus? Traffic => plane?.Traffic;

    /// <summary>The bundle's network is down and the data plane is kept open meanwhile (<see cref="Suspend"/>).</summary>
    public bool Suspended { get; private set; }

    /// <summary>
    /// Opens the data plane if the bundle has a factory and none is open; returns how often to tick it. One kept
    /// through an outage (<see cref="Suspend"/>) goes on as it is when the addresses are the same, and is opened anew
    /// when IPCP gave others.
    /// </summary>
    public TimeSpan? Open(DataPlaneContext context)
    {
        if (factory is null)
            return null;
        if (plane is not null)
        {
            if (openedFor is var (local, peer) && local.Equals(context.Local) && peer.Equals(context.Peer))
            {
                if (Suspended)
                    log(LogSeverity.Information, $"data plane kept through the outage: {context.Local} -> {context.Peer}");
                Suspended = false;
                return null;
            }
            log(LogSeverity.Information, $"the bundle came back with other addresses ({context.Local} -> {context.Peer}): its data plane is opened anew");
            Close();
        }
        try
        {
            plane = factory.Open(context);
            openedFor = (context.Local, context.Peer);
            Error = null;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            // The data path stays up (fragments, IPCP, keepalives) and says why nothing reaches the LAN; the next tick tries again.
            if (Error != e.Message)
                log(LogSeverity.Error, $"data plane not opened: {e.Message}");
            Error = e.Message;
            return null;
        }
        if (plane is TunDataPlane tun)
        {
            log(LogSeverity.Information, $"tun device {tun.Device.Name} up: {context.Local} -> {context.Peer}");
            foreach (var route in tun.RoutesNotApplied)
                log(LogSeverity.Warning, $"route not applied: {route}");
            foreach (var kept in tun.Device.RoutesKept)
                log(LogSeverity.Warning, $"{tun.Device.Name}: route to {kept} exists already and is kept ('add' without '!')");
        }
        if (ipv6 is not null)
            ApplyIpv6();
        return plane.TickPeriod;
    }

    /// <summary>IPV6CP is Opened: the open plane (or the next one opened) takes IPv6.</summary>
    public void Ipv6Up(Ipv6cpNegotiated identifiers)
    {
        ipv6 = identifiers;
        if (plane is not null)
            ApplyIpv6();
    }

    /// <summary>IPV6CP left Opened.</summary>
    public void Ipv6Down()
    {
        if (ipv6 is null)
            return;
        ipv6 = null;
        try
        {
            plane?.Ipv6Down();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            log(LogSeverity.Warning, $"IPv6 not removed from the data plane: {e.Message}");
        }
    }

    private void ApplyIpv6()
    {
        try
        {
            plane!.Ipv6Up(ipv6!);
            if (plane is TunDataPlane tun)
                log(LogSeverity.Information, $"tun device {tun.Device.Name} IPv6: {ipv6}");
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // IPv4 goes on; the operator is told why IPv6 does not reach the LAN.
            log(LogSeverity.Error, $"IPv6 not set on the data plane: {e.Message}");
        }
    }

    /// <summary>Closes the data plane if it failed underneath; true when it did.</summary>
    public bool CheckFailure()
    {
        if (plane?.Failure is not { } failure)
            return false;
        log(LogSeverity.Error, $"data plane failed: {failure}");
        Close();
        Error = failure;
        return true;
    }

    public void Deliver(ReadOnlySpan<byte> packet, TimeSpan now)
    {
        if (plane is { } open)
            open.Deliver(packet, now);
        else
            closedDrops++;
    }

    public void Tick(TimeSpan now) => plane?.Tick(now);

    /// <summary>The bundle's network went down: the open data plane stays (false when there is none), packets to it are dropped and counted.</summary>
    public bool Suspend()
    {
        if (plane is null)
            return false;
        Suspended = true;
        return true;
    }

    public void Close()
    {
        Suspended = false;
        openedFor = null;
        if (plane is TunDataPlane tun)
            closedDrops += tun.IngressDrops;
        plane?.Dispose();
        plane = null;
    }
}
