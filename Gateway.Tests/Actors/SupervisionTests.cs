using System.Collections.Concurrent;
using Gateway.Core.Actors;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Hosting;
using Gateway.Core.Status;
using Gateway.Core.Transport;
using Xunit.Abstractions;
using static Gateway.Tests.Actors.BundleEndToEndTests;
using static Gateway.Tests.Actors.ReceiverTestSupport;

namespace Gateway.Tests.Actors;

/// <summary>The bundle's supervision of its sublinks (a sublink's fault never resets its bundle).</summary>
public class SupervisionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_exception_in_one_sublink_restarts_that_sublink_alone_and_the_bundle_counters_go_on()
    {
        var sink = new BundleProbeSink();
        await using var receiver = await ActorHost.StartAsync("receiver", a => a.WithReceiverActors(Receiver(sink)));
        var listening = await ListeningAsync(receiver);
        var opened = new ConcurrentDictionary<string, int>();
        var faulty = new ConcurrentDictionary<string, FaultyTransport>();
        SublinkTransportFactory Counted(string name) => handler =>
        {
            opened.AddOrUpdate(name, 1, (_, n) => n + 1);
            var transport = new FaultyTransport(Nic(listening)(handler));
            faulty[name] = transport;
            return transport;
        };
        await using var gateway = await GatewayAsync("gateway", NicBundle("vpn", listening, GatewayMember(), sublinks: 2, transport: Counted));
        var bundle = await BundleAsync(gateway, "vpn");
        var up = await WaitForBundleAsync(bundle, s => s.Up && s.Members.Count == 2, TimeSpan.FromSeconds(20));
        var downs = new ConcurrentQueue<BundleStatus>();
        var watcher = gateway.System.ActorOf(Akka.Actor.Props.Create(() => new BundleDownWatcher(downs)));
        gateway.System.EventStream.Subscribe(watcher, typeof(BundleChanged));

        const int count = 4000;
        await SendProbesAsync(bundle, 0, count / 2);
        var before = await StatusAsync(bundle);
        var sublink1 = faulty["1"];
        sublink1.ThrowOnNextSend(); // the next fragment sublink 1 sends makes its actor throw from ISessionHandler.SendFrame
        await SendProbesAsync(bundle, count / 2, count / 2);
        var after = await WaitForBundleAsync(bundle, s => s.Members.Count == 2 && faulty["1"] != sublink1, TimeSpan.FromSeconds(20));
        await sink.WaitForQuietAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(20));

        var delivered = sink.Delivered(0, count).Values.Single();
        output.WriteLine($"before {before.Counters}; after {after.Counters}; opened {string.Join(", ", opened)}; delivered {delivered.Count}");
        Assert.True(sublink1.Threw, "the injected fault never fired");
        Assert.Equal(2, opened["1"]);            // sublink 1 restarted once, from scratch (a new socket), not stopped and recreated ...
        Assert.Equal(1, opened["2"]);            // ... sublink 2 was left alone
        Assert.Empty(downs);                     // the bundle stayed up on sublink 2 meanwhile
        Assert.True(after.Up);
        Assert.Equal(up.UpSince, after.UpSince); // no renegotiation of the bundle
        Assert.Equal(up.LocalAddress, after.LocalAddress);
        Assert.True(after.Counters.FramesOut >= before.Counters.FramesOut + count / 2 - 1,
            $"bundle counters reset or stalled: {before.Counters.FramesOut} then {after.Counters.FramesOut}");
        Assert.True(after.Counters.OctetsOut > before.Counters.OctetsOut);
        Assert.True(delivered.Count >= count * 0.98, $"{delivered.Count} of {count} probes delivered");
    }

    /// <summary>A transport whose Send throws once, on demand (a stand-in for a bug in the sublink's code path).</summary>
    private sealed class FaultyTransport(ISublinkTransport inner) : ISublinkTransport
    {
        private int armed;
        private int threw;

        public string Description => inner.Description;

        public bool Threw => Volatile.Read(ref threw) == 1;

        public void ThrowOnNextSend() => Volatile.Write(ref armed, 1);

        public bool Send(ReadOnlySpan<byte> datagram)
        {
            if (Interlocked.Exchange(ref armed, 0) == 1)
            {
                Volatile.Write(ref threw, 1);
                throw new InvalidOperationException("injected sublink fault");
            }
            return inner.Send(datagram);
        }

        public void Dispose() => inner.Dispose();
    }
}
