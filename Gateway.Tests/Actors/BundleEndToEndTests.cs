using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Akka.Actor;
using Gateway.Core.Actors;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Hosting;
using Gateway.Core.Ppp.Auth;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Ppp.Session;
using Gateway.Core.Status;
using Gateway.Core.Transport;
using Gateway.Emulation.Links;
using Gateway.Emulation.Traffic;
using Xunit.Abstractions;

namespace Gateway.Tests.Actors;

/// <summary>Gateway and receiver as two actor systems over real loopback UDP, built with the production wiring.</summary>
public class BundleEndToEndTests(ITestOutputHelper output)
{
    internal static readonly IPAddress ReceiverAddress = IPAddress.Parse("192.0.2.1");
    internal static readonly IPAddress GatewayAddress = IPAddress.Parse("192.0.2.2");

    internal static SessionSettings GatewayMember(string authName = "vpnname", string key = "vpnkey", string enddisc = "vpn")
    {
        EndpointDiscriminator.TryCreateLabel(enddisc, out var discriminator, out _);
        return new SessionSettings
        {
            Framing = FramingMode.Sync,
            Lcp = LcpSettings.Default with { Accm = null, Mrru = 1500, EndpointDiscriminator = discriminator },
            Ipcp = null,
            Compression = CompressionControl.ProtocolReject,
            AuthName = authName,
            AuthKey = Secret.FromText(key),
        };
    }

    internal static ReceiverOptions Receiver(IPacketSink? sink = null, params IPAddress[] pool)
    {
        EndpointDiscriminator.TryCreateLabel("vpn-in", out var discriminator, out _);
        var options = new ReceiverOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            MemberSession = new SessionSettings
            {
                Framing = FramingMode.Sync,
                Lcp = LcpSettings.Default with { Accm = null, Mrru = 1500, EndpointDiscriminator = discriminator, EnableChap = true },
                Ipcp = null,
                Compression = CompressionControl.ProtocolReject,
                AuthName = "vpn-in",
                Secrets = new InMemorySecretStore().Add("vpnname", Secret.FromText("vpnkey")).Add("othername", Secret.FromText("otherkey")),
            },
            Bundle = new BundleSettings { Name = "vpn-in", Ipcp = IpcpSettings.Default with { LocalAddress = ReceiverAddress } },
            PeerAddresses = pool.Length > 0 ? pool : [GatewayAddress],
        };
        return options with { DataPlane = sink is null ? TrafficDataPlaneFactory.Reflector() : new SinkDataPlaneFactory(sink) };
    }

    internal static async Task<IPEndPoint> ListeningAsync(ActorHost receiver)
    {
        var actor = await receiver.GetAsync<ActorKeys.Receiver>();
        var status = await actor.Ask<ReceiverActor.ReceiverStatus>(ReceiverActor.GetReceiverStatus.Instance, TimeSpan.FromSeconds(5));
        return status.Listening!;
    }

    internal static async Task<IActorRef> BundleAsync(ActorHost gateway, string name)
    {
        var root = await gateway.GetAsync<ActorKeys.Gateway>();
        return await root.Ask<IActorRef>(new GatewayActor.GetBundle(name), TimeSpan.FromSeconds(5));
    }

    internal static async Task<BundleStatus> WaitForBundleAsync(IActorRef bundle, Func<BundleStatus, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        BundleStatus status;
        do
        {
            status = await bundle.Ask<BundleStatus>(BundleMessages.GetBundleStatus.Instance, TimeSpan.FromSeconds(5));
            if (condition(status))
                return status;
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        throw new Xunit.Sdk.XunitException($"bundle never reached the expected state; last: {status}");
    }

    [Fact]
    public async Task Three_nic_sublinks_form_one_bundle_carry_100000_probes_and_survive_a_hard_kill()
    {
        var sink = new ProbeSink();
        await using var receiver = await ActorHost.StartAsync("receiver", a => a.WithReceiverActors(Receiver(sink)));
        var listening = await ListeningAsync(receiver);
        var paths = new ConcurrentDictionary<string, UdpDatagramPath>();
        var options = new GatewayOptions
        {
            Bundles = [Vpn(new[] { "1", "2", "3" }.Select(n => new SublinkSpec(n, Nic(listening, p => paths[n] = p), "nic", listening)).ToArray())],
        };
        var downs = new ConcurrentQueue<BundleStatus>();
        await using var gateway = await ActorHost.StartAsync("gateway", a => a.WithGatewayActors(options));
        var watcher = gateway.System.ActorOf(Props.Create(() => new BundleDownWatcher(downs)));
        gateway.System.EventStream.Subscribe(watcher, typeof(BundleChanged));
        var bundle = await BundleAsync(gateway, "vpn");
        var up = await WaitForBundleAsync(bundle, s => s.Up && s.Members.Count == 3, TimeSpan.FromSeconds(30));
        Assert.Equal(GatewayAddress.ToString(), up.LocalAddress);
        downs.Clear();

        const int total = 100_000;
        var sent = new long[total];
        var clock = Stopwatch.StartNew();
        for (int seq = 0; seq < total; seq++)
        {
            if (seq == total * 3 / 10)
                paths["2"].Socket.Dispose(); // sublink 2's socket closed without warning
            sent[seq] = clock.ElapsedTicks;
            bundle.Tell(new BundleMessages.SendIp(ProbeSink.Packet(seq)));
            if (seq % 100 == 99)
                await Task.Delay(5); // about 20,000 packets per second
        }
        var restored = await WaitForBundleAsync(bundle, s => s.Members.Count == 3, TimeSpan.FromSeconds(30));
        await sink.WaitForQuietAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));

        var got = sink.Sequences();
        output.WriteLine($"delivered {got.Count} of {total}; longest delivery gap {sink.LongestGap.TotalMilliseconds:F0} ms");
        Assert.Equal(got.Count, got.Distinct().Count());            // nothing twice
        Assert.True(got.SequenceEqual(got.Order()), "delivered out of order");
        Assert.True(got.Count > total * 0.95, $"lost {total - got.Count} packets, more than the dead sublink could have had in flight");
        Assert.Empty(downs);                                          // the bundle never went down
        Assert.True(restored.Up);
    }

    [Fact]
    public async Task A_sublink_whose_peer_port_is_unreachable_gets_no_data_at_once_and_gets_it_again_when_the_peer_answers()
    {
        var sink = new ProbeSink();
        await using var rig = await RelayRig.StartAsync(sink, (direct, relayed) =>
        [
            new SublinkSpec("1", Nic(direct), "nic", direct),
            new SublinkSpec("2", Nic(relayed), "nic via relay", relayed),
        ]);
        var (bundle, relay) = (rig.Bundle, rig.Relay);

        // The relay's port goes away: the kernel answers sublink 2's datagrams with ICMP port unreachable.
        relay.HardDown = true;
        int seq = 0;
        var paused = await SendUntilAsync(bundle, () => seq++, s => s.Paused.Contains("2"));
        Assert.Equal(["1", "2"], paused.Members);                    // still a member: its keepalive decides that
        int pausedAt = seq;
        for (int i = 0; i < 200; i++)
            bundle.Tell(new BundleMessages.SendIp(ProbeSink.Packet(seq++)));
        await sink.WaitForQuietAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(30));
        var after = sink.Sequences().Where(s => s >= pausedAt).ToList();
        Assert.Equal(Enumerable.Range(pausedAt, 200), after);        // nothing sent after the pause was lost

        // The port is back: the next word from the peer (echo replies, fragments) lifts the pause.
        relay.HardDown = false;
        var resumed = await SendUntilAsync(bundle, () => seq++, s => s.Paused.Count == 0);
        Assert.Equal(2, resumed.Members.Count);
    }

    [Fact]
    public async Task A_sublink_whose_echo_replies_come_late_gets_no_data_until_it_answers_in_time_again()
    {
        // Issue 16's brownout: the relayed path gains 300 ms each way. Keepalives never give up here (1000 periods), so
        // only the late echo reply can explain the demotion, and only a reply in time again can end it.
        var sink = new ProbeSink();
        await using var rig = await RelayRig.StartAsync(sink, (direct, relayed) =>
        [
            new SublinkSpec("1", Nic(direct), "nic", direct),
            new SublinkSpec("2", Nic(relayed), "nic via relay", relayed),
        ], echoPeriod: TimeSpan.FromMilliseconds(200));
        var (bundle, relay) = (rig.Bundle, rig.Relay);
        int seq = 0;
        await SendUntilAsync(bundle, () => seq++, s => s.MemberDetails.All(m => m.RttMs is not null));

        relay.Upstream.Delay = relay.Downstream.Delay = TimeSpan.FromMilliseconds(300);
        var demoted = await SendUntilAsync(bundle, () => seq++, s => Member(s, "2").PausedFor == "late");
        Assert.Equal(["1", "2"], demoted.Members);                   // still a member: it is given no data, not dropped
        Assert.False(Member(demoted, "2").CarriesData);
        int demotedAt = seq;
        for (int i = 0; i < 200; i++)
            bundle.Tell(new BundleMessages.SendIp(ProbeSink.Packet(seq++)));
        await sink.WaitForQuietAsync(TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(demotedAt, 200), sink.Sequences().Where(s => s >= demotedAt)); // none lost, none late
        var after = await bundle.Ask<BundleStatus>(BundleMessages.GetBundleStatus.Instance, TimeSpan.FromSeconds(5));
        Assert.Equal(Member(demoted, "2").FragmentsOut, Member(after, "2").FragmentsOut); // not one fragment on it

        relay.Upstream.Delay = relay.Downstream.Delay = TimeSpan.Zero;
        var back = await SendUntilAsync(bundle, () => seq++, s => s.Paused.Count == 0);
        Assert.Null(Member(back, "2").PausedFor);
        Assert.True(Member(back, "2").CarriesData);
    }

    private static MemberStatus Member(BundleStatus status, string name) => status.MemberDetails.Single(m => m.Name == name);

    /// <summary>
    /// A receiver and a gateway's bundle "vpn" of two sublinks, each to the receiver directly or through a relay that
    /// can go hard down (ICMP port unreachable); keepalives ask every second but never give up, so only the ICMP can
    /// explain a pause, and an answer ends it.
    /// </summary>
    internal sealed class RelayRig : IAsyncDisposable
    {
        private RelayRig(ActorHost receiver, UdpLinkRelay relay, ActorHost gateway, IActorRef bundle) =>
            (ReceiverHost, Relay, GatewayHost, Bundle) = (receiver, relay, gateway, bundle);

        public ActorHost ReceiverHost { get; }

        public UdpLinkRelay Relay { get; }

        public ActorHost GatewayHost { get; }

        public IActorRef Bundle { get; }

        /// <param name="sublinks">The two sublinks, given the receiver's address and the relay's.</param>
        /// <param name="echoPeriod">Both ends' LCP echo period (1 s when not given).</param>
        public static async Task<RelayRig> StartAsync(IPacketSink sink, Func<IPEndPoint, IPEndPoint, IReadOnlyList<SublinkSpec>> sublinks, TimeSpan? echoPeriod = null)
        {
            var period = echoPeriod ?? TimeSpan.FromSeconds(1);
            var receiver = await ActorHost.StartAsync("receiver", a => a.WithReceiverActors(Receiver(sink) with { EchoMisses = 1000, EchoPeriod = period }));
            var listening = await ListeningAsync(receiver);
            var relay = new UdpLinkRelay(new IPEndPoint(IPAddress.Loopback, 0), listening);
            var options = new GatewayOptions { Bundles = [Vpn(sublinks(listening, relay.ListenEndPoint)) with { EchoMisses = 1000, EchoPeriod = period }] };
            var gateway = await ActorHost.StartAsync("gateway", a => a.WithGatewayActors(options));
            var bundle = await BundleAsync(gateway, "vpn");
            var rig = new RelayRig(receiver, relay, gateway, bundle);
            await WaitForBundleAsync(bundle, s => s.Up && s.Members.Count == 2, TimeSpan.FromSeconds(30));
            return rig;
        }

        public async ValueTask DisposeAsync()
        {
            await GatewayHost.DisposeAsync();
            Relay.Dispose();
            await ReceiverHost.DisposeAsync();
        }
    }

    /// <summary>A NIC-mode sublink's transport: a UDP socket to <paramref name="remote"/>, shown to <paramref name="opened"/>.</summary>
    internal static SublinkTransportFactory Nic(IPEndPoint remote, Action<UdpDatagramPath>? opened = null) => handler =>
    {
        var path = new UdpDatagramPath(new UdpPathOptions { Remote = remote });
        path.Start(handler);
        opened?.Invoke(path);
        return new CapturedPath(path);
    };

    /// <summary>The gateway's bundle "vpn" over <paramref name="sublinks"/>, its address from the receiver.</summary>
    internal static BundleOptions Vpn(IReadOnlyList<SublinkSpec> sublinks) => new()
    {
        Settings = new BundleSettings { Name = "vpn", Ipcp = IpcpSettings.Default with { LocalAddress = IPAddress.Any } },
        MemberSession = GatewayMember(),
        Sublinks = sublinks,
    };

    /// <summary>Sends probes until the bundle's status meets <paramref name="condition"/>.</summary>
    internal static async Task<BundleStatus> SendUntilAsync(IActorRef bundle, Func<int> next, Func<BundleStatus, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            for (int i = 0; i < 20; i++)
                bundle.Tell(new BundleMessages.SendIp(ProbeSink.Packet(next())));
            var status = await bundle.Ask<BundleStatus>(BundleMessages.GetBundleStatus.Instance, TimeSpan.FromSeconds(5));
            if (condition(status))
                return status;
            await Task.Delay(20);
        }
        throw new Xunit.Sdk.XunitException("the bundle's status never met the condition");
    }

    private sealed class CapturedPath(UdpDatagramPath path) : ISublinkTransport
    {
        public string Description => $"udp {path.Remote}";

        public bool Send(ReadOnlySpan<byte> datagram) => path.Send(datagram);

        public void Dispose() => path.Dispose();
    }

    internal sealed class BundleDownWatcher : ReceiveActor
    {
        public BundleDownWatcher(ConcurrentQueue<BundleStatus> downs) =>
            Receive<BundleChanged>(c =>
            {
                if (!c.Bundle.Up)
                    downs.Enqueue(c.Bundle);
            });
    }

    /// <summary>Records the sequence numbers of probe packets out of the receiver's bundle, and the gaps between them.</summary>
    internal sealed class ProbeSink : IPacketSink
    {
        private readonly object gate = new();
        private readonly List<int> sequences = new();
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private TimeSpan last;

        public TimeSpan LongestGap { get; private set; }

        public static byte[] Packet(int seq)
        {
            var p = new byte[64];
            p[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), 64);
            BinaryPrimitives.WriteInt32BigEndian(p.AsSpan(28), seq);
            return p;
        }

        public void OnPacket(string bundle, ReadOnlySpan<byte> packet)
        {
            if (packet.Length < 32)
                return;
            lock (gate)
            {
                var now = clock.Elapsed;
                if (sequences.Count > 0 && now - last > LongestGap)
                    LongestGap = now - last;
                last = now;
                sequences.Add(BinaryPrimitives.ReadInt32BigEndian(packet[28..]));
            }
        }

        public List<int> Sequences()
        {
            lock (gate)
                return [.. sequences];
        }

        public async Task WaitForQuietAsync(TimeSpan quiet, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            int count = -1;
            while (DateTime.UtcNow < deadline)
            {
                int now;
                lock (gate)
                    now = sequences.Count;
                if (now == count)
                    return;
                count = now;
                await Task.Delay(quiet);
            }
        }
    }
}
