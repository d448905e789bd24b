using Akka.Actor;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Hosting;
using Gateway.Core.Status;
using static Gateway.Tests.Actors.BundleEndToEndTests;
using static Gateway.Tests.Actors.ReceiverTestSupport;

namespace Gateway.Tests.Actors;

/// <summary>NIC mode has no ISP links: the operator's close and dial name a sublink, as FreeBSD's <c>link 2 close</c>.</summary>
public class NicSublinkCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Closing_a_nic_sublink_drops_it_at_both_ends_at_once_and_dial_brings_it_back()
    {
        await using var receiver = await ActorHost.StartAsync("receiver", a => a.WithReceiverActors(Receiver(null, GatewayAddress)));
        var receiverBundles = Collect<BundleChanged>(receiver);
        var listening = await ListeningAsync(receiver);
        // Echo every 10 s: only the Terminate, not a keepalive, can drop the sublink at the receiver in time.
        await using var gateway = await GatewayAsync("gateway", NicBundle("vpn", listening, GatewayMember(), sublinks: 3) with { EchoPeriod = TimeSpan.FromSeconds(10) });
        var bundle = await BundleAsync(gateway, "vpn");
        await WaitForBundleAsync(bundle, s => s.Up && s.Members.Count == 3, Timeout);
        await WaitForReceiverAsync(receiver, r => r.Peers == 3, Timeout);
        var root = await gateway.GetAsync<ActorKeys.Gateway>();

        var closed = await root.Ask<LinkCommandResult>(new LinkCommand("2", LinkCommandKind.Close), TimeSpan.FromSeconds(5));

        Assert.True(closed.Found, closed.Message);
        var degraded = await WaitForBundleAsync(bundle, s => s.Members.Count == 2, TimeSpan.FromSeconds(2));
        Assert.Equal(["1", "3"], degraded.Members);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(1);
        while (!receiverBundles.Any(c => c.Bundle.Up && c.Bundle.Members.Count == 2) && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        Assert.Contains(receiverBundles, c => c.Bundle.Up && c.Bundle.Members.Count == 2);

        var dialled = await root.Ask<LinkCommandResult>(new LinkCommand("2", LinkCommandKind.Dial), TimeSpan.FromSeconds(5));

        Assert.True(dialled.Found, dialled.Message);
        await WaitForBundleAsync(bundle, s => s.Members.Count == 3, Timeout);
        var unknown = await root.Ask<LinkCommandResult>(new LinkCommand("9", LinkCommandKind.Close), TimeSpan.FromSeconds(5));
        Assert.False(unknown.Found);
    }
}
