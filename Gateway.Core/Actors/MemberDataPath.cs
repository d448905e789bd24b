using Gateway.Core.Actors.Messages;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Framing;

namespace Gateway.Core.Actors;

/// <summary>
/// The data plane of one member link, used on its bundle's thread: it frames a Multilink fragment with the header
/// compression LCP agreed and sends it straight on the sublink's transport, so data does not queue behind the
/// sublink actor's mailbox (one actor hop and one copy less per fragment). The sublink actor keeps the control
/// plane (LCP, authentication, echo) and closes this path the moment it leaves the Network phase. Transports'
/// <see cref="Transport.IDatagramSender.Send"/> is safe from any thread.
/// </summary>
public sealed class MemberDataPath
{
    private readonly ISublinkTransport transport;
    private readonly PppHeaderCompression compression;
    private readonly int peerMru;
    private readonly Action<Exception> onFault;
    private readonly bool frame;
    private byte[] scratch = new byte[2048];
    private long framesOut;
    private long octetsOut;
    private long refused;
    private volatile bool closed;
    private long rttTicks = -1;
    private long latestRttTicks = -1;

    /// <param name="onFault">
    /// Told (once) when the transport throws: a bug in the sublink's code path is the sublink's fault, so it goes to
    /// the sublink actor (and its supervisor), never up the bundle's stack.
    /// </param>
    /// <param name="frame">
    /// False for a member link on another node of the receiver cluster: the fragment goes to its relay as it is, and
    /// the sublink's own data path there frames it (<see cref="Cluster.MemberRelay"/>).
    /// </param>
    public MemberDataPath(ISublinkTransport transport, PppHeaderCompression compression, int peerMru, Action<Exception> onFault, bool frame = true)
    {
        this.transport = transport;
        this.compression = compression;
        this.peerMru = peerMru;
        this.onFault = onFault;
        this.frame = frame;
    }

    public long FramesOut => Interlocked.Read(ref framesOut);

    public long OctetsOut => Interlocked.Read(ref octetsOut);

    /// <summary>Fragments not sent: the path was closed, the fragment exceeded the peer's MRU, or the transport refused it.</summary>
    public long Refused => Interlocked.Read(ref refused);

    public bool IsClosed => closed;

    /// <summary>Whether a fragment sent now would be taken: open, and the transport's queue (if it has one of ours) not full.</summary>
    public bool HasRoom => !closed && transport.HasRoom;

    /// <summary>The round trip of the path's latest LCP echo reply; null before the first.</summary>
    public TimeSpan? LatestRtt
    {
        get => Interlocked.Read(ref latestRttTicks) is var t and >= 0 ? TimeSpan.FromTicks(t) : null;
        set => Interlocked.Exchange(ref latestRttTicks, value?.Ticks ?? -1);
    }

    /// <summary>The path's smoothed round-trip time as the sublink's LCP echo measures it; null before the first reply.</summary>
    public TimeSpan? SmoothedRtt
    {
        get => Interlocked.Read(ref rttTicks) is var t and >= 0 ? TimeSpan.FromTicks(t) : null;
        set => Interlocked.Exchange(ref rttTicks, value?.Ticks ?? -1);
    }

    /// <summary>Sends one fragment (MP header and data); false when it was not sent (counted). One caller at a time.</summary>
    public bool Send(ReadOnlySpan<byte> fragment)
    {
        if (closed || fragment.Length > peerMru)
        {
            Interlocked.Increment(ref refused);
            return false;
        }
        int written = fragment.Length;
        if (frame)
        {
            int needed = SyncFrameEncoder.MaxEncodedLength(fragment.Length);
            if (scratch.Length < needed)
                scratch = new byte[needed];
            written = SyncFrameEncoder.Encode(PppProtocol.Multilink, fragment, scratch, compression);
        }
        bool sent;
        try
        {
            sent = transport.Send(frame ? scratch.AsSpan(0, written) : fragment);
        }
        catch (ObjectDisposedException)
        {
            // The sublink stopped between our check and the send.
            sent = false;
        }
        catch (Exception e)
        {
            closed = true;
            sent = false;
            onFault(e);
        }
        if (!sent)
        {
            Interlocked.Increment(ref refused);
            return false;
        }
        Interlocked.Increment(ref framesOut);
        Interlocked.Add(ref octetsOut, written);
        return true;
    }

    /// <summary>No more sends: called by the sublink as it leaves the Network phase.</summary>
    public void Close() => closed = true;
}
