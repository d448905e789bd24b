namespace Gateway.Core.Transport;

/// <summary>A snapshot of a datagram socket's counters.</summary>
/// <param name="DatagramsIn">Datagrams delivered to a handler.</param>
/// <param name="BytesIn">Bytes in the datagrams delivered.</param>
/// <param name="DatagramsOut">Datagrams sent.</param>
/// <param name="BytesOut">Bytes sent.</param>
/// <param name="EmptyIn">0-byte datagrams, dropped (a PPP frame is never empty).</param>
/// <param name="OversizeIn">Datagrams longer than the configured maximum, dropped.</param>
/// <param name="UnexpectedSenderIn">Datagrams from a sender nobody registered (dropped, or handed to the unknown-sender handler).</param>
/// <param name="UnexpectedSenderDropped">Unexpected-sender datagrams dropped by the rate bound.</param>
/// <param name="SendDropped">Sends refused by a full socket buffer.</param>
/// <param name="SendErrors">Sends that failed with another socket error.</param>
/// <param name="PeerUnreachable">ICMP port-unreachable errors seen.</param>
public readonly record struct DatagramCounters(
    long DatagramsIn, long BytesIn, long DatagramsOut, long BytesOut,
    long EmptyIn, long OversizeIn, long UnexpectedSenderIn, long UnexpectedSenderDropped,
    long SendDropped, long SendErrors, long PeerUnreachable);

/// <summary>Thread-safe counters behind <see cref="DatagramCounters"/>.</summary>
internal sealed class DatagramCounterSet
{
    public long DatagramsIn, BytesIn, DatagramsOut, BytesOut, EmptyIn, OversizeIn,
        UnexpectedSenderIn, UnexpectedSenderDropped, SendDropped, SendErrors, PeerUnreachable;

    public void CountIn(int length)
    {
        Interlocked.Increment(ref DatagramsIn);
        Interlocked.Add(ref BytesIn, length);
    }

    public void CountOut(int length)
    {
        Interlocked.Increment(ref DatagramsOut);
        Interlocked.Add(ref BytesOut, length);
    }

    public DatagramCounters Snapshot() => new(
        Volatile.Read(ref DatagramsIn), Volatile.Read(ref BytesIn), Volatile.Read(ref DatagramsOut),
        Volatile.Read(ref BytesOut), Volatile.Read(ref EmptyIn), Volatile.Read(ref OversizeIn),
        Volatile.Read(ref UnexpectedSenderIn), Volatile.Read(ref UnexpectedSenderDropped),
        Volatile.Read(ref SendDropped), Volatile.Read(ref SendErrors), Volatile.Read(ref PeerUnreachable));
}
