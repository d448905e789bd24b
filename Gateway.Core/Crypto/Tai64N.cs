using System.Buffers.Binary;

namespace Gateway.Core.Crypto;

/// <summary>
/// A TAI64N timestamp (D. J. Bernstein's libtai: 8-byte big-endian TAI64 label, then 4-byte big-endian nanoseconds),
/// the payload of an initiation (WireGuard 5.4.2). Its only job is to be greater than the last one the responder
/// accepted from the same initiator, so a recorded initiation cannot be replayed. Big-endian means byte order is
/// time order. The core has no clock: the caller builds it from wall-clock time, which must not go back across restarts
/// (a monotonic clock restarts at zero and would lock a peer out until the old time is passed again).
/// </summary>
public readonly record struct Tai64N(ulong Label, uint Nanoseconds) : IComparable<Tai64N>
{
    /// <summary>Length on the wire.</summary>
    public const int Length = 12;

    /// <summary>TAI64 label of 1970-01-01 00:00:10 TAI, which is 00:00:00 UTC (libtai; WireGuard adds the same 10 s).</summary>
    public const ulong UnixEpochLabel = 0x4000_0000_0000_000AUL;

    private const uint NanosecondsPerSecond = 1_000_000_000;

    /// <summary>
    /// Nanoseconds are rounded down to a multiple of this (2^24 ns, about 16.8 ms) as WireGuard does, so the
    /// timestamp does not leak the initiator's clock finely; it stays finer than <see cref="KeyLifetime.MinInitiationInterval"/>.
    /// </summary>
    public const uint NanosecondGranularity = 1u << 24;

    /// <summary>The timestamp for a Unix time; nanoseconds rounded down to <see cref="NanosecondGranularity"/>.</summary>
    public static Tai64N FromUnixTime(long seconds, uint nanoseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(nanoseconds, NanosecondsPerSecond);
        return new Tai64N(UnixEpochLabel + (ulong)seconds, nanoseconds - nanoseconds % NanosecondGranularity);
    }

    /// <summary>The timestamp for a wall-clock instant the caller read.</summary>
    public static Tai64N FromDateTimeOffset(DateTimeOffset time)
    {
        var ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return FromUnixTime(ticks / TimeSpan.TicksPerSecond, (uint)(ticks % TimeSpan.TicksPerSecond * 100));
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, Label);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Nanoseconds);
    }

    public static Tai64N Read(ReadOnlySpan<byte> source) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(source), BinaryPrimitives.ReadUInt32BigEndian(source[8..]));

    public int CompareTo(Tai64N other) =>
        Label != other.Label ? Label.CompareTo(other.Label) : Nanoseconds.CompareTo(other.Nanoseconds);

    public static bool operator >(Tai64N left, Tai64N right) => left.CompareTo(right) > 0;
    public static bool operator <(Tai64N left, Tai64N right) => left.CompareTo(right) < 0;
    public static bool operator >=(Tai64N left, Tai64N right) => left.CompareTo(right) >= 0;
    public static bool operator <=(Tai64N left, Tai64N right) => left.CompareTo(right) <= 0;
}
