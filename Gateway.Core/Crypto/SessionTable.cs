using System.Collections.Concurrent;

namespace Gateway.Core.Crypto;

/// <summary>
/// The sessions of one socket by local index: what a UDP receive loop asks first for every transport datagram
/// (WireGuard 5.4.6: the receiver index alone names the session, so a datagram's source address plays no part).
/// Lookups are lock-free and allocate nothing; sessions are added and removed from any thread.
/// <para>
/// Keep a replaced session in the table until it expires: packets sealed with it may still be in flight on a slow
/// path after the new handshake (WireGuard keeps the previous keypair for the same reason).
/// </para>
/// </summary>
public sealed class SessionTable
{
    private readonly ConcurrentDictionary<uint, TransportSession> byIndex = new();

    public int Count => byIndex.Count;

    /// <summary>Whether no session uses <paramref name="localIndex"/> (pick random indexes until one is free, as WireGuard does).</summary>
    public bool IsFree(uint localIndex) => !byIndex.ContainsKey(localIndex);

    /// <summary>Adds a session under its local index; false when the index is taken.</summary>
    public bool TryAdd(TransportSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return byIndex.TryAdd(session.LocalIndex, session);
    }

    /// <summary>Removes a session (the caller disposes it).</summary>
    public bool TryRemove(uint localIndex, out TransportSession session) => byIndex.TryRemove(localIndex, out session!);

    public bool TryGet(uint localIndex, out TransportSession session) => byIndex.TryGetValue(localIndex, out session!);

    /// <summary>
    /// Opens a transport datagram with the session its receiver index names. On <see cref="DatagramStatus.Ok"/>,
    /// <paramref name="session"/> says which sublink the packet belongs to; otherwise it may be null (unknown index,
    /// malformed) and the datagram is a drop to count.
    /// </summary>
    public DatagramStatus Open(ReadOnlySpan<byte> datagram, Span<byte> packet, TimeSpan now, out int written, out TransportSession? session)
    {
        written = 0;
        session = null;
        if (!TransportSession.TryReadHeader(datagram, out var receiver, out _))
            return DatagramStatus.Malformed;
        if (!byIndex.TryGetValue(receiver, out session))
            return DatagramStatus.UnknownSession;
        return session.Open(datagram, packet, now, out written);
    }
}
