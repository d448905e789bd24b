using System.Net;
using System.Net.Sockets;

namespace Gateway.Core.Transport;

/// <summary>
/// The callback target of a datagram receive loop. Captured once, before the loop starts; every call
/// comes from the loop's own thread, so an actor implements it by copying what it needs and telling itself.
/// </summary>
public interface IDatagramHandler
{
    /// <summary>
    /// One datagram. <paramref name="datagram"/> and <paramref name="sender"/> are owned by the loop and
    /// are valid only during the call: copy what must outlive it.
    /// </summary>
    void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress sender);

    /// <summary>
    /// A socket error. When <see cref="DatagramPathFailure.Fatal"/> the loop has ended and the socket is
    /// unusable: close the sublink at once. Otherwise (ICMP port unreachable, a failed send) the loop goes on
    /// and the owner decides.
    /// </summary>
    void OnFailure(DatagramPathFailure failure);
}

/// <summary>Something that sends whole datagrams to one peer (a sublink's way out).</summary>
public interface IDatagramSender
{
    /// <summary>
    /// Sends one datagram; returns false when it was not sent (counted; a socket error is also reported to
    /// the handler). Never throws for network errors, never allocates on success.
    /// </summary>
    bool Send(ReadOnlySpan<byte> datagram);

    /// <summary>
    /// Whether <see cref="Send"/> would take a datagram now: false while a queue of ours in front of the wire is full
    /// (an ISP link's outbound lane). A socket, which the kernel queues for, always has room.
    /// </summary>
    bool HasRoom => true;
}

/// <summary>What went wrong with a UDP socket.</summary>
public enum DatagramFailureKind : byte
{
    /// <summary>
    /// ICMP said the peer cannot be reached: port unreachable (Linux reports ECONNREFUSED on a connected UDP
    /// socket, Windows WSAECONNRESET), or host, network or protocol unreachable (the error code says which).
    /// The socket is fine. Reported once until a datagram arrives from the peer again.
    /// </summary>
    PeerUnreachable,

    /// <summary>A send failed for a reason other than a full buffer (network or host unreachable, interface gone...).</summary>
    SendFailed,

    /// <summary>The socket failed or was closed under the receive loop; the loop has ended.</summary>
    SocketFailed,
}

/// <summary>A typed socket failure handed to <see cref="IDatagramHandler.OnFailure"/>.</summary>
/// <param name="Kind">What failed.</param>
/// <param name="Error">The socket error (a closed socket is reported as <see cref="SocketError.OperationAborted"/>).</param>
/// <param name="Remote">The peer concerned, when one is known.</param>
public sealed record DatagramPathFailure(DatagramFailureKind Kind, SocketException Error, IPEndPoint? Remote)
{
    /// <summary>True when the receive loop has ended and the socket is unusable.</summary>
    public bool Fatal => Kind == DatagramFailureKind.SocketFailed;

    /// <inheritdoc />
    public override string ToString() => $"{Kind} ({Error.SocketErrorCode}) {Remote}";
}
