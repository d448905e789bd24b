using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Gateway.Core.Actors;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Multilink;
using Xunit.Abstractions;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Tests.Actors.VirtualTime;

/// <summary>
/// The gateway bundle starts a failed sublink again on its own (<see cref="SublinkRestarts"/>): after RestartMin, the
/// pause doubling with each failure up to RestartMax, each start exactly then in virtual time and not a millisecond
/// before.
/// </summary>
public class SublinkRestartBackoffTests(ITestOutputHelper output) : VirtualTimeTestKit(output)
{
    [Fact]
    public void A_sublink_whose_transport_cannot_open_is_started_again_after_200_400_800_ms_doubling_up_to_5_s()
    {
        int opens = 0;
        SublinkTransportFactory unreachable = _ =>
        {
            Interlocked.Increment(ref opens);
            throw new SocketException((int)SocketError.NetworkUnreachable);
        };
        var options = new BundleOptions
        {
            Settings = new BundleSettings { Name = "vpn", Ipcp = IpcpSettings.Default with { LocalAddress = IPAddress.Any } },
            MemberSession = BundleEndToEndTests.GatewayMember(),
            Sublinks = [new SublinkSpec("1", unreachable, "nic", new IPEndPoint(IPAddress.Loopback, 9))],
        };
        // The product's defaults: RestartMin 200 ms, RestartMax 5 s.
        Assert.Equal(TimeSpan.FromMilliseconds(200), options.RestartMin);
        Assert.Equal(TimeSpan.FromSeconds(5), options.RestartMax);
        var bundle = Sys.ActorOf(GatewayBundleActor.Props(options), "vpn");

        TimeSpan[] pauses = [.. new[] { 200, 400, 800, 1600, 3200, 5000, 5000 }.Select(ms => TimeSpan.FromMilliseconds(ms))];
        for (int i = 0; i < pauses.Length; i++)
        {
            int started = i + 1;
            AwaitAssert(() => Assert.Equal(started, Volatile.Read(ref opens)), Patience);
            AwaitRestartTimer(bundle);

            Advance(pauses[i] - TimeSpan.FromMilliseconds(1));
            Query<Gateway.Core.Status.BundleStatus>(bundle, GetBundleStatus.Instance);
            // A start would have made the child before the bundle answered.
            Assert.Null(Child(bundle, "link-1"));
            Assert.Equal(started, Volatile.Read(ref opens));

            Advance(TimeSpan.FromMilliseconds(1));
            AwaitAssert(() => Assert.Equal(started + 1, Volatile.Read(ref opens)), Patience);
        }
    }

    /// <summary>
    /// Waits until the failed sublink is gone from the bundle's children; its Terminated is then in the bundle's
    /// mailbox, and a round trip sees it handled: the restart timer runs from the virtual time it is now.
    /// </summary>
    private void AwaitRestartTimer(IActorRef bundle)
    {
        AwaitAssert(() => Assert.Null(Child(bundle, "link-1")), Patience);
        Query<Gateway.Core.Status.BundleStatus>(bundle, GetBundleStatus.Instance);
    }
}
