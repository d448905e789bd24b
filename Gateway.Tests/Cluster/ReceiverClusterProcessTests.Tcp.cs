using System.Net;
using System.Net.Sockets;
using Gateway.Core.Transport;
using Gateway.Tests.Support;

namespace Gateway.Tests.Cluster;

public sealed partial class ReceiverClusterProcessTests
{
    /// <summary>
    /// Issue 14's acceptance with real devices: three receiver processes with sharded bundles put their bundles' tun
    /// devices in one namespace (the concentrator's side), a gateway puts its own in another (its LAN), and its two
    /// sublinks land on two nodes. A TCP stream from the LAN to a server beside the receivers crosses the bundle, its
    /// bytes checked in order; <c>kill -9</c> of the node that holds the bundle moves it, with its address and device, to a
    /// node that is up, and the same TCP connection carries on.
    /// </summary>
    [SkippableFact]
    public async Task With_sharded_bundles_a_tcp_stream_crosses_two_nodes_in_order_and_survives_kill_9_of_the_bundles_node()
    {
        string? why = NetNs.WhyUnavailable ?? TunDevice.WhyUnavailable();
        Skip.If(why is not null, why);
        using var concentrator = NetNs.Create();
        using var lan = NetNs.Create();
        await using var cluster = await ThreeNodes.StartAsync(output, ["--Gateway:Cluster:ShardBundles=true"], tolerant: true, tunNamespace: concentrator.Name);
        for (int i = 0; i < 3; i++)
            await cluster.WaitForAllUpAsync(i, 3);
        await using var gateway = cluster.StartGatewayPerLink([[0], [1]], tunNamespace: lan.Name);
        var gatewayApi = await gateway.ApiAsync(TimeSpan.FromSeconds(90));
        await gatewayApi.WaitForBundleAsync("vpn-nic", b => b.Up && b.Members.Count == 2, TimeSpan.FromSeconds(60));
        // The gateway's address is from the share of the node that formed its bundle (AddressStripe).
        string device = $"10.255.0.1 peer {(await gatewayApi.BundleAsync("vpn-nic")).LocalAddress}";
        Assert.Matches(@"peer 10\.255\.0\.[2-4]$", device);
        await WaitUntilAsync(() => concentrator.Ip("address", "show").Contains(device, StringComparison.Ordinal), "the bundle's device beside the receivers");

        // A server beside the receivers, a client on the gateway's LAN; the client writes a counting pattern, the server
        // checks every byte of it.
        int port = FreePorts.Tcp();
        using var listener = concentrator.RunInside(() =>
        {
            var l = new TcpListener(IPAddress.Any, port);
            l.Start();
            return l;
        });
        using var client = lan.RunInside(() => new TcpClient(AddressFamily.InterNetwork) { NoDelay = true });
        await client.ConnectAsync(IPAddress.Parse("10.255.0.1"), port).WaitAsync(TimeSpan.FromSeconds(30));
        using var server = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(30));
        using var stop = new CancellationTokenSource();
        var stream = new PatternStream();
        var writing = stream.WriteAsync(client.GetStream(), stop.Token);
        var reading = stream.ReadAsync(server.GetStream(), stop.Token);

        await stream.WaitForAsync(1 << 20, TimeSpan.FromSeconds(60));
        await gatewayApi.WaitForBundleAsync("vpn-nic", b => b.MemberDetails.All(m => m.FragmentsOut > 0), TimeSpan.FromSeconds(30));
        var (holder, entity) = await cluster.FindBundleAsync();
        Assert.Equal(2, entity.Members.Count);                         // one member link from each node
        output.WriteLine($"the bundle is on node {holder + 1}; {stream.Received} bytes in order so far; reassembled {entity.Reassembly.PacketsReassembled}, lost {entity.Reassembly.PacketsLost}");

        // kill -9 of the bundle's node: the bundle forms on a node that is up, with the same address and a device of
        // the same name in the same namespace; TCP retransmits across the gap, and the stream goes on.
        long before = stream.Received;
        var killedAt = cluster.Kill(holder);
        await stream.WaitForAsync(before + (1 << 20), TimeSpan.FromSeconds(90));
        output.WriteLine($"the stream carried on: 1 MiB more {(DateTime.UtcNow - killedAt).TotalSeconds:F1} s after kill -9 of node {holder + 1}");
        var (movedTo, _) = await cluster.FindBundleAsync(except: holder);
        Assert.NotEqual(holder, movedTo);
        Assert.Contains(device, concentrator.Ip("address", "show"));

        stop.Cancel();
        client.Close();
        await Task.WhenAll(writing, reading);
        Assert.Null(stream.Fault);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"no {what} within 60 s");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// A byte stream of a counting pattern (byte i is i mod 251) written at about 6 Mbit/s and checked byte by byte on
    /// the other end: anything out of order, lost or doubled breaks the count.
    /// </summary>
    private sealed class PatternStream
    {
        private long received;

        public long Received => Interlocked.Read(ref received);

        /// <summary>The first thing wrong with the stream (a byte out of pattern, a reset), or null.</summary>
        public string? Fault { get; private set; }

        public async Task WriteAsync(NetworkStream stream, CancellationToken stop)
        {
            var chunk = new byte[8192];
            long sent = 0;
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    for (int i = 0; i < chunk.Length; i++)
                        chunk[i] = (byte)((sent + i) % 251);
                    await stream.WriteAsync(chunk, stop);
                    sent += chunk.Length;
                    await Task.Delay(10, stop);
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (IOException e) when (!stop.IsCancellationRequested)
            {
                Fault ??= $"writing: {e.Message}";
            }
        }

        public async Task ReadAsync(NetworkStream stream, CancellationToken stop)
        {
            var buffer = new byte[65536];
            try
            {
                while (true)
                {
                    int n = await stream.ReadAsync(buffer, stop);
                    if (n == 0)
                        return;
                    long at = Received;
                    for (int i = 0; i < n; i++)
                    {
                        if (buffer[i] != (byte)((at + i) % 251))
                        {
                            Fault ??= $"byte {at + i} is {buffer[i]}, not {(at + i) % 251}";
                            return;
                        }
                    }
                    Interlocked.Add(ref received, n);
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (IOException e) when (!stop.IsCancellationRequested)
            {
                Fault ??= $"reading: {e.Message}";
            }
        }

        public async Task WaitForAsync(long bytes, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (Received < bytes)
            {
                Assert.True(Fault is null, Fault);
                if (DateTime.UtcNow > deadline)
                    Assert.Fail($"the stream reached {Received} of {bytes} bytes in {timeout}");
                await Task.Delay(50);
            }
        }
    }
}
