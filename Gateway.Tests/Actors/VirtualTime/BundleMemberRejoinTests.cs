using System.Net;
using Akka.Actor;
using Gateway.Core.Actors;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Ppp.Session;
using Gateway.Core.Status;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Ppp.Framing;
using Xunit.Abstractions;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Tests.Actors.VirtualTime;

/// <summary>
/// A member link that leaves and joins again while the bundle still holds news of its old data path. Seen in the
/// 30-minute soak after a receiver freeze: each sublink's LCP renegotiated (SublinkDown, then SublinkUp with a new
/// path) while a fragment the bundle sent on the old path found it closed, and that report, queued behind both,
/// took the new membership out. The sublinks stayed up and answered echoes, the gateway kept sending on them, and the
/// receiver's bundle took none of it.
/// </summary>
public class BundleMemberRejoinTests(ITestOutputHelper output) : VirtualTimeTestKit(output)
{
    [Fact]
    public void A_failed_send_on_a_members_old_path_does_not_take_out_the_membership_it_joined_with_since()
    {
        var sublink = CreateTestProbe();
        var bundle = InMemoryMembers.ReceiverBundle(Sys, "vpn-in-1");

        // The first fragment the bundle sends on the old path (its IPCP Configure-Request) finds that the sublink has
        // closed it, left the Network phase and joined again: both reports reach the bundle before its own news of
        // the closed path.
        var newPath = InMemoryMembers.Path();
        MemberDataPath? oldPath = null;
        var rejoining = new Rejoining(() =>
        {
            oldPath!.Close();
            bundle.Tell(new SublinkDown("1", sublink.Ref, "left the Network phase"), sublink.Ref);
            bundle.Tell(new SublinkUp("1", sublink.Ref, FarBundle.Link, "vpnname", null, newPath), sublink.Ref);
        });
        oldPath = InMemoryMembers.Path(transport: rejoining);
        bundle.Tell(new SublinkUp("1", sublink.Ref, FarBundle.Link, "vpnname", null, oldPath), sublink.Ref);

        AwaitAssert(() => Assert.True(rejoining.Rejoined), Patience);
        // Once the bundle has answered this, it has handled its own report of the old path too (it was queued first).
        Query<BundleStatus>(bundle, GetBundleStatus.Instance);
        var status = Query<BundleStatus>(bundle, GetBundleStatus.Instance);

        Assert.Equal(["1"], status.Members);
        // and the new path carries the bundle's traffic: IPCP's first request at the join, then its retransmission
        Assert.Equal(1, newPath.FramesOut);
        Advance(TimeSpan.FromSeconds(4));
        Query<BundleStatus>(bundle, GetBundleStatus.Instance);
        Assert.True(newPath.FramesOut >= 2, $"{newPath.FramesOut} frames on the path the member joined with again");
    }

    /// <summary>A transport whose first send finds the sublink gone (runs <paramref name="onFirstSend"/>) and refuses.</summary>
    private sealed class Rejoining(Action onFirstSend) : ISublinkTransport
    {
        public bool Rejoined { get; private set; }

        public string Description => "a sublink that renegotiates as the bundle sends";

        public bool Send(ReadOnlySpan<byte> datagram)
        {
            if (!Rejoined)
            {
                Rejoined = true;
                onFirstSend();
            }
            return false;
        }

        public void Dispose()
        {
        }
    }
}
