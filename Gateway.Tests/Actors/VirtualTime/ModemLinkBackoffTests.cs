using Akka.Actor;
using Akka.Pattern;
using Gateway.Core.Actors;
using Gateway.Core.Transport;
using Xunit.Abstractions;

namespace Gateway.Tests.Actors.VirtualTime;

/// <summary>
/// <see cref="ModemLinkActor.SupervisedProps"/> in virtual time: a link whose device cannot be opened fails to its
/// back-off supervisor, which starts it again after 1 s, 2 s, 4 s ... up to 30 s (exponential, plus up to 20 % jitter),
/// never before the back-off has passed.
/// </summary>
public class ModemLinkBackoffTests(ITestOutputHelper output) : VirtualTimeTestKit(output)
{
    private const double RandomFactor = 0.2; // SupervisedProps' jitter: each pause is its back-off times 1 to 1.2

    [Fact]
    public void A_device_that_cannot_be_opened_is_tried_again_after_1_2_4_8_16_30_30_virtual_seconds()
    {
        int opens = 0;
        var absent = new DelegateModemLineFactory((device, _) =>
        {
            Interlocked.Increment(ref opens);
            throw new IOException($"{device}: no such device");
        });
        // A device name of this test's own: SerialLines holds device names process-wide.
        var options = ModemLinkRig.Isp1("vtime-absent0");
        var supervisor = Sys.ActorOf(ModemLinkActor.SupervisedProps(options, absent), "isp1");

        TimeSpan[] backoffs = [.. new[] { 1, 2, 4, 8, 16, 30, 30 }.Select(s => TimeSpan.FromSeconds(s))];
        for (int i = 0; i < backoffs.Length; i++)
        {
            int tried = i + 1;
            AwaitAssert(() => Assert.Equal(tried, Volatile.Read(ref opens)), Patience);
            AwaitBackoffTimer(supervisor, restarts: tried);

            Advance(backoffs[i] - TimeSpan.FromMilliseconds(1));
            Assert.Null(Query<BackoffSupervisor.CurrentChild>(supervisor, BackoffSupervisor.GetCurrentChild.Instance).Ref);
            Assert.Equal(tried, Volatile.Read(ref opens));

            Advance(backoffs[i] * RandomFactor + TimeSpan.FromMilliseconds(1));
            AwaitAssert(() => Assert.Equal(tried + 1, Volatile.Read(ref opens)), Patience);
        }
    }

    /// <summary>
    /// Waits until the failed link is gone; its Terminated is then in the supervisor's mailbox, and a round trip sees
    /// it handled: the back-off timer runs from the virtual time it is now.
    /// </summary>
    private void AwaitBackoffTimer(IActorRef supervisor, int restarts)
    {
        AwaitAssert(() => Assert.Null(Child(supervisor, "link")), Patience);
        Assert.Equal(restarts, Query<BackoffSupervisor.RestartCount>(supervisor, BackoffSupervisor.GetRestartCount.Instance).Count);
    }
}
