using CsCheck;
using Gateway.Emulation.Links;

namespace Gateway.Tests.Emulation.Links;

/// <summary>The emulated link's scheduling, on a virtual clock: no sockets, no real time.</summary>
public sealed class LinkDirectionTests
{
    private static readonly TimeSpan Step = TimeSpan.FromTicks(1000); // 0.1 ms of virtual time

    private static TimeSpan Ms(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    /// <summary>Takes everything due at <paramref name="now"/>, calling <paramref name="onDeparture"/> for each.</summary>
    private static int Drain(LinkDirection link, TimeSpan now, byte[] buffer, Action<int>? onDeparture = null)
    {
        int bytes = 0;
        while (link.TryTakeDue(now, buffer, out int length))
        {
            bytes += length;
            onDeparture?.Invoke(length);
        }
        return bytes;
    }

    [Fact]
    public void The_rate_limit_lets_through_the_configured_bits_per_virtual_second()
    {
        const long Rate = 1_000_000; // 1 Mbit/s = 125 000 bytes/s
        var link = new LinkDirection { RateBitsPerSecond = Rate, QueueLimitBytes = 20_000 };
        var buffer = new byte[2000];
        var datagram = new byte[1000];
        long forwarded = 0;
        // Offer 8 Mbit/s for 10 virtual seconds: a 1000-byte datagram every millisecond.
        for (int ms = 0; ms < 10_000; ms++)
        {
            var now = Ms(ms);
            link.Offer(datagram, now);
            forwarded += Drain(link, now, buffer);
        }

        double bytesPerSecond = forwarded / 10.0;
        Assert.InRange(bytesPerSecond, 125_000 * 0.98, 125_000 * 1.02 + 2 * LinkDirection.DefaultBurstBytes);
        var counters = link.Counters;
        Assert.True(counters.DroppedRate > 0);
        Assert.Equal(0, counters.DroppedQueueFull);
        Assert.Equal(counters.Offered, counters.Forwarded + counters.Dropped + link.QueuedBytes / 1000);
    }

    [Fact]
    public void After_an_idle_period_a_burst_leaves_at_once_and_the_rest_waits_for_tokens()
    {
        var link = new LinkDirection { RateBitsPerSecond = 8_000, BurstBytes = 300 }; // 1000 bytes/s
        for (int i = 0; i < 5; i++)
            Assert.Equal(LinkVerdict.Queued, link.Offer(new byte[100], TimeSpan.FromSeconds(10)));
        var buffer = new byte[100];
        // The full bucket holds 300 bytes: datagrams 1 to 3 leave at once, the fourth waits 100 ms for its tokens.
        Assert.Equal(300, Drain(link, TimeSpan.FromSeconds(10), buffer));
        Assert.Equal(TimeSpan.FromSeconds(10) + Ms(100), link.NextDeparture);
        Assert.Equal(100, Drain(link, TimeSpan.FromSeconds(10) + Ms(100), buffer));
        Assert.Equal(100, Drain(link, TimeSpan.FromSeconds(10) + Ms(200), buffer));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_datagram_is_delayed_by_the_fixed_delay_plus_at_most_the_jitter(bool allowReordering)
    {
        var delay = Ms(50);
        var jitter = Ms(20);
        var link = new LinkDirection(seed: 42) { Delay = delay, Jitter = jitter, AllowReordering = allowReordering };
        var offeredAt = new Dictionary<int, TimeSpan>();
        var departures = new List<(int Index, TimeSpan Latency)>();
        var buffer = new byte[4];
        var now = TimeSpan.Zero;
        for (int i = 0; i < 1000 || link.NextDeparture is not null; i++, now += Step)
        {
            if (i < 1000 && i % 10 == 0)
            {
                int index = i / 10;
                offeredAt[index] = now;
                link.Offer(BitConverter.GetBytes(index), now);
            }
            while (link.TryTakeDue(now, buffer, out _))
            {
                int index = BitConverter.ToInt32(buffer);
                departures.Add((index, now - offeredAt[index]));
            }
        }

        Assert.Equal(100, departures.Count);
        Assert.All(departures, d => Assert.InRange(d.Latency, delay, delay + jitter + Step));
        Assert.True(departures.Max(d => d.Latency) - departures.Min(d => d.Latency) > jitter / 2, "jitter was not applied");
        bool inOrder = departures.Select(d => d.Index).SequenceEqual(Enumerable.Range(0, 100));
        Assert.Equal(!allowReordering, inOrder);
    }

    [Fact]
    public void The_loss_fraction_stays_within_a_binomial_tolerance_and_repeats_with_the_seed()
    {
        const int N = 10_000;
        const double P = 0.1;
        var first = new LinkDirection(seed: 7) { LossProbability = P, QueueLimitBytes = int.MaxValue };
        var second = new LinkDirection(seed: 7) { LossProbability = P, QueueLimitBytes = int.MaxValue };
        var verdicts = new List<LinkVerdict>();
        for (int i = 0; i < N; i++)
        {
            var verdict = first.Offer([1], TimeSpan.Zero);
            verdicts.Add(verdict);
            Assert.Equal(verdict, second.Offer([1], TimeSpan.Zero));
        }

        double sigma = Math.Sqrt(N * P * (1 - P)); // 30
        Assert.InRange(first.Counters.DroppedLoss, N * P - 5 * sigma, N * P + 5 * sigma);
        Assert.Equal(N - first.Counters.DroppedLoss, verdicts.Count(v => v == LinkVerdict.Queued));
    }

    [Fact]
    public void Blackhole_drops_silently_while_on_and_lets_what_was_queued_leave()
    {
        var link = new LinkDirection { Delay = Ms(10) };
        Assert.Equal(LinkVerdict.Queued, link.Offer([1], TimeSpan.Zero));
        link.Blackhole = true;
        Assert.Equal(LinkVerdict.DroppedBlackhole, link.Offer([2], Ms(1)));
        Assert.Equal(LinkVerdict.DroppedBlackhole, link.Offer([3], Ms(2)));
        var buffer = new byte[1];
        Assert.True(link.TryTakeDue(Ms(10), buffer, out _));
        Assert.Equal(1, buffer[0]);
        link.Blackhole = false;
        Assert.Equal(LinkVerdict.Queued, link.Offer([4], Ms(20)));
        Assert.True(link.TryTakeDue(Ms(30), buffer, out _));
        Assert.Equal(4, buffer[0]);
        Assert.Equal(2, link.Counters.DroppedBlackhole);
        Assert.Equal(2, link.Counters.Forwarded);
    }

    [Fact]
    public void Hard_down_drops_what_is_queued_and_everything_offered_until_it_is_up_again()
    {
        var link = new LinkDirection { Delay = Ms(10) };
        link.Offer([1], TimeSpan.Zero);
        link.Offer([2], TimeSpan.Zero);
        link.Down = true;
        Assert.Null(link.NextDeparture);
        Assert.Equal(0, link.QueuedBytes);
        Assert.Equal(LinkVerdict.DroppedDown, link.Offer([3], Ms(1)));
        Assert.False(link.TryTakeDue(Ms(100), new byte[1], out _));
        link.Down = false;
        Assert.Equal(LinkVerdict.Queued, link.Offer([4], Ms(100)));
        Assert.True(link.TryTakeDue(Ms(110), new byte[1], out _));
        Assert.Equal(3, link.Counters.DroppedDown);
        Assert.Equal(1, link.Counters.Forwarded);
    }

    [Fact]
    public void After_a_hard_down_the_rate_limiter_does_not_wait_for_what_was_dropped()
    {
        var link = new LinkDirection { RateBitsPerSecond = 8_000, BurstBytes = 100 }; // 1000 bytes/s
        for (int i = 0; i < 10; i++)
            link.Offer(new byte[100], TimeSpan.Zero); // a second's worth queued behind the limiter
        link.Down = true;
        link.Down = false;
        Assert.Equal(LinkVerdict.Queued, link.Offer(new byte[100], Ms(10)));
        Assert.Equal(Ms(10), link.NextDeparture);
    }

    [Fact]
    public void The_queue_never_holds_more_than_its_byte_bound()
    {
        var link = new LinkDirection { Delay = Ms(100), QueueLimitBytes = 5000 };
        for (int i = 0; i < 10; i++)
            link.Offer(new byte[1000], TimeSpan.Zero);
        Assert.Equal(5000, link.QueuedBytes);
        Assert.Equal(5, link.Counters.DroppedQueueFull);
        Assert.Equal(0, link.Counters.DroppedRate);
        Assert.Equal(5000, Drain(link, Ms(100), new byte[1000]));
        Assert.Equal(0, link.QueuedBytes);
    }

    [Fact]
    public void Every_offered_datagram_is_forwarded_dropped_or_still_held_and_the_bound_holds()
    {
        var offers = Gen.Select(Gen.Int[0, 1500], Gen.Int[0, 5000]).Array[1, 200];
        Gen.Select(offers, Gen.Long[0, 2_000_000], Gen.Int[0, 20], Gen.Double[0, 0.5], Gen.Int[0, 20_000])
            .Sample((schedule, rate, delayMs, loss, limit) =>
            {
                var link = new LinkDirection(seed: 1)
                {
                    RateBitsPerSecond = rate, Delay = Ms(delayMs), Jitter = Ms(delayMs / 2.0),
                    LossProbability = loss, QueueLimitBytes = limit,
                };
                var buffer = new byte[1500];
                var now = TimeSpan.Zero;
                foreach (var (length, gapMicroseconds) in schedule)
                {
                    now += TimeSpan.FromMicroseconds(gapMicroseconds);
                    Drain(link, now, buffer);
                    link.Offer(new byte[length], now);
                    if (link.QueuedBytes > limit)
                        return false;
                }
                var c = link.Counters;
                long stillHeld = c.Offered - c.Forwarded - c.Dropped;
                Drain(link, now + TimeSpan.FromDays(1000), buffer); // at 1 bit/s, 20 000 queued bytes take two days
                return stillHeld >= 0 && link.Counters.Forwarded == c.Forwarded + stillHeld && link.QueuedBytes == 0;
            }, iter: 300);
    }

    [Fact]
    public void Offering_and_taking_datagrams_allocates_nothing_once_warm()
    {
        var link = new LinkDirection(seed: 5) { RateBitsPerSecond = 1_000_000_000, Delay = Ms(1), Jitter = Ms(1), LossProbability = 0.01 };
        var datagram = new byte[1400];
        var buffer = new byte[2048];
        var now = TimeSpan.Zero;
        void Run(int count)
        {
            for (int i = 0; i < count; i++, now += TimeSpan.FromMicroseconds(50))
            {
                link.Offer(datagram, now);
                while (link.TryTakeDue(now, buffer, out _))
                {
                }
            }
        }

        Run(10_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{allocated} bytes allocated, {link.Counters}");
        Assert.True(link.Counters.Forwarded > 15_000);
    }

    [Fact]
    public void Settings_out_of_range_are_refused()
    {
        var link = new LinkDirection();
        Assert.Throws<ArgumentOutOfRangeException>(() => link.LossProbability = 1.5);
        Assert.Throws<ArgumentOutOfRangeException>(() => link.LossProbability = double.NaN);
        Assert.Throws<ArgumentOutOfRangeException>(() => link.RateBitsPerSecond = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => link.Delay = TimeSpan.FromMilliseconds(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => link.QueueLimitBytes = -1);
    }
}
