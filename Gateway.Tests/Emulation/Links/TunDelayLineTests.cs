using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Gateway.Core.Transport;
using Gateway.Emulation.Links;
using Gateway.Tests.Support;

namespace Gateway.Tests.Emulation.Links;

/// <summary>
/// The tun delay line (issue 16) on real kernel routing in two namespaces: ns a sends UDP to ns b over a veth, and
/// policy routing in a sends every packet for b's subnet through the line first (the bonding bench's DelayLines does
/// the same per ISP link). Waits on the datagrams and counters, never on timing.
/// </summary>
public sealed class TunDelayLineTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [SkippableFact]
    public void Kernel_traffic_routed_into_the_line_comes_out_on_the_link_delayed_in_order_and_lost_as_told()
    {
        string? why = NetNs.WhyUnavailable ?? TunDevice.WhyUnavailable();
        Skip.If(why is not null, why);
        using var a = NetNs.Create();
        using var b = NetNs.Create();
        var (veth, _) = a.AddVethPair(b, "10.77.0.1/24", "10.77.0.2/24");
        using var line = new TunDelayLine(NetNs.UniqueInterfaceName("dl"), a.Name, 1500, seed: 5);
        // a forwards what the line writes back (it arrives on the line's device); its source is a's own address
        a.Exec("sysctl", "-qw", "net.ipv4.ip_forward=1", $"net.ipv4.conf.{line.Name}.accept_local=1", $"net.ipv4.conf.{line.Name}.rp_filter=0", "net.ipv4.conf.all.rp_filter=0");
        a.Ip("route", "add", "10.77.0.0/24", "dev", veth, "table", "201");
        a.Ip("route", "add", "default", "dev", line.Name, "src", "10.77.0.1", "table", "301");
        a.Ip("rule", "add", "iif", line.Name, "lookup", "201", "pref", "50");
        a.Ip("rule", "add", "to", "10.77.0.0/24", "lookup", "301", "pref", "61");
        line.Direction.Delay = TimeSpan.FromMilliseconds(50);

        using var receiver = b.RunInside(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        receiver.Bind(new IPEndPoint(IPAddress.Parse("10.77.0.2"), 7777));
        receiver.ReceiveTimeout = (int)Patience.TotalMilliseconds;
        using var sender = a.RunInside(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        sender.Connect(new IPEndPoint(IPAddress.Parse("10.77.0.2"), 7777));

        // delayed: each datagram arrives, in order, no sooner than the line's delay after it was sent (less 1 ms), from a's own address
        var buffer = new byte[64];
        for (byte i = 0; i < 10; i++)
        {
            var sent = Stopwatch.StartNew();
            sender.Send([i]);
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int n = receiver.ReceiveFrom(buffer, ref from);
            // the line's scheduler sends what is due within the next half millisecond
            Assert.True(sent.Elapsed >= TimeSpan.FromMilliseconds(49), $"datagram {i} took {sent.Elapsed.TotalMilliseconds} ms through a 50 ms line");
            Assert.Equal([i], buffer[..n]);
            Assert.Equal(IPAddress.Parse("10.77.0.1"), ((IPEndPoint)from).Address);
        }
        // at least ours: the kernel's own IPv6 router solicitations on the device go through the line too
        Assert.True(line.Direction.Counters.Forwarded >= 10);

        // lost: all of it, counted; the next datagram after the loss is switched off is the next to arrive
        line.Direction.Delay = TimeSpan.Zero;
        line.Direction.LossProbability = 1;
        for (byte i = 0; i < 5; i++)
            sender.Send([(byte)(100 + i)]);
        Assert.True(SpinWait.SpinUntil(() => line.Direction.Counters.DroppedLoss >= 5, Patience));
        line.Direction.LossProbability = 0;
        sender.Send([200]);
        int got = receiver.Receive(buffer);
        Assert.Equal([200], buffer[..got]);
        Assert.Equal(0, line.WriteFailures);
        Assert.Null(line.Failure);
    }
}
