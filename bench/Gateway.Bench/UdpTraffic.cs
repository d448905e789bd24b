using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Gateway.Bench;

/// <summary>Sizes are IP packet lengths (what a tun device and the bundle carry); the UDP payload is 28 octets less.</summary>
public static class PacketSize
{
    public const int IpUdpHeaders = 28; // IPv4 (20, no options) + UDP (8)

    public static int Payload(int ipLength) => Math.Max(0, ipLength - IpUdpHeaders);
}

/// <summary>Counts what arrives on one UDP socket, on its own thread, until disposed.</summary>
public sealed class UdpSink : IDisposable
{
    private readonly Socket socket;
    private readonly Thread thread;
    private long packets;
    private long bytes;
    private volatile bool stopping;

    /// <summary>Binds <paramref name="listen"/> inside namespace <paramref name="netns"/> (null: here).</summary>
    public UdpSink(IPEndPoint listen, string? netns = null)
    {
        socket = Namespaces.RunIn(netns, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 8 << 20 };
            s.Bind(listen);
            return s;
        });
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        thread = new Thread(Loop) { IsBackground = true, Name = $"sink {listen}" };
        thread.Start();
    }

    public IPEndPoint LocalEndPoint { get; }

    public long Packets => Interlocked.Read(ref packets);

    /// <summary>IP octets received (UDP payload plus the 28 octets of headers each packet carried).</summary>
    public long Bytes => Interlocked.Read(ref bytes);

    private void Loop()
    {
        var buffer = new byte[65536];
        while (!stopping)
        {
            int n;
            try
            {
                n = socket.Receive(buffer);
            }
            catch (SocketException)
            {
                if (stopping)
                    return;
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref packets);
            Interlocked.Add(ref bytes, n + PacketSize.IpUdpHeaders);
        }
    }

    public void Dispose()
    {
        stopping = true;
        socket.Dispose();
        thread.Join(1000);
    }
}

/// <summary>
/// Sends UDP packets of one size from a socket in a namespace, on its own thread: at a fixed rate, or as fast as the
/// path takes them with at most <c>window</c> packets in flight (sent and not yet counted by a sink in this process),
/// so a blaster sharing 2 cores with what it measures does not spend them on packets that would be dropped. A window
/// that stalls (losses) is written off after <see cref="StallTimeout"/>.
/// </summary>
public sealed class UdpBlaster : IDisposable
{
    private static readonly TimeSpan StallTimeout = TimeSpan.FromMilliseconds(20);
    private readonly Socket socket;
    private readonly Thread thread;
    private readonly int payload;
    private readonly double rate;
    private readonly int window;
    private readonly Func<long>? delivered;
    private volatile bool stopping;
    private long sent;

    public UdpBlaster(IPEndPoint destination, int ipLength, string? netns = null, double packetsPerSecond = 0, int window = 0, Func<long>? delivered = null)
    {
        if (window > 0 && delivered is null)
            throw new ArgumentException("a window needs a count of delivered packets", nameof(delivered));
        payload = PacketSize.Payload(ipLength);
        rate = packetsPerSecond;
        this.window = window;
        this.delivered = delivered;
        socket = Namespaces.RunIn(netns, () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { SendBufferSize = 4 << 20 };
            s.Connect(destination);
            return s;
        });
        thread = new Thread(Loop) { IsBackground = true, Name = $"blaster {destination}" };
        thread.Start();
    }

    public long Sent => Interlocked.Read(ref sent);

    public long SendErrors { get; private set; }

    private void Loop()
    {
        var buffer = new byte[Math.Max(payload, 8)];
        Random.Shared.NextBytes(buffer);
        var clock = Stopwatch.StartNew();
        long writtenOff = 0;
        long lastDelivered = 0;
        var lastProgress = clock.Elapsed;
        var spin = new SpinWait();
        while (!stopping)
        {
            long count = sent;
            if (rate > 0 && count >= rate * clock.Elapsed.TotalSeconds)
            {
                Thread.Sleep(0);
                continue;
            }
            if (window > 0)
            {
                long arrived = delivered!();
                if (arrived != lastDelivered)
                {
                    lastDelivered = arrived;
                    lastProgress = clock.Elapsed;
                }
                if (count - arrived - writtenOff >= window)
                {
                    if (clock.Elapsed - lastProgress > StallTimeout)
                    {
                        writtenOff = count - arrived;
                        lastProgress = clock.Elapsed;
                    }
                    spin.SpinOnce(sleep1Threshold: -1);
                    continue;
                }
            }
            try
            {
                socket.Send(buffer.AsSpan(0, payload));
                Interlocked.Increment(ref sent);
            }
            catch (SocketException)
            {
                // ICMP errors of earlier datagrams, a full queue: counted, never fatal for a load generator.
                SendErrors++;
            }
        }
    }

    public void Dispose()
    {
        stopping = true;
        thread.Join(2000);
        socket.Dispose();
    }
}
