using System.Collections.Concurrent;
using Akka.Actor;
using Gateway.Core.Actors;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Hosting;
using Gateway.Core.Status;
using Gateway.Core.Transport;
using Xunit.Abstractions;
using static Gateway.Tests.Actors.BundleEndToEndTests;
using static Gateway.Tests.Actors.ReceiverTestSupport;

namespace Gateway.Tests.Actors;

/// <summary>
/// Issue 17, "members up but nothing delivered": Multilink fragments that never become a packet arrive at the
/// receiver's bundle on a member's own address and port, over real loopback UDP. The bundle's status says it is
/// stalled (with the fragments counted) and the event log has a Warning, though every member is up; probes
/// through the bundle end the stall.
/// </summary>
public class DeliveryStallTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Fragments_that_never_complete_show_the_bundle_stalled_until_packets_come_out_again()
    {
        var sink = new ProbeSink();
        await using var receiver = await ActorHost.StartAsync("receiver", a => a.WithReceiverActors(Receiver(sink)));
        var bundles = Collect<BundleChanged>(receiver);
        var log = Collect<LogWritten>(receiver);
        var listening = await ListeningAsync(receiver);
        var paths = new ConcurrentDictionary<string, UdpDatagramPath>();
        var options = new GatewayOptions
        {
            Bundles = [Vpn(new[] { "1", "2" }.Select(n => new SublinkSpec(n, BundleEndToEndTests.Nic(listening, p => paths[n] = p), "nic", listening)).ToArray())],
        };
        await using var gateway = await ActorHost.StartAsync("gateway", a => a.WithGatewayActors(options));
        var bundle = await BundleAsync(gateway, "vpn");
        await WaitForBundleAsync(bundle, s => s.Up && s.Members.Count == 2, TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(bundles, c => c.Bundle.Stall is not null);

        // Fragments that begin a packet and never end it (B set, E clear), numbered far from the bundle's own, from
        // member 1's socket: the reassembler takes them in and puts nothing out.
        int forged = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!bundles.Any(c => c.Bundle.Stall is not null) && DateTime.UtcNow < deadline)
        {
            paths["1"].Socket.SendTo(BeginningFragment(0x400000 + forged++), listening);
            await Task.Delay(50);
        }
        var stalled = bundles.FirstOrDefault(c => c.Bundle.Stall is not null)?.Bundle;
        Assert.True(stalled is not null, $"no stall shown after {forged} fragments that never completed");
        output.WriteLine($"{forged} fragments sent; stalled: {stalled.Stall}; reassembly {stalled.Reassembly}");
        Assert.True(stalled.Up);
        Assert.Equal(2, stalled.Members.Count);
        Assert.True(stalled.Stall!.Seconds >= 5, $"stalled after {stalled.Stall.Seconds} s");
        Assert.InRange(stalled.Stall.FragmentsSinceDelivery, 1, forged);
        Assert.Contains(log, l => l.Entry.Level == LogSeverity.Warning && l.Entry.Message.Contains("nothing was reassembled"));

        // Packets through the bundle: the stall ends.
        int seq = 0;
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (bundles.LastOrDefault()?.Bundle.Stall is not null && DateTime.UtcNow < deadline)
        {
            for (int i = 0; i < 10; i++)
                bundle.Tell(new BundleMessages.SendIp(ProbeSink.Packet(seq++)));
            await Task.Delay(50);
        }
        Assert.Null(bundles.Last().Bundle.Stall);
        Assert.Contains(log, l => l.Entry.Level == LogSeverity.Information && l.Entry.Message.Contains("reassembled again"));
        Assert.NotEmpty(sink.Sequences());
    }

    /// <summary>A PPP frame of protocol 0x003D with a long-sequence MP header: B set, E clear, and one byte of data.</summary>
    private static byte[] BeginningFragment(int sequence) =>
        [0xFF, 0x03, 0x00, 0x3D, 0x80, (byte)(sequence >> 16), (byte)(sequence >> 8), (byte)sequence, 0x45];
}
