namespace Gateway.Core.Crypto;

/// <summary>
/// The anti-replay window of RFC 6479 (section 2): a ring of 64-bit blocks indexed by counter / 64, so moving the
/// window forward clears whole blocks instead of shifting a bitmap, and a check is one shift and one AND.
/// <para>
/// 8192 bits (128 blocks, 1 KiB a session) track the <see cref="WindowSize"/> = 8128 counters below the greatest one
/// received (RFC 6479: (N - 1) x 64, one block being the one the greatest counter is filling). Why that many: the
/// Multilink reassembler accepts 8192 sequence numbers of reordering for long sequence numbers (MpReassembler), and
/// the crypto layer must not drop as replays packets the layer above would still take; at the 1 Gbit/s of a bundle
/// and 1500-byte packets it is about 100 ms of reordering, above the path-delay spread the reassembler adapts to,
/// and twice the 4096 the issue asks for. WireGuard uses the same ring (2^13 bits).
/// </para>
/// <para>
/// <see cref="IsFresh"/> and <see cref="Mark"/> are separate so that the caller checks before the AEAD and marks only
/// after the tag verified: a forged datagram moves nothing. Not thread-safe: one receive loop calls it.
/// </para>
/// </summary>
public sealed class ReplayWindow
{
    /// <summary>Bits in a block (RFC 6479: the machine word).</summary>
    public const int BlockBits = 64;
    /// <summary>Blocks in the ring; a power of two so that block index modulo the ring is a mask.</summary>
    public const int RingBlocks = 128;
    public const int RingBits = RingBlocks * BlockBits;
    /// <summary>Counters tracked below and including the greatest received.</summary>
    public const int WindowSize = RingBits - BlockBits;

    private const int BlockShift = 6;
    private const ulong BitMask = BlockBits - 1;
    private const ulong RingMask = RingBlocks - 1;

    private readonly ulong[] ring = new ulong[RingBlocks];
    // greatest counter marked + 1; 0 while nothing has been marked
    private ulong top;

    /// <summary>The greatest counter marked, or null before the first.</summary>
    public ulong? Greatest => top == 0 ? null : top - 1;

    /// <summary>True when <paramref name="counter"/> is ahead of everything seen, or inside the window and not yet marked.</summary>
    public bool IsFresh(ulong counter)
    {
        if (counter >= top)
            return true;
        if (top - 1 - counter >= WindowSize)
            return false;
        return (ring[(counter >> BlockShift) & RingMask] & (1UL << (int)(counter & BitMask))) == 0;
    }

    /// <summary>
    /// Records <paramref name="counter"/> as received (call only after <see cref="IsFresh"/> said true and the packet
    /// authenticated). A counter ahead of the greatest moves the window, clearing the blocks it enters: at most the
    /// whole ring, however far the jump.
    /// </summary>
    public void Mark(ulong counter)
    {
        if (counter >= top)
        {
            if (top != 0)
            {
                var current = (top - 1) >> BlockShift;
                var target = counter >> BlockShift;
                var steps = Math.Min(target - current, (ulong)RingBlocks);
                for (ulong i = 1; i <= steps; i++)
                    ring[(current + i) & RingMask] = 0;
            }
            top = counter + 1;
        }
        ring[(counter >> BlockShift) & RingMask] |= 1UL << (int)(counter & BitMask);
    }

    /// <summary><see cref="IsFresh"/> then <see cref="Mark"/>: for callers that have already authenticated the packet.</summary>
    public bool TryAccept(ulong counter)
    {
        if (!IsFresh(counter))
            return false;
        Mark(counter);
        return true;
    }
}
