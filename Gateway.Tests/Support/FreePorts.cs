using System.Net;
using System.Net.Sockets;

namespace Gateway.Tests.Support;

/// <summary>
/// Loopback ports free at the moment of asking (bound to port 0 and released), for the processes and hosts a test
/// starts; another process could take one in between, which would fail the test loudly, not silently.
/// </summary>
public static class FreePorts
{
    public static int Udp()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public static int Tcp()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
