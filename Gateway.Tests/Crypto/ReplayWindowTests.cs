using Gateway.Core.Crypto;

namespace Gateway.Tests.Crypto;

/// <summary>The RFC 6479 window row by row: each row is the counters received, in order, and what each must give.</summary>
public class ReplayWindowTests
{
    private const ulong W = ReplayWindow.WindowSize;

    private static void Rows(params (ulong Counter, bool Accepted)[] rows)
    {
        var window = new ReplayWindow();
        foreach (var (counter, accepted) in rows)
            Assert.True(accepted == window.TryAccept(counter), $"counter {counter}: expected {(accepted ? "accepted" : "refused")}");
    }

    [Fact]
    public void TheWindowIsAtLeast4096AndAWholeNumberOfBlocks()
    {
        Assert.True(ReplayWindow.WindowSize >= 4096);
        Assert.Equal(8192, ReplayWindow.RingBits);
        Assert.Equal(0, ReplayWindow.RingBits % ReplayWindow.BlockBits);
    }

    [Fact]
    public void InOrder() => Rows((0, true), (1, true), (2, true), (3, true), (64, true), (65, true));

    [Fact]
    public void ReorderedInsideTheWindow() => Rows((5, true), (1, true), (3, true), (0, true), (2, true), (4, true), (6, true));

    [Fact]
    public void Duplicates() => Rows((0, true), (0, false), (10, true), (10, false), (3, true), (3, false), (9, true));

    [Fact]
    public void TheOldestCounterInsideTheWindowIsAcceptedAndTheOneBelowRefused() =>
        Rows((W + 100, true), (101, true), (100, false), (101, false), (W + 99, true));

    [Fact]
    public void AFarJumpAheadForgetsEverythingBehindTheNewWindow() =>
        Rows((0, true), (1, true), (1_000_000, true), (1_000_000 - W + 1, true), (1_000_000 - W, false), (1, false), (999_999, true));

    [Fact]
    public void AJumpOfExactlyTheRingClearsBlocksThatStillHeldOldBits()
    {
        // counters 70 and 70 + 8192 share a bit of the ring: once the window has jumped past, the old bit must be gone
        const ulong Ring = ReplayWindow.RingBits;
        Rows((70, true), (70 + Ring + 1, true), (70 + Ring, true), (70 + Ring, false));
    }

    [Fact]
    public void MovingForwardBlockByBlockClearsTheBlocksItEnters()
    {
        var window = new ReplayWindow();
        for (ulong c = 0; c < 3 * (ulong)ReplayWindow.RingBits; c += 2)
            Assert.True(window.TryAccept(c), $"even {c}");
        var top = 3 * (ulong)ReplayWindow.RingBits - 2;
        for (var c = top - W + 1; c < top; c++)
            Assert.Equal(c % 2 == 1, window.IsFresh(c));
    }

    [Fact]
    public void CountersNearTheTopOfTheSpaceDoNotWrap()
    {
        var limit = KeyLifetime.RejectAfterMessages;
        Rows((limit - 1, true), (limit - 2, true), (limit - 1, false), (0, false), (limit - W, true), (limit - W - 1, false));
    }

    [Fact]
    public void IsFreshDoesNotMark()
    {
        var window = new ReplayWindow();
        Assert.True(window.IsFresh(5));
        Assert.True(window.IsFresh(5));
        Assert.Null(window.Greatest);
        window.Mark(5);
        Assert.False(window.IsFresh(5));
        Assert.Equal(5UL, window.Greatest);
    }
}
