using System.Text.RegularExpressions;
using Confluent.Kafka;
using Streamsend.Engine.Events;
using Streamsend.Engine.Kafka;
using Streamsend.Engine.Receiving;
using Streamsend.Engine.Sending;
using Streamsend.Engine.Sinks;
using Streamsend.Engine.Tests.Support;

namespace Streamsend.Engine.Tests.Receiving;

/// <summary>
/// Files land beside the consume loop (issue #14): what must still hold is the order of durability and commits.
/// An offset is committed only past files that landed, flushed to disk, whatever the land stage is doing.
/// </summary>
public sealed class LandingStageTests : IClassFixture<MockClusterFixture>
{
    private const int Chunk = 64 * 1024;
    private readonly MockClusterFixture kafka;

    public LandingStageTests(MockClusterFixture kafka) => this.kafka = kafka;

    /// <summary>Files with 1, 2, 3, ... chunks, sent one after the other to one partition: file k's messages are offsets [k(k-1)/2, k(k+1)/2).</summary>
    private async Task<List<SendRequest>> SendGrowingFilesAsync(TestFiles files, string topic, int count, int first = 1)
    {
        var requests = Enumerable.Range(first, count)
            .Select(k => new SendRequest(files.Write($"outbox/file-{k}.bin", k * Chunk - 7, 80 + k), $"file-{k}.bin"))
            .ToList();
        var options = TransferHarness.SendOptions(kafka.Settings, topic, Chunk) with { ThrottleLimit = 1, PackThreshold = 0 };
        await TransferHarness.SendAllAsync(options, requests, new RecordingEventSink());
        return requests;
    }

    private KafkaSettings WithClientId(string clientId) =>
        kafka.Settings with { Properties = new Dictionary<string, string>(kafka.Settings.Properties.ToDictionary(p => p.Key, p => p.Value)) { ["client.id"] = clientId } };

    private static long FirstOffsetOf(int k) => (long)k * (k - 1) / 2;

    private long CommittedOffset(string topic, string group)
    {
        LibrdkafkaNativeLoader.EnsureInstalled();
        using var reader = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = kafka.Settings.BootstrapServers, GroupId = group }.QuietUnderMono())
            .SetLogHandler((_, _) => { })
            .Build();
        return reader.Committed(new[] { new TopicPartition(topic, 0) }, TimeSpan.FromSeconds(10)).Single().Offset.Value;
    }

    [Fact]
    public async Task Every_commit_comes_after_the_landing_of_each_file_it_passes()
    {
        var events = await ReceiveEightGrowingFilesAsync((inbox, log) => new GatedSink(new LocalDirectorySink(inbox), log, gated: _ => false, landingTime: TimeSpan.FromMilliseconds(700)));

        AssertEveryCommitFollows(events, GatedSink.LandedPrefix, files: 8);
    }

    [Fact]
    public async Task Every_commit_comes_after_the_batch_flush_that_made_each_file_it_passes_durable()
    {
        // The seam: each durability step of this operating system's choice is logged once done, among the commits.
        var events = await ReceiveEightGrowingFilesAsync(RecordingDurabilitySink);

        AssertEveryCommitFollows(events, RecordingDurability.PublishedPrefix, files: 8);
    }

    private static IFileSink RecordingDurabilitySink(string inbox, RecordingEventSink events) =>
        new LocalDirectorySink(inbox, overwrite: false, caseRule: null, new RecordingDurability(LandingDurability.For(inbox), events));

    /// <summary>Sends the growing files 1 to 8 to one partition and receives them all through the sink <paramref name="sinkFor"/> makes; returns the receiver's log.</summary>
    private async Task<RecordingEventSink> ReceiveEightGrowingFilesAsync(Func<string, RecordingEventSink, IFileSink> sinkFor)
    {
        using var files = new TestFiles();
        var topic = kafka.NewTopic(partitions: 1);
        await SendGrowingFilesAsync(files, topic, 8);
        var events = new RecordingEventSink();
        var inbox = Path.Combine(files.Root, "inbox");
        var sink = sinkFor(inbox, events);
        var options = TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, 8) with { Sink = sink };

        var summary = await FileReceiver.RunAsync(options, events, CancellationToken.None);
        await sink.DisposeAsync();

        Assert.Equal(8, summary.FilesLanded);
        return events;
    }

    [Fact]
    public async Task Packed_small_files_are_committed_only_after_the_flush_that_made_their_batch_durable()
    {
        using var files = new TestFiles();
        var topic = kafka.NewTopic(partitions: 1);
        var requests = Enumerable.Range(0, 150)
            .Select(i => new SendRequest(files.Write($"outbox/small-{i:D3}.txt", 700 + i, i), $"small-{i:D3}.txt"))
            .ToList();
        await TransferHarness.SendAllAsync(TransferHarness.SendOptions(kafka.Settings, topic, Chunk) with { ThrottleLimit = 1 }, requests, new RecordingEventSink());
        var events = new RecordingEventSink();
        var inbox = Path.Combine(files.Root, "inbox");
        var sink = RecordingDurabilitySink(inbox, events);
        var options = TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, 150) with { Sink = sink };

        var summary = await FileReceiver.RunAsync(options, events, CancellationToken.None);
        await sink.DisposeAsync();

        Assert.Equal(150, summary.FilesLanded);
        Assert.Equal(TestFiles.Hashes(Path.Combine(files.Root, "outbox")), TestFiles.Hashes(inbox));
        var durable = new HashSet<string>();
        var commits = new List<(long Offset, int DurableSoFar)>();
        foreach (var message in events.Of<DiagnosticEvent>().Select(d => d.Message))
        {
            if (message.StartsWith(RecordingDurability.PublishedPrefix, StringComparison.Ordinal))
            {
                durable.UnionWith(message.Substring(RecordingDurability.PublishedPrefix.Length).Split('|'));
            }
            else if (Regex.Match(message, @"^Committed 0@(\d+)\.$") is { Success: true } commit)
            {
                commits.Add((long.Parse(commit.Groups[1].Value), durable.Count));
            }
        }
        // A pack of these files is one message of at most one chunk: the 150 files took several packs, each landed
        // in batches, and no commit came before a flush that made files durable.
        Assert.True(commits.Count > 0);
        Assert.True(commits.Max(c => c.Offset) > 1);
        Assert.All(commits, c => Assert.True(c.DurableSoFar > 0, $"commit of offset {c.Offset} before any file was durable"));
        Assert.Equal(150, commits.Last().DurableSoFar);
    }

    /// <summary>
    /// Reads the receiver's log in order: every "Committed 0@N" comes after a line starting with
    /// <paramref name="landedPrefix"/> naming each file (of the growing files) whose messages lie before N.
    /// </summary>
    private static void AssertEveryCommitFollows(RecordingEventSink events, string landedPrefix, int files)
    {
        var landedSoFar = new HashSet<int>();
        var commits = 0;
        foreach (var message in events.Of<DiagnosticEvent>().Select(d => d.Message))
        {
            if (message.StartsWith(landedPrefix, StringComparison.Ordinal))
            {
                landedSoFar.UnionWith(Regex.Matches(message, @"file-(\d+)").Cast<Match>().Select(m => int.Parse(m.Groups[1].Value)));
            }
            else if (Regex.Match(message, @"^Committed 0@(\d+)\.$") is { Success: true } commit)
            {
                commits++;
                var offset = long.Parse(commit.Groups[1].Value);
                var passed = Enumerable.Range(1, files).Where(k => FirstOffsetOf(k) < offset);
                Assert.All(passed, k => Assert.Contains(k, landedSoFar));
            }
        }
        Assert.True(commits > 0);
    }

    [Fact]
    public async Task A_landing_held_back_lets_no_offset_past_it_be_committed_and_a_receiver_killed_meanwhile_loses_and_repeats_nothing()
    {
        using var files = new TestFiles();
        var topic = kafka.NewTopic(partitions: 1);
        var group = $"group-{Guid.NewGuid():N}";
        var inbox = Path.Combine(files.Root, "inbox");
        await SendGrowingFilesAsync(files, topic, 5);
        var events = new RecordingEventSink();
        // The third file's landing is held: files 4 and 5 land beside it, and the commit must stay at its first message.
        var sink = new GatedSink(new LocalDirectorySink(inbox), events, gated: path => path == "file-3.bin");
        var options = TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, null, group) with { Sink = sink, IdleTimeout = TimeSpan.FromMinutes(1) };
        using var stop = new CancellationTokenSource();

        var receiving = FileReceiver.RunAsync(options, events, stop.Token);
        await sink.ReachedGate.WaitAsync(TimeSpan.FromSeconds(60));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (events.Of<FileReceivedEvent>().Count < 4 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        await Task.Delay(options.CommitInterval * 5);
        var committedWhileHeld = CommittedOffset(topic, group);
        sink.Kill();
        stop.Cancel();
        await receiving;
        await sink.DisposeAsync();
        var committedAfterKill = CommittedOffset(topic, group);

        Assert.Equal(new[] { "file-1.bin", "file-2.bin", "file-4.bin", "file-5.bin" }, events.Of<FileReceivedEvent>().Select(f => f.File.RelativePath).OrderBy(p => p, StringComparer.Ordinal));
        Assert.InRange(committedWhileHeld, long.MinValue, FirstOffsetOf(3));
        Assert.InRange(committedAfterKill, long.MinValue, FirstOffsetOf(3));
        Assert.False(File.Exists(Path.Combine(inbox, "file-3.bin")));

        var again = new RecordingEventSink();
        var secondRun = TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, null, group);
        var summary = await FileReceiver.RunAsync(secondRun, again, CancellationToken.None);
        await secondRun.Sink.DisposeAsync();

        Assert.Equal(1, summary.FilesLanded);
        Assert.Equal("file-3.bin", Assert.Single(again.Of<FileReceivedEvent>()).File.RelativePath);
        Assert.Equal(TestFiles.Hashes(Path.Combine(files.Root, "outbox")), TestFiles.Hashes(inbox));
        Assert.True(CommittedOffset(topic, group) >= FirstOffsetOf(6));
    }

    [Fact]
    public async Task A_rebalance_while_a_file_is_landing_waits_for_it_and_every_file_lands_exactly_once()
    {
        using var files = new TestFiles();
        var topic = kafka.NewTopic(partitions: 1);
        var group = $"group-{Guid.NewGuid():N}";
        var inbox = Path.Combine(files.Root, "inbox");
        await SendGrowingFilesAsync(files, topic, 5);
        var first = new RecordingEventSink();
        var sink = new GatedSink(new LocalDirectorySink(inbox), first, gated: path => path == "file-3.bin");
        using var stopFirst = new CancellationTokenSource();
        // Client ids make the two members easy to tell apart in the mock's logs; which one the partition goes to after
        // the rebalance is the assignor's choice, and either way every file must land exactly once.
        var firstRun = TransferHarness.ReceiveOptions(WithClientId("z-first"), topic, inbox, null, group) with { Sink = sink, IdleTimeout = TimeSpan.FromMinutes(1) };
        var firstReceiving = FileReceiver.RunAsync(firstRun, first, stopFirst.Token);
        await sink.ReachedGate.WaitAsync(TimeSpan.FromSeconds(60));

        // A second member joins while file-3 is landing: the first member's partition is revoked in the middle of it.
        var second = new RecordingEventSink();
        var secondRun = TransferHarness.ReceiveOptions(WithClientId("a-second"), topic, inbox, null, group) with { IdleTimeout = TimeSpan.FromSeconds(15) };
        var secondReceiving = FileReceiver.RunAsync(secondRun, second, CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(2));
        sink.Open();
        await SendGrowingFilesAsync(files, topic, 3, first: 6);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (first.Of<FileReceivedEvent>().Count + second.Of<FileReceivedEvent>().Count < 8 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        stopFirst.Cancel();
        await firstReceiving;
        await secondReceiving;
        await sink.DisposeAsync();
        await secondRun.Sink.DisposeAsync();

        var landed = first.Of<FileReceivedEvent>().Concat(second.Of<FileReceivedEvent>()).Select(f => f.File.RelativePath).OrderBy(p => p, StringComparer.Ordinal);
        Assert.Equal(Enumerable.Range(1, 8).Select(k => $"file-{k}.bin").OrderBy(p => p, StringComparer.Ordinal), landed);
        Assert.Contains(first.Of<FileReceivedEvent>(), f => f.File.RelativePath == "file-3.bin");
        Assert.Equal(TestFiles.Hashes(Path.Combine(files.Root, "outbox")), TestFiles.Hashes(inbox));
    }
}
