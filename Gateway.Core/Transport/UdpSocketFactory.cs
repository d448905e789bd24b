using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gateway.Core.Transport;

/// <summary>Creates and configures the UDP sockets of the datagram paths.</summary>
internal static class UdpSocketFactory
{
    private const int SolSocket = 1;       // SOL_SOCKET, Linux <asm-generic/socket.h>
    private const int SoBindToDevice = 25; // SO_BINDTODEVICE, Linux socket(7)
    private const int InterfaceNameMax = 15; // IFNAMSIZ - 1, Linux <net/if.h>

    public static Socket Create(AddressFamily family, string? bindToDevice, int receiveBufferBytes, int sendBufferBytes)
    {
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (receiveBufferBytes > 0)
                socket.ReceiveBufferSize = receiveBufferBytes;
            if (sendBufferBytes > 0)
                socket.SendBufferSize = sendBufferBytes;
            if (bindToDevice is not null)
                BindToDevice(socket, bindToDevice);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>SO_BINDTODEVICE: the socket sends and receives only through the named interface (needs CAP_NET_RAW).</summary>
    public static void BindToDevice(Socket socket, string interfaceName)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("SO_BINDTODEVICE exists only on Linux");
        if (interfaceName.Length is 0 or > InterfaceNameMax)
            throw new ArgumentException($"interface name must be 1 to {InterfaceNameMax} characters", nameof(interfaceName));
        Span<byte> name = stackalloc byte[InterfaceNameMax + 1];
        name.Clear();
        int length = Encoding.ASCII.GetBytes(interfaceName, name);
        socket.SetRawSocketOption(SolSocket, SoBindToDevice, name[..(length + 1)]);
    }

    /// <summary>
    /// Sends one datagram on a connected socket (<paramref name="to"/> null) or to <paramref name="to"/>, without
    /// throwing or allocating: the outcome is the socket error (<see cref="SocketError.OperationAborted"/> once closed).
    /// </summary>
    public static SocketError SendOne(Socket socket, ReadOnlySpan<byte> datagram, SocketAddress? to)
    {
        try
        {
            if (to is null)
            {
                socket.Send(datagram, SocketFlags.None, out var error);
                return error;
            }
            socket.SendTo(datagram, SocketFlags.None, to);
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
        catch (ObjectDisposedException)
        {
            return SocketError.OperationAborted;
        }
    }

    /// <summary>The socket buffer was full: the datagram is dropped, as a router would.</summary>
    public static bool IsBufferFull(SocketError error) => error is SocketError.WouldBlock or SocketError.NoBufferSpaceAvailable;

    /// <summary>ICMP port unreachable: ECONNREFUSED on Linux, WSAECONNRESET on Windows.</summary>
    public static bool IsPeerUnreachable(SocketError error) => error is SocketError.ConnectionRefused or SocketError.ConnectionReset;

    /// <summary>
    /// An error the kernel queued on the socket from an ICMP message (port, host, network or protocol
    /// unreachable; RFC 1122 4.1.3.3 says UDP must pass these up): it concerns the path, not the socket,
    /// and the next receive works again.
    /// </summary>
    public static bool IsIcmpReported(SocketError error) =>
        IsPeerUnreachable(error) || error is SocketError.HostUnreachable or SocketError.NetworkUnreachable
            or SocketError.HostDown or SocketError.NetworkDown or SocketError.ProtocolOption;

    /// <summary>Shuts the socket down (which wakes a receive blocked in the kernel) and closes it.</summary>
    public static void Close(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // not connected: closing is enough
        }
        catch (ObjectDisposedException)
        {
            // already closed under us
        }
        socket.Dispose();
    }

    public static IPEndPoint ToEndPoint(SocketAddress address) =>
        (IPEndPoint)new IPEndPoint(address.Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0).Create(address);

    public static SocketAddress CopyOf(SocketAddress address)
    {
        var copy = new SocketAddress(address.Family, address.Size);
        address.Buffer.Span[..address.Size].CopyTo(copy.Buffer.Span);
        return copy;
    }
}
