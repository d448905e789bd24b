using Akka.Actor;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Status;

namespace Gateway.Core.Actors;

/// <summary>The bundle as the dashboard, REST and /metrics see it (<see cref="BundleStatus"/>).</summary>
public abstract partial class BundleActor
{
    private BundleStatus Status()
    {
        var stats = bundle.Reassembler?.Statistics;
        var reassembly = new ReassemblyStatus(
            stats?.ReassembledPackets ?? 0, stats?.LostPackets ?? 0, stats?.DuplicateFragments ?? 0, stats?.LateFragments ?? 0,
            stats?.ReorderDepth ?? 0, stats?.PeakReorderDepth ?? 0, stats?.BufferedBytes ?? 0, stats?.PeakBufferedBytes ?? 0)
        {
            FragmentsLost = stats?.LostFragments ?? 0,
            TimeoutLosses = stats?.TimeoutLosses ?? 0,
            ReorderTimeoutMs = stats?.ReorderTimeout.TotalMilliseconds ?? 0,
        };
        var network = bundle.Network;
        var members = Members.All.ToList();
        double totalWeight = members.Where(m => bundle.CarriesData(m.Index)).Sum(m => m.Weight);
        return new BundleStatus(
            Name,
            network is not null,
            members.Select(m => m.Name).ToArray(),
            bundle.Parameters?.PeerMrru,
            network?.LocalAddress.ToString(),
            network is null ? null : network.PeerAddressKnown ? network.PeerAddress.ToString() : "unknown",
            upSince,
            reassembly,
            dataPlane.Traffic,
            totals.Sample(bundle.UndeliverablePackets, Now))
        {
            QueueDrops = ingress.Lane.Dropped + dataPlane.Drops + refusedNoRoom,
            RedirectedFragments = redirectedFragments,
            Paused = members.Where(m => bundle.Suspended.Contains(m.Index)).Select(m => m.Name).ToArray(),
            DataPlaneError = dataPlane.Error,
            Ipv6LocalAddress = bundle.Ipv6Network?.LocalLinkLocal.ToString(),
            Ipv6PeerAddress = bundle.Ipv6Network is { } v6 ? v6.PeerLinkLocal?.ToString() ?? "unknown" : null,
            MemberDetails = members.Select(m => DescribeMember(m, totalWeight)).ToArray(),
            Stall = DescribeStall(),
            BringUpSeconds = bundle.LastBringUp?.TotalSeconds,
            Schedule = bundle.Schedule == MpSchedule.Throughput ? "throughput" : "latency",
            Equaliser = bundle.Equaliser is { } e ? new EqualiserStatus(e.Target.TotalMilliseconds, e.HeldNow, e.Held, e.Overflows) : null,
        };
    }

    private MemberStatus DescribeMember(BundleMembers<IActorRef, MemberDataPath>.Member m, double totalWeight)
    {
        var policy = bundle.PolicyOf(m.Index);
        bool carries = bundle.CarriesData(m.Index);
        return new MemberStatus(m.Name, m.Weight, carries && totalWeight > 0 ? 100 * m.Weight / totalWeight : 0, bundle.Suspended.Contains(m.Index))
        {
            Backup = policy.IsBackup,
            Priority = policy.Priority,
            CarriesData = carries,
            FragmentsOut = m.Path?.FramesOut ?? 0,
            RttMs = m.Path?.SmoothedRtt?.TotalMilliseconds,
            HoldMs = bundle.Equaliser?.HoldFor(m.Index, Now).TotalMilliseconds ?? 0,
            PausedFor = PausedFor(m.Index),
        };
    }
}
