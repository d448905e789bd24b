using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Gateway.Core.Isp;
using Gateway.Core.Transport;

namespace Gateway.Tests.Isp;

/// <summary>The sublinks' UDP over one ISP link: what goes to the line, and what waited too long to be worth sending.</summary>
public class IspUdpPortsTests
{
    private sealed class Handler : IDatagramHandler
    {
        public void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress sender)
        {
        }

        public void OnFailure(DatagramPathFailure failure)
        {
        }
    }

    [Fact]
    public void A_datagram_that_waited_longer_than_the_line_queue_allows_is_dropped_and_counted_and_a_fresh_one_goes()
    {
        var posted = new List<Packet>();
        var ports = new IspUdpPorts("isp1", posted.Add);
        using var flow = ports.Bind(40001, new IPEndPoint(IPAddress.Parse("127.0.0.1"), 5000), new Handler())!;

        Assert.True(flow.Send([1, 2, 3]));
        Assert.True(flow.Send([4, 5, 6]));
        Assert.Equal(2, posted.Count);
        Assert.Equal(2, ports.Outbound.InFlight);

        // The first waited a little longer than allowed (its stamp moved back), the second just arrived.
        posted[0].Queued -= (long)((IspUdpPorts.MaxQueueDelay.TotalSeconds + 0.01) * Stopwatch.Frequency);
        Assert.False(ports.StillFresh(posted[0]));
        Assert.True(ports.StillFresh(posted[1]));
        Assert.Equal(1, ports.Stale);
        Assert.Equal(0, ports.Outbound.Dropped);
        Assert.Equal(new byte[] { 4, 5, 6 }, posted[1].Span.ToArray());

        foreach (var packet in posted)
            packet.Release();
        Assert.Equal(0, ports.Outbound.InFlight);
    }
}
