using Streamsend.Engine.Sinks;

namespace Streamsend.Engine.Tests.Sinks;

public sealed class SharedFlushTests
{
    [Fact]
    public async Task Callers_arriving_during_a_flush_are_served_together_by_one_flush_that_starts_after_them()
    {
        using var firstRunning = new ManualResetEventSlim();
        using var releaseFirst = new ManualResetEventSlim();
        var startedAt = new List<int>();
        var arrived = 0;
        SharedFlush? flush = null;
        flush = new SharedFlush(() =>
        {
            lock (startedAt)
            {
                startedAt.Add(Volatile.Read(ref arrived));
            }
            if (flush!.Flushes == 0)
            {
                firstRunning.Set();
                releaseFirst.Wait();
            }
        });

        Interlocked.Increment(ref arrived);
        // Threads of their own: pool threads blocked on the flush would starve the pool, and late callers would then
        // arrive after the second flush began.
        var first = Task.Factory.StartNew(flush.Flush, TaskCreationOptions.LongRunning);
        firstRunning.Wait();
        var waiting = Enumerable.Range(0, 5).Select(_ =>
        {
            Interlocked.Increment(ref arrived);
            return Task.Factory.StartNew(flush.Flush, TaskCreationOptions.LongRunning);
        }).ToList();
        await Task.Delay(500);
        Assert.All(waiting, t => Assert.False(t.IsCompleted));
        releaseFirst.Set();
        await first;
        await Task.WhenAll(waiting);

        // The five that arrived while the first flush ran were served by one more, which started once all had arrived.
        Assert.Equal(2, flush.Flushes);
        Assert.Equal(new[] { 1, 6 }, startedAt);
    }

    [Fact]
    public void A_failed_flush_fails_its_callers_and_the_next_caller_flushes_again()
    {
        var attempts = 0;
        var flush = new SharedFlush(() =>
        {
            if (++attempts == 1)
            {
                throw new IOException("disk gone");
            }
        });

        Assert.Throws<IOException>(flush.Flush);
        flush.Flush();

        Assert.Equal(2, attempts);
        Assert.Equal(1, flush.Flushes);
    }
}
