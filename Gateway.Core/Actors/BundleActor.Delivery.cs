using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Status;

namespace Gateway.Core.Actors;

/// <summary>
/// "Members up but nothing delivered" (issue 17): on each status tick the bundle samples its reassembler into a
/// <see cref="DeliveryWatch"/>; a stall (fragments arrive, nothing is reassembled for 5 s) is a Warning in the event
/// log and <see cref="BundleStatus.Stall"/> on the dashboard, REST and /metrics until a packet comes out again or the
/// fragments stop.
/// </summary>
public abstract partial class BundleActor
{
    private readonly DeliveryWatch delivery = new();
    private MpReassembler? watchedReassembler;

    private void WatchDelivery()
    {
        var reassembler = bundle.Network is null ? null : bundle.Reassembler;
        if (reassembler is null)
        {
            watchedReassembler = null;
            return;
        }
        var stats = reassembler.Statistics;
        if (!ReferenceEquals(reassembler, watchedReassembler))
        {
            watchedReassembler = reassembler;
            delivery.Reset(Now, stats.ReceivedFragments, stats.ReassembledPackets);
            return;
        }
        var stalledSince = delivery.StalledSince;
        switch (delivery.Sample(Now, stats.ReceivedFragments, stats.ReassembledPackets))
        {
            case DeliveryChange.Stalled:
                Log(LogSeverity.Warning, $"fragments arrive on its members but nothing was reassembled for {(Now - delivery.StalledSince!.Value).TotalSeconds:0} s "
                    + $"({delivery.FragmentsSinceDelivery} fragments since the last packet; so far {stats.LostFragments} fragments lost, "
                    + $"{stats.LateFragments} late, {stats.OutOfWindowFragments} out of window, {stats.DiscardedFragments} discarded)");
                break;
            case DeliveryChange.Recovered:
                Log(LogSeverity.Information, $"packets are reassembled again after {(Now - stalledSince!.Value).TotalSeconds:0} s with none");
                break;
            case DeliveryChange.Quiet:
                Log(LogSeverity.Information, "fragments stopped arriving; none was reassembled since the stall began");
                break;
        }
    }

    private DeliveryStall? DescribeStall() =>
        delivery.StalledSince is { } since && watchedReassembler is not null
            ? new DeliveryStall(Math.Round((Now - since).TotalSeconds, 1), delivery.FragmentsSinceDelivery)
            : null;
}
