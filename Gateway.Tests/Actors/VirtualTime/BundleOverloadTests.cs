using System.Net;
using Akka.Actor;
using Gateway.Core.Actors;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Status;
using Xunit.Abstractions;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Tests.Actors.VirtualTime;

/// <summary>
/// A bundle whose every member's queue is full (ISP links' outbound lanes) drops what it is given before the
/// fragmenter numbers it: the peer sees no gap in the numbering, and no number runs on past the fragments still queued
/// (with 12-bit numbers, far enough to be taken for new ones: docs/DESIGN.md, "numbering under overload").
/// </summary>
public class BundleOverloadTests(ITestOutputHelper output) : VirtualTimeTestKit(output)
{
    [Fact]
    public void Packets_no_member_has_room_for_are_dropped_unnumbered_and_counted_and_the_peer_sees_no_gap()
    {
        var room = new FarBundle.RoomSwitch();
        var (bundle, far) = Pair(room);
        var start = Query<MpReassemblerStatistics>(far, FarBundle.GetReassembly.Instance);
        bundle.Tell(new SendIp(Probe(1)), TestActor);
        AwaitAssert(() => Assert.Equal(start.ReassembledPackets + 1, Query<MpReassemblerStatistics>(far, FarBundle.GetReassembly.Instance).ReassembledPackets), Patience);

        // Every member's queue full: 100 packets dropped at the bundle and counted, none numbered.
        room.Open = false;
        for (int i = 0; i < 100; i++)
            bundle.Tell(new SendIp(Probe(2 + i)), TestActor);
        var full = Query<BundleStatus>(bundle, GetBundleStatus.Instance);
        Assert.Equal(100, full.QueueDrops);
        Assert.Equal(0, full.RedirectedFragments);

        // Room again: the next packet carries the number after probe 1's, so the peer takes it at once. (Had the
        // dropped packets been numbered, the peer would wait for the 100 missing numbers until its reorder timeout,
        // which never fires here: the far end keeps no timers.)
        room.Open = true;
        bundle.Tell(new SendIp(Probe(102)), TestActor);
        AwaitAssert(() => Assert.Equal(start.ReassembledPackets + 2, Query<MpReassemblerStatistics>(far, FarBundle.GetReassembly.Instance).ReassembledPackets), Patience);
        var after = Query<MpReassemblerStatistics>(far, FarBundle.GetReassembly.Instance);
        Assert.Equal(start.LostFragments, after.LostFragments);
        Assert.Equal(start.OutOfWindowFragments, after.OutOfWindowFragments);
    }

    [Fact]
    public void A_fragment_for_a_member_whose_queue_is_full_goes_out_on_another_and_is_counted_redirected()
    {
        var room = new FarBundle.RoomSwitch();
        var (bundle, far) = Pair(room);
        room.Full = 0;
        var start = Query<MpReassemblerStatistics>(far, FarBundle.GetReassembly.Instance);
        for (int i = 0; i < 20; i++)
            bundle.Tell(new SendIp(Probe(i)), TestActor);
        AwaitAssert(() => Assert.Equal(start.ReassembledPackets + 20, Query<MpReassemblerStatistics>(far, FarBundle.GetReassembly.Instance).ReassembledPackets), Patience);
        var status = Query<BundleStatus>(bundle, GetBundleStatus.Instance);
        Assert.True(status.RedirectedFragments > 0,
            $"the full member was never chosen, or its fragments were not redirected: sent per member {string.Join(", ", status.MemberDetails.Select(m => $"{m.Name} {m.FragmentsOut}"))}");
        Assert.Equal(0, status.QueueDrops);
        Assert.Equal(start.LostFragments, Query<MpReassemblerStatistics>(far, FarBundle.GetReassembly.Instance).LostFragments);
    }

    /// <summary>A gateway's bundle under test and the far end it runs IPCP with, both up.</summary>
    private (IActorRef Bundle, IActorRef Far) Pair(FarBundle.RoomSwitch room)
    {
        var bundle = Sys.ActorOf(GatewayBundleActor.Props(new BundleOptions
        {
            Settings = FarBundle.Settings("vpn", IPAddress.Any, null),
            MemberSession = BundleEndToEndTests.GatewayMember(),
            DataPlane = new SinkDataPlaneFactory(new BundleProbeSink()),
        }), "vpn");
        var far = Sys.ActorOf(FarBundle.Props(bundle, [CreateTestProbe().Ref, CreateTestProbe().Ref],
            FarBundle.Settings("vpn-in", BundleEndToEndTests.ReceiverAddress, BundleEndToEndTests.GatewayAddress), room), "far");
        AwaitAssert(() =>
        {
            Assert.True(Query<BundleStatus>(bundle, GetBundleStatus.Instance).Up);
            Assert.True(Query<bool>(far, FarBundle.GetOpened.Instance));
        }, Patience);
        return (bundle, far);
    }

    private static byte[] Probe(int sequence) => BundleEndToEndTests.ProbeSink.Packet(sequence);
}
