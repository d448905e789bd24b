using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Gateway.Core.Actors;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Hosting;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Ppp.Session;
using Gateway.Core.Status;
using Gateway.Core.Transport;

namespace Gateway.Tests.Actors;

/// <summary>Helpers shared by the receiver, supervision and namespace end-to-end tests.</summary>
internal static class ReceiverTestSupport
{
    /// <summary>A NIC-mode sublink: an ordinary UDP socket to the receiver, as the product's <see cref="SublinkTransports.Udp"/>.</summary>
    public static SublinkTransportFactory Nic(IPEndPoint receiver) => SublinkTransports.Udp(new UdpPathOptions { Remote = receiver });

    /// <summary>A gateway bundle of <paramref name="sublinks"/> NIC sublinks to <paramref name="receiver"/>.</summary>
    public static BundleOptions NicBundle(
        string name, IPEndPoint receiver, SessionSettings member, int sublinks = 2, Func<string, SublinkTransportFactory>? transport = null) =>
        new()
        {
            Settings = new BundleSettings { Name = name, Ipcp = IpcpSettings.Default with { LocalAddress = IPAddress.Any } },
            MemberSession = member,
            Sublinks = Enumerable.Range(1, sublinks)
                .Select(i => i.ToString())
                .Select(n => new SublinkSpec(n, transport?.Invoke(n) ?? Nic(receiver), "nic", receiver))
                .ToArray(),
        };

    /// <summary>Starts a gateway actor system with one or more bundles through the production wiring.</summary>
    public static Task<ActorHost> GatewayAsync(string systemName, params BundleOptions[] bundles) =>
        ActorHost.StartAsync(systemName, a => a.WithGatewayActors(new GatewayOptions { Bundles = bundles }));

    public static Task<BundleStatus> StatusAsync(IActorRef bundle) =>
        bundle.Ask<BundleStatus>(BundleMessages.GetBundleStatus.Instance, TimeSpan.FromSeconds(5));

    public static async Task<ReceiverActor.ReceiverStatus> ReceiverStatusAsync(ActorHost receiver)
    {
        var actor = await receiver.GetAsync<ActorKeys.Receiver>();
        return await actor.Ask<ReceiverActor.ReceiverStatus>(ReceiverActor.GetReceiverStatus.Instance, TimeSpan.FromSeconds(5));
    }

    public static async Task<ReceiverActor.ReceiverStatus> WaitForReceiverAsync(
        ActorHost receiver, Func<ReceiverActor.ReceiverStatus, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        ReceiverActor.ReceiverStatus status;
        do
        {
            status = await ReceiverStatusAsync(receiver);
            if (condition(status))
                return status;
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        throw new Xunit.Sdk.XunitException($"receiver never reached the expected state; last: {status}");
    }

    /// <summary>Sends probes <paramref name="first"/> .. <paramref name="first"/>+<paramref name="count"/>-1 into a bundle, about 10,000 a second.</summary>
    public static async Task SendProbesAsync(IActorRef bundle, int first, int count, Action<int>? before = null)
    {
        for (int i = 0; i < count; i++)
        {
            before?.Invoke(i);
            bundle.Tell(new BundleMessages.SendIp(BundleEndToEndTests.ProbeSink.Packet(first + i)));
            if (i % 50 == 49)
                await Task.Delay(5);
        }
    }

    /// <summary>A UDP socket bound to <paramref name="address"/> (default 127.0.0.1) and <paramref name="port"/> (0: any).</summary>
    public static Socket Bound(int port, IPAddress? address = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(address ?? IPAddress.Loopback, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static int Send(Socket socket, byte[] datagram, IPEndPoint to)
    {
        socket.SendTo(datagram, to);
        return 1;
    }

    /// <summary>FF 03 C0 21 01 id 00 0E, MRU 1500, Magic-Number (RFC 1661 5.1, 6.1, 6.4).</summary>
    public static byte[] ConfigureRequest(byte identifier, uint magic)
    {
        var frame = new byte[] { 0xFF, 0x03, 0xC0, 0x21, 0x01, identifier, 0x00, 0x0E, 0x01, 0x04, 0x05, 0xDC, 0x05, 0x06, 0, 0, 0, 0 };
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(14), magic);
        return frame;
    }

    /// <summary>Subscribes a collector to an actor system's event stream and keeps every event of type <typeparamref name="T"/>.</summary>
    public static ConcurrentQueue<T> Collect<T>(ActorHost host)
    {
        var queue = new ConcurrentQueue<T>();
        var collector = host.System.ActorOf(Props.Create(() => new Collector<T>(queue)));
        host.System.EventStream.Subscribe(collector, typeof(T));
        return queue;
    }

    private sealed class Collector<T> : ReceiveActor
    {
        public Collector(ConcurrentQueue<T> queue) => Receive<T>(queue.Enqueue);
    }
}

/// <summary>Records the probe sequence numbers out of the receiver's bundles, by bundle name.</summary>
internal sealed class BundleProbeSink : IPacketSink
{
    private readonly object gate = new();
    private readonly Dictionary<string, List<int>> byBundle = new(StringComparer.Ordinal);
    private long total;

    public void OnPacket(string bundle, ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 32)
            return;
        int seq = BinaryPrimitives.ReadInt32BigEndian(packet[28..]);
        lock (gate)
        {
            if (!byBundle.TryGetValue(bundle, out var list))
                byBundle[bundle] = list = [];
            list.Add(seq);
            total++;
        }
    }

    public long Total
    {
        get
        {
            lock (gate)
                return total;
        }
    }

    /// <summary>The receiver bundles that delivered a probe in [first, first+count), with their sequences.</summary>
    public Dictionary<string, List<int>> Delivered(int first, int count)
    {
        lock (gate)
        {
            return byBundle
                .Select(b => (b.Key, Seqs: b.Value.Where(s => s >= first && s < first + count).ToList()))
                .Where(b => b.Seqs.Count > 0)
                .ToDictionary(b => b.Key, b => b.Seqs);
        }
    }

    public async Task WaitForQuietAsync(TimeSpan quiet, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        long count = -1;
        while (DateTime.UtcNow < deadline)
        {
            long now = Total;
            if (now == count)
                return;
            count = now;
            await Task.Delay(quiet);
        }
    }
}

/// <summary>Takes the IP packets a bundle delivers, with the bundle's name (a test's view of a data plane).</summary>
internal interface IPacketSink
{
    void OnPacket(string bundle, ReadOnlySpan<byte> packet);
}

/// <summary>A data plane that hands every packet a bundle delivers to a test's sink.</summary>
internal sealed class SinkDataPlaneFactory(IPacketSink sink) : IDataPlaneFactory
{
    public IDataPlane Open(DataPlaneContext context) => new Plane(sink, context.Bundle);

    private sealed class Plane(IPacketSink sink, string bundle) : IDataPlane
    {
        public void Deliver(ReadOnlySpan<byte> packet, TimeSpan now) => sink.OnPacket(bundle, packet);

        public void Dispose()
        {
        }
    }
}
