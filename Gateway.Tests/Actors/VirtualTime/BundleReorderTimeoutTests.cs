using System.Net;
using Akka.Actor;
using Gateway.Core.Actors;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Status;
using Xunit.Abstractions;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Tests.Actors.VirtualTime;

/// <summary>
/// The bundle actor's reorder timeout in virtual time: with a fragment missing and the member that could still carry
/// it silent, the packets after the gap are held until the timeout has passed since the first of them arrived, not a
/// millisecond less, and then delivered in order with the missing packet counted lost.
/// </summary>
public class BundleReorderTimeoutTests(ITestOutputHelper output) : VirtualTimeTestKit(output)
{
    private static readonly TimeSpan ReorderTimeout = TimeSpan.FromMilliseconds(500);

    // IPCP is all that crosses before the data, and it is done before the test loses anything.
    private static BundleSettings Settings(string name, IPAddress local, IPAddress? peer) =>
        FarBundle.Settings(name, local, peer, new MpReassemblerOptions { ReorderTimeout = ReorderTimeout });

    [Fact]
    public void Packets_behind_a_lost_fragment_are_held_until_the_reorder_timeout_then_delivered_and_the_loss_counted()
    {
        var sink = new BundleProbeSink();
        var bundle = Sys.ActorOf(GatewayBundleActor.Props(new BundleOptions
        {
            Settings = Settings("vpn", IPAddress.Any, null),
            MemberSession = BundleEndToEndTests.GatewayMember(),
            DataPlane = new SinkDataPlaneFactory(sink),
        }), "vpn");
        var far = Sys.ActorOf(FarBundle.Props(bundle, [CreateTestProbe().Ref, CreateTestProbe().Ref],
            Settings("vpn-in", BundleEndToEndTests.ReceiverAddress, BundleEndToEndTests.GatewayAddress)), "far");
        AwaitAssert(() =>
        {
            Assert.True(Query<BundleStatus>(bundle, GetBundleStatus.Instance).Up);
            Assert.True(Query<bool>(far, FarBundle.GetOpened.Instance));
        }, Patience);

        Assert.True(Query<bool>(far, new FarBundle.Send(Probe(1))));
        AwaitAssert(() => Assert.Equal([1], sink.Delivered(0, 10).Values.Single()), Patience);

        // Probe 2 is lost on the slow member; 3 and 4 arrive on the other one.
        Assert.True(Query<bool>(far, new FarBundle.Send(Probe(2), Lose: true)));
        Assert.True(Query<bool>(far, new FarBundle.Send(Probe(3))));
        Assert.True(Query<bool>(far, new FarBundle.Send(Probe(4))));
        // The far end told the bundle its fragments before answering: a round trip to the bundle sees them taken.
        var held = Query<BundleStatus>(bundle, GetBundleStatus.Instance);
        Assert.Equal(2, held.Reassembly.ReorderDepth);
        Assert.Equal(0, held.Reassembly.PacketsLost);

        Advance(ReorderTimeout - TimeSpan.FromMilliseconds(1));
        var stillHeld = Query<BundleStatus>(bundle, GetBundleStatus.Instance);
        Assert.Equal(2, stillHeld.Reassembly.ReorderDepth);
        Assert.Equal(0, stillHeld.Reassembly.PacketsLost);
        Assert.Equal([1], sink.Delivered(0, 10).Values.Single());

        Advance(TimeSpan.FromMilliseconds(1));
        var released = Query<BundleStatus>(bundle, GetBundleStatus.Instance);
        Assert.Equal(0, released.Reassembly.ReorderDepth);
        Assert.Equal(1, released.Reassembly.PacketsLost);
        // The data plane runs on the bundle's thread: delivered before the bundle answered.
        Assert.Equal([1, 3, 4], sink.Delivered(0, 10).Values.Single());
    }

    private static byte[] Probe(int sequence) => BundleEndToEndTests.ProbeSink.Packet(sequence);
}
