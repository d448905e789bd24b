using System.Net;
using System.Net.Sockets;
using Gateway.Core.Transport;
using Gateway.Tests.Support;

namespace Gateway.Tests.Transport;

/// <summary>NIC mode with SO_BINDTODEVICE, between two namespaces joined by a veth pair made for the test.</summary>
public sealed class UdpBoundToDeviceTests
{
    private static readonly IPEndPoint Receiver = new(IPAddress.Parse("10.77.0.2"), 6671);

    [SkippableFact]
    public void A_path_bound_to_an_interface_reaches_the_receiver_and_reports_the_interface_going_down()
    {
        Skip.If(NetNs.WhyUnavailable is not null, NetNs.WhyUnavailable);
        using var gateway = NetNs.Create();
        using var receiver = NetNs.Create();
        var (nic, _) = gateway.AddVethPair(receiver, "10.77.0.1/24", "10.77.0.2/24");

        var atReceiver = new RecordingDatagramHandler();
        using var listener = receiver.RunInside(() => new UdpSharedListener(new UdpListenerOptions { LocalEndPoint = Receiver }));
        listener.Start(atReceiver);
        var atSublink = new RecordingDatagramHandler();
        using var path = gateway.RunInside(() => new UdpDatagramPath(new UdpPathOptions { Remote = Receiver, BindToDevice = nic }));
        path.Start(atSublink);

        Assert.True(path.Send([1, 2, 3]));
        var (data, sender) = atReceiver.NextDatagram();
        Assert.Equal([1, 2, 3], data);
        Assert.Equal(IPAddress.Parse("10.77.0.1"), sender.Address);

        gateway.Ip("link", "set", nic, "down");
        Assert.False(path.Send([4]));
        var failure = atSublink.NextFailure();
        Assert.Equal(DatagramFailureKind.SendFailed, failure.Kind);
        Assert.Contains(failure.Error.SocketErrorCode, new[] { SocketError.NetworkDown, SocketError.NetworkUnreachable, SocketError.HostUnreachable });
        Assert.False(failure.Fatal);
        Assert.True(path.IsReceiving);
    }

    [SkippableFact]
    public void Binding_to_an_interface_that_does_not_exist_fails_at_once()
    {
        Skip.If(NetNs.WhyUnavailable is not null, NetNs.WhyUnavailable);
        using var ns = NetNs.Create();
        var error = Assert.Throws<InvalidOperationException>(() =>
            ns.RunInside(() => new UdpDatagramPath(new UdpPathOptions { Remote = Receiver, BindToDevice = NetNs.UniqueInterfaceName("none") })));
        Assert.IsType<SocketException>(error.InnerException);
    }
}
