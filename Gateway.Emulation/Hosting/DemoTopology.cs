using System.Net;
using System.Net.Sockets;
using Akka.Hosting;
using Gateway.Core.Actors;
using Gateway.Core.Isp;
using Gateway.Core.Ppp.Auth;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Ppp.Session;
using Gateway.Core.Config;
using Gateway.Core.Crypto;
using Gateway.Core.Hosting;
using Gateway.Emulation.Isp;
using Gateway.Emulation.Modem;
using Gateway.Emulation.Traffic;

namespace Gateway.Emulation.Hosting;

/// <summary>The demo: the seed topology in one process.</summary>
public sealed record DemoOptions
{
    /// <summary>ISP links isp1..ispN.</summary>
    public int Links { get; init; } = 4;

    /// <summary>Line speed of each modem in bits per second (the emulator paces 10 bits per byte).</summary>
    public int LineSpeed { get; init; } = 1_000_000;

    /// <summary>The last link is slower, so the weighted scheduler has something to do.</summary>
    public int SlowLineSpeed { get; init; } = 256_000;

    /// <summary>The receiver's UDP port on 127.0.0.1; 0 picks a free one.</summary>
    public int ReceiverPort { get; init; }

    /// <summary>Probes per second through the bundle (RTT and loss).</summary>
    public double ProbesPerSecond { get; init; } = 20;

    /// <summary>Share of the summed line capacity the bulk stream uses, each way.</summary>
    public double BulkShare { get; init; } = 0.4;

    /// <summary>LCP echo period on the sublinks and the ISP links (fast failure detection).</summary>
    public TimeSpan EchoPeriod { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Issue 13: the sublinks run encrypted (<c>set encrypt require</c> at the receiver, <c>set encrypt on</c> at the
    /// gateway), with a key pair for each end made at start and wiped when the actor system ends. False: FreeBSD
    /// ppp's clear wire.
    /// </summary>
    public bool Encrypt { get; init; } = true;
}

public static class DemoTopology
{
    private static int instances;

    /// <summary>The seed's dial script (ppp.conf.span-isp, <c>default:</c>), as FreeBSD's tokenizer leaves it.</summary>
    public const string SeedDialScript =
        "ABORT BUSY ABORT NO\\sCARRIER ABORT NO\\sDIAL\\sTONE TIMEOUT 4 \"\" ATZ OK-ATZ-OK ATDT\\T TIMEOUT 60 CONNECT \\c \\n";

    /// <summary>
    /// Receiver on a loopback UDP port, N emulated ISPs (our PPP stack in the answering role behind Hayes modem
    /// emulators paced at line speed, forwarding UDP to 127.0.0.1), the gateway's modem links and its <c>vpn</c>
    /// bundle with one sublink over each ISP link, and the traffic generator at both ends. The same actors as
    /// production; only the far ends are emulated.
    /// </summary>
    public static AkkaConfigurationBuilder WithDemoTopology(this AkkaConfigurationBuilder builder, DemoOptions demo)
    {
        int port = demo.ReceiverPort != 0 ? demo.ReceiverPort : FreeUdpPort();
        // Device names are per process (SerialLines holds them): each demo in one process gets its own.
        int instance = Interlocked.Increment(ref instances);
        var receiverAddress = IPAddress.Parse("10.255.0.1");
        var gatewayAddress = IPAddress.Parse("10.255.0.2");
        double totalBits = Enumerable.Range(1, demo.Links).Sum(i => (double)Speed(demo, i));
        double bulk = totalBits * demo.BulkShare;

        EndpointDiscriminator.TryCreateLabel("vpn", out var gatewayDisc, out _);
        EndpointDiscriminator.TryCreateLabel("vpn-in", out var receiverDisc, out _);
        var member = new SessionSettings
        {
            Framing = FramingMode.Sync,
            Lcp = LcpSettings.Default with { Accm = null, Mrru = 1500, EndpointDiscriminator = gatewayDisc },
            Ipcp = null,
            Compression = CompressionControl.ProtocolReject,
            AuthName = "vpnname",
            AuthKey = Secret.FromText("vpnkey"),
        };
        var receiver = new ReceiverOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, port),
            MemberSession = member with
            {
                Lcp = member.Lcp with { EndpointDiscriminator = receiverDisc, EnableChap = true },
                AuthName = "vpn-in",
                AuthKey = Secret.Empty,
                Secrets = new InMemorySecretStore().Add("vpnname", Secret.FromText("vpnkey")),
            },
            Bundle = new BundleSettings { Name = "vpn-in", Ipcp = IpcpSettings.Default with { LocalAddress = receiverAddress } },
            PeerAddresses = [gatewayAddress],
            EchoPeriod = demo.EchoPeriod,
            // The receiver cannot know the modems' speeds, so it weighs its sublinks alike: its stream stays small
            // enough for the slowest line's share (the gateway's, weighted by line speed, carries the bulk).
            DataPlane = new TrafficDataPlaneFactory(new TrafficOptions { ProbesPerSecond = 0, Reflect = true, BulkBitsPerSecond = Math.Min(bulk, demo.SlowLineSpeed * demo.Links * 0.5) }),
        };
        var keys = demo.Encrypt ? DemoKeys.Create("vpnname") : null;
        if (keys is not null)
            receiver = receiver with { Encryption = new ReceiverEncryption(EncryptionMode.Require, keys.Receiver, keys.Allowed) };

        var links = new List<IspLinkSpec>();
        var bindings = new List<SublinkBinding>();
        for (int i = 1; i <= demo.Links; i++)
        {
            string name = $"isp{i}";
            string phone = $"555010{i}";
            var ispSecrets = new InMemorySecretStore().Add($"{name}name", Secret.FromText($"{name}key"));
            var isp = new IspEndpoint(new IspEndpointOptions($"{name}-in", IPAddress.Parse($"10.0.{i}.1"), IPAddress.Parse($"10.0.{i}.2"))
            {
                Authentication = i % 2 == 1 ? IspAuthentication.Chap : IspAuthentication.Pap,
                Secrets = ispSecrets,
            });
            var numbers = new ModemDirectory().Set(phone, NumberBehaviour.Answer);
            var options = new IspLinkOptions(name, [$"/dev/demo{instance}-modem{i}"])
            {
                Speed = Speed(demo, i),
                HardwareFlowControl = false,
                DialScript = SeedDialScript,
                Phone = phone,
                Redial = new RedialSpec(TimeSpan.FromSeconds(3), TimeSpan.Zero, 10, TimeSpan.FromSeconds(3), 5),
                AuthName = $"{name}name",
                AuthKey = Secret.FromText($"{name}key"),
                EnableLqr = true,
                EnableEcho = true,
                QualityPeriod = demo.EchoPeriod,
                MaxMissedEchoes = 3,
            };
            links.Add(new IspLinkSpec(name, ModemLinkActor.SupervisedProps(options, new InProcessModemLines(numbers, isp))));
            // The ISP forwards UDP to the same port on 127.0.0.1: RIPn may be any address inside its network.
            bindings.Add(new SublinkBinding(name, "vpn", i.ToString(), new IPEndPoint(IPAddress.Parse($"10.0.{i}.1"), port),
                (ushort)(40000 + i), Speed(demo, i) / 10.0));
        }

        var gateway = new GatewayOptions
        {
            Bundles =
            [
                new BundleOptions
                {
                    Settings = new BundleSettings { Name = "vpn", Ipcp = IpcpSettings.Default with { LocalAddress = IPAddress.Any } },
                    MemberSession = member,
                    EchoPeriod = demo.EchoPeriod,
                    DataPlane = new TrafficDataPlaneFactory(new TrafficOptions { ProbesPerSecond = demo.ProbesPerSecond, BulkBitsPerSecond = bulk, Reflect = true }),
                    Encryption = keys is null ? null : new SublinkSecurity.Initiator(keys.Gateway, keys.Receiver.PublicKey),
                },
            ],
            IspLinks = links,
            Bindings = bindings,
        };
        if (keys is not null)
            builder = builder.AddStartup((system, _) => system.RegisterOnTermination(keys.Dispose));
        return builder.WithReceiverActors(receiver).WithGatewayActors(gateway);
    }

    /// <summary>The demo's two static key pairs and the receiver's allow-list naming the gateway's key for its authname.</summary>
    private sealed class DemoKeys : IDisposable
    {
        private DemoKeys(KeyPair gateway, KeyPair receiver, PeerAllowList allowed) => (Gateway, Receiver, Allowed) = (gateway, receiver, allowed);

        public KeyPair Gateway { get; }

        public KeyPair Receiver { get; }

        public PeerAllowList Allowed { get; }

        public static DemoKeys Create(string authName)
        {
            var gateway = KeyPair.Generate();
            var allowed = new PeerAllowList();
            allowed.Add(authName, gateway.PublicKey, "demo gateway");
            return new DemoKeys(gateway, KeyPair.Generate(), allowed);
        }

        public void Dispose()
        {
            Allowed.Dispose();
            Gateway.Dispose();
            Receiver.Dispose();
        }
    }

    private static int Speed(DemoOptions demo, int link) => link == demo.Links && demo.Links > 1 ? demo.SlowLineSpeed : demo.LineSpeed;

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
