using System.Collections.Concurrent;
using System.Net;
using Akka.Actor;
using Gateway.Core.Actors;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Hosting;
using Gateway.Core.Transport;
using Gateway.Tests.Support;
using Xunit.Abstractions;
using static Gateway.Tests.Actors.BundleEndToEndTests;

namespace Gateway.Tests.Actors;

/// <summary>
/// Issue 17: the malformed PPP frames of other projects' regression captures (Fixtures/corpus/malformed, tcpdump's),
/// sent to the receiver from the sublinks' own addresses and ports (on the sublinks' own sockets, so nothing on the
/// wire tells them apart) in the middle of a probe stream. The receiver must drop and count them and its bundle must
/// keep delivering, during and after; the members stay up.
/// </summary>
public class BundleMalformedInputTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Malformed_frames_from_the_sublinks_own_ports_are_counted_and_the_bundle_keeps_delivering()
    {
        // Each captured frame whole and cut short at up to 80 lengths (a truncated MP header, LCP option, IP header...).
        var captured = Fixtures.Files(Path.Combine("corpus", "malformed"), "*.pcap")
            .SelectMany(PcapReader.ReadFile)
            .Select(p => CapturedLayers.TryGetPppFrame(p.LinkType, p.Data, out byte[] frame) ? frame : null)
            .OfType<byte[]>()
            .ToList();
        Assert.True(captured.Count >= 5, $"only {captured.Count} malformed frames in the corpus");
        var frames = captured.SelectMany(f => Enumerable.Range(0, Math.Min(80, f.Length)).Select(k => f[..(f.Length - k * Math.Max(1, f.Length / 80))]))
            .Where(f => f.Length > 0)
            .ToList();

        var sink = new ProbeSink();
        await using var receiver = await ActorHost.StartAsync("receiver", a => a.WithReceiverActors(Receiver(sink)));
        var listening = await ListeningAsync(receiver);
        var paths = new ConcurrentDictionary<string, UdpDatagramPath>();
        var options = new GatewayOptions
        {
            Bundles = [Vpn(new[] { "1", "2", "3" }.Select(n => new SublinkSpec(n, Nic(listening, p => paths[n] = p), "nic", listening)).ToArray())],
        };
        await using var gateway = await ActorHost.StartAsync("gateway", a => a.WithGatewayActors(options));
        var bundle = await BundleAsync(gateway, "vpn");
        await WaitForBundleAsync(bundle, s => s.Up && s.Members.Count == 3, TimeSpan.FromSeconds(30));

        int seq = 0;
        // During: each malformed frame goes out on one sublink's socket, between probes.
        for (int i = 0; i < frames.Count; i++)
        {
            paths[(1 + i % 3).ToString(System.Globalization.CultureInfo.InvariantCulture)].Socket.SendTo(frames[i], listening);
            for (int p = 0; p < 3; p++)
                bundle.Tell(new BundleMessages.SendIp(ProbeSink.Packet(seq++)));
            if (i % 20 == 19)
                await Task.Delay(5);
        }
        int during = seq;
        await sink.WaitForQuietAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));
        int deliveredDuring = sink.Sequences().Count(s => s < during);

        // After: the bundle still delivers everything, in order, with every member.
        for (int i = 0; i < 1000; i++)
        {
            bundle.Tell(new BundleMessages.SendIp(ProbeSink.Packet(seq++)));
            if (i % 50 == 49)
                await Task.Delay(5);
        }
        await sink.WaitForQuietAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));
        var after = sink.Sequences().Where(s => s >= during).ToList();
        var status = await WaitForBundleAsync(bundle, s => s.Up, TimeSpan.FromSeconds(5));
        var receiverBundle = await ReceiverBundleStatusAsync(receiver);
        output.WriteLine($"{frames.Count} malformed frames; probes delivered during {deliveredDuring} of {during}, after {after.Count} of 1000; " +
            $"gateway members {string.Join(",", status.Members)}; receiver bundle {receiverBundle}");

        Assert.True(deliveredDuring >= during * 0.95, $"only {deliveredDuring} of {during} probes delivered while the frames arrived");
        Assert.True(after.Count >= 990, $"only {after.Count} of 1000 probes delivered after the frames");
        Assert.True(after.SequenceEqual(after.Order()), "delivered out of order after the frames");
        Assert.Equal(3, status.Members.Count);
    }

    private static async Task<string> ReceiverBundleStatusAsync(ActorHost receiver)
    {
        var actor = await receiver.GetAsync<ActorKeys.Receiver>();
        var status = await actor.Ask<ReceiverActor.ReceiverStatus>(ReceiverActor.GetReceiverStatus.Instance, TimeSpan.FromSeconds(5));
        return status.ToString();
    }
}
