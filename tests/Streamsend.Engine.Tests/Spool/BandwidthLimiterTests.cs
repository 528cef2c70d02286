using Streamsend.Engine.Sending;

namespace Streamsend.Engine.Tests.Spool;

public class BandwidthLimiterTests
{
    private sealed class ManualTime : TimeProvider
    {
        public long Ticks { get; set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Ticks;
    }

    [Fact]
    public void Chunks_are_paid_for_at_the_rate_with_at_most_a_quarter_second_of_burst()
    {
        var time = new ManualTime();
        var limiter = new BandwidthLimiter(1_000_000, time);

        // Nothing saved up at the start: the first 100 kB waits 0.1 s.
        Assert.Equal(0.1, limiter.Reserve(100_000).TotalSeconds, 3);
        Assert.Equal(0.2, limiter.Reserve(100_000).TotalSeconds, 3);
        // After a long pause only 0.25 s of burst is available.
        time.Ticks += TimeSpan.FromSeconds(10).Ticks;
        Assert.Equal(TimeSpan.Zero, limiter.Reserve(100_000));
        Assert.Equal(TimeSpan.Zero, limiter.Reserve(100_000));
        Assert.Equal(0.05, limiter.Reserve(100_000).TotalSeconds, 3);
    }

    [Fact]
    public async Task Sending_one_second_worth_takes_about_a_second()
    {
        var limiter = new BandwidthLimiter(200_000);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 10; i++)
        {
            await limiter.WaitAsync(20_000, CancellationToken.None);
        }
        // Never faster than the rate. The upper bound only catches a limiter that waits far too long: timers and the
        // thread pool wake late while the other test classes saturate both cores (2.5 s was exceeded once that way).
        Assert.InRange(watch.Elapsed.TotalSeconds, 0.85, 10);
    }
}
