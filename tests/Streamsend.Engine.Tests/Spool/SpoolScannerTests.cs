using Streamsend.Engine.Events;
using Streamsend.Engine.Spool;
using Streamsend.Engine.Tests.Support;

namespace Streamsend.Engine.Tests.Spool;

public sealed class SpoolScannerTests : IDisposable
{
    private readonly string outbox = Directory.CreateTempSubdirectory("streamsend-spool-").FullName;
    private DateTime now = DateTime.UtcNow.AddMinutes(10);

    public void Dispose() => Directory.Delete(outbox, recursive: true);

    private string Write(string relative, string content, DateTime? lastWriteUtc = null)
    {
        var path = Path.Combine(outbox, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        File.SetLastWriteTimeUtc(path, lastWriteUtc ?? DateTime.UtcNow);
        return path;
    }

    private SpoolScanner Scanner(SpoolOptions options, RecordingEventSink? events = null) =>
        new(new[] { new SpoolRoot(outbox, null) }, options, events ?? new RecordingEventSink(), () => now);

    [Fact]
    public async Task One_pass_sends_a_still_file_even_when_the_wall_clock_runs_behind_the_settle_timer()
    {
        Write("c.txt", "gamma");
        // A clock that counts 98% of real time: the scanner sees less than the settle time pass during the feeder's wait,
        // as it can when a timer fires just before the wall clock has moved on by the full time.
        var start = DateTime.UtcNow;
        var options = new SpoolOptions { SettleTime = TimeSpan.FromSeconds(1) };
        var scanner = new SpoolScanner(new[] { new SpoolRoot(outbox, null) }, options, new RecordingEventSink(), () => start + (DateTime.UtcNow - start) * 0.98);
        var feeder = new SpoolFeeder(new[] { new SpoolRoot(outbox, null) }, scanner, options, new RecordingEventSink());

        var ready = await feeder.ScanOnceAsync(CancellationToken.None);

        Assert.Equal("c.txt", Assert.Single(ready).RelativePath);
    }

    [Fact]
    public void A_file_is_ready_only_after_it_held_still_for_the_settle_time()
    {
        Write("a.txt", "a");
        var scanner = Scanner(new SpoolOptions { SettleTime = TimeSpan.FromSeconds(2) });

        Assert.Empty(scanner.Scan());
        now += TimeSpan.FromSeconds(1);
        Assert.Empty(scanner.Scan());
        now += TimeSpan.FromSeconds(1);
        var ready = Assert.Single(scanner.Scan());
        Assert.Equal("a.txt", ready.RelativePath);
        // Handed out once per run.
        now += TimeSpan.FromSeconds(5);
        Assert.Empty(scanner.Scan());
    }

    [Fact]
    public void A_file_that_keeps_growing_is_not_ready_and_is_told_with_verbose()
    {
        var path = Write("growing.log", "1");
        var events = new RecordingEventSink();
        var scanner = Scanner(new SpoolOptions { SettleTime = TimeSpan.FromSeconds(1) }, events);

        for (var i = 0; i < 5; i++)
        {
            Assert.Empty(scanner.Scan());
            File.AppendAllText(path, "more");
            now += TimeSpan.FromSeconds(2);
        }

        Assert.Single(events.Of<DiagnosticEvent>(), e => e.Message.Contains("growing.log") && e.Message.Contains("still being written"));
        Assert.Empty(scanner.Scan());
        now += TimeSpan.FromSeconds(2);
        Assert.Single(scanner.Scan());
    }

    [Fact]
    public void A_file_younger_than_the_minimum_age_waits()
    {
        Write("young.txt", "y", now - TimeSpan.FromSeconds(10));
        Write("old.txt", "o", now - TimeSpan.FromMinutes(5));
        var scanner = Scanner(new SpoolOptions { SettleTime = TimeSpan.Zero, MinimumAge = TimeSpan.FromMinutes(1) });

        Assert.Equal(new[] { "old.txt" }, scanner.Scan().Select(f => f.RelativePath));
    }

    [Fact]
    public void A_file_open_for_writing_with_an_exclusive_lock_is_not_ready()
    {
        var path = Write("locked.bin", "x", now - TimeSpan.FromMinutes(1));
        var scanner = Scanner(new SpoolOptions { SettleTime = TimeSpan.Zero });
        using (new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None))
        {
            Assert.Empty(scanner.Scan());
        }
        Assert.Single(scanner.Scan());
    }

    [Fact]
    public void With_a_journal_unchanged_files_are_skipped_and_touched_files_with_the_same_bytes_too()
    {
        var stamp = now - TimeSpan.FromMinutes(1);
        Write("same.txt", "same", stamp);
        Write("touched.txt", "touched", stamp);
        Write("changed.txt", "changed", stamp);
        var journal = SendJournal.Open(Path.Combine(outbox, "..", $"{Guid.NewGuid():N}.json"), out _);
        journal.Record(new JournalEntry("same.txt", 4, stamp, "whatever", Guid.NewGuid(), now));
        journal.Record(new JournalEntry("touched.txt", 7, stamp - TimeSpan.FromHours(1), Convert.ToHexString(System.Security.Cryptography.MD5.HashData("touched"u8)).ToLowerInvariant(), Guid.NewGuid(), now));
        journal.Record(new JournalEntry("changed.txt", 7, stamp - TimeSpan.FromHours(1), "0000", Guid.NewGuid(), now));
        var scanner = Scanner(new SpoolOptions { SettleTime = TimeSpan.Zero, Journal = journal });

        Assert.Equal(new[] { "changed.txt" }, scanner.Scan().Select(f => f.RelativePath));
        Assert.Equal(stamp, journal.Find("touched.txt")!.LastWriteUtc);
    }

    [Fact]
    public void A_failed_file_is_offered_again_after_the_retry_delay()
    {
        var path = Write("f.txt", "f", now - TimeSpan.FromMinutes(1));
        var scanner = Scanner(new SpoolOptions { SettleTime = TimeSpan.Zero, RetryDelay = TimeSpan.FromSeconds(30) });
        Assert.Single(scanner.Scan());

        scanner.Failed(path);

        Assert.Empty(scanner.Scan());
        now += TimeSpan.FromSeconds(31);
        Assert.Single(scanner.Scan());
    }
}
