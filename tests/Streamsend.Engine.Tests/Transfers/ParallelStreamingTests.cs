using System.Security.Cryptography;
using Streamsend.Engine.Events;
using Streamsend.Engine.Kafka;
using Streamsend.Engine.Receiving;
using Streamsend.Engine.Sending;
using Streamsend.Engine.Sinks;
using Streamsend.Engine.Tests.MockKafka;
using Streamsend.Engine.Tests.Support;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Tests.Transfers;

/// <summary>Issue 3: files spread over partitions, several at once, to several receivers, split across a consumer group.</summary>
public sealed class ParallelStreamingTests : IClassFixture<MockClusterFixture>
{
    private const int Chunk = 64 * 1024;
    private readonly MockClusterFixture kafka;

    public ParallelStreamingTests(MockClusterFixture kafka) => this.kafka = kafka;

    /// <summary>The mock's settings, with quick group heartbeats so that a second member's join rebalances within a second.</summary>
    private KafkaSettings GroupSettings => new(kafka.Cluster.BootstrapServers, new Dictionary<string, string>(kafka.Settings.Properties.ToDictionary())
    {
        ["heartbeat.interval.ms"] = "250",
        ["session.timeout.ms"] = "6000",
    });

    [Theory]
    [InlineData(Distribution.Chunk, 40, 3)]
    [InlineData(Distribution.File, 16, 2)]
    public async Task The_files_of_one_run_fill_every_partition_equally(Distribution distribution, int fileCount, int chunksPerFile)
    {
        const int partitions = 8;
        using var files = new TestFiles();
        var requests = Enumerable.Range(0, fileCount)
            .Select(i => new SendRequest(files.Write($"outbox/f-{i}.bin", (long)Chunk * chunksPerFile, seed: i), $"f-{i}.bin"))
            .ToList();
        var topic = kafka.NewTopic(partitions);
        var sent = new RecordingEventSink();

        await TransferHarness.SendAllAsync(TransferHarness.SendOptions(kafka.Settings, topic, Chunk, distribution) with { PackThreshold = 0 }, requests, sent);

        Assert.Empty(sent.Failures);
        var perPartition = MockKafkaClients.ReadMessagesToEnd(kafka.Settings.BootstrapServers, topic, fileCount * chunksPerFile, TimeSpan.FromSeconds(30))
            .GroupBy(m => m.Partition.Value)
            .ToDictionary(g => g.Key, g => g.Count());
        var share = fileCount * chunksPerFile / partitions;
        Assert.Equal(Enumerable.Range(0, partitions).ToDictionary(p => p, _ => share), perPartition);
    }

    [Fact]
    public async Task Chunks_written_in_reverse_order_over_every_partition_land_as_the_original_file()
    {
        using var files = new TestFiles();
        const int partitions = 4;
        const int chunks = 11;
        var length = (long)Chunk * (chunks - 1) + 1234;
        var source = File.ReadAllBytes(files.Write("source.bin", length, seed: 42));
        var md5 = Convert.ToHexString(MD5.HashData(source)).ToLowerInvariant();
        var topic = kafka.NewTopic(partitions);
        var transferId = Guid.NewGuid();
        var lastWrite = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        using (var raw = new RawProducer(kafka.Settings))
        {
            // Last chunk first, each on another partition: the receiver sees the end of the file before its start.
            for (var index = chunks - 1; index >= 0; index--)
            {
                var offset = (long)index * Chunk;
                var value = source.AsSpan((int)offset, (int)Math.Min(Chunk, length - offset)).ToArray();
                var header = new ChunkHeader(MessageKind.Chunk, transferId, "reversed/file.bin", "raw-sender", index, chunks, offset, length, lastWrite, index == chunks - 1 ? md5 : null);
                await raw.ProduceChunkAsync(topic, (chunks - 1 - index) % partitions, header, value);
            }
        }
        var inbox = Path.Combine(files.Root, "inbox");
        var received = new RecordingEventSink();
        var options = TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, maxFiles: 1);

        var summary = await FileReceiver.RunAsync(options, received, CancellationToken.None);
        await options.Sink.DisposeAsync();

        Assert.Empty(received.Failures);
        Assert.Equal(1, summary.FilesLanded);
        Assert.Equal(new Dictionary<string, string> { ["reversed/file.bin"] = md5 }, TestFiles.Hashes(inbox));
        var landed = Assert.Single(received.Of<FileReceivedEvent>()).File;
        Assert.Equal(transferId, landed.TransferId);
        Assert.Equal(lastWrite.UtcDateTime, File.GetLastWriteTimeUtc(landed.FullName));
    }

    [Theory]
    [InlineData(Distribution.Chunk)]
    [InlineData(Distribution.File)]
    public async Task Files_sent_several_at_a_time_all_land_bit_perfect(Distribution distribution)
    {
        using var files = new TestFiles();
        var outbox = Path.Combine(files.Root, "outbox");
        for (var i = 0; i < 16; i++)
        {
            files.Write($"outbox/batch/file-{i:D2}.bin", i * 37_000 + Chunk / 3, seed: i + 1);
        }
        var topic = kafka.NewTopic(6);
        var send = TransferHarness.SendOptions(kafka.Settings, topic, Chunk, distribution) with { ThrottleLimit = 4 };

        var (summary, sent, received) = await TransferHarness.SendWhileReceivingAsync(
            send, SourceTree.Expand(outbox, null), TransferHarness.ReceiveOptions(kafka.Settings, topic, Path.Combine(files.Root, "inbox"), 16));

        Assert.Empty(sent.Failures);
        Assert.Empty(received.Failures);
        Assert.Equal(16, sent.Of<FileSentEvent>().Count);
        Assert.Equal(16, summary.FilesLanded);
        Assert.Equal(TestFiles.Hashes(outbox), TestFiles.Hashes(Path.Combine(files.Root, "inbox")));
        Assert.Empty(TestFiles.StagedLeftovers(Path.Combine(files.Root, "inbox")));
    }

    /// <summary>
    /// The receiver reads every message into an array of the shared pool and gives it back once written and hashed, so
    /// with small chunks the same few arrays carry every file's bytes in turn: one given back while still being hashed,
    /// or twice, would put one file's bytes into another's MD5 or content.
    /// </summary>
    [Fact]
    public async Task Many_files_interleaved_over_eight_partitions_land_bit_perfect_through_pooled_buffers()
    {
        const int smallChunk = 8 * 1024;
        using var files = new TestFiles();
        var outbox = Path.Combine(files.Root, "outbox");
        for (var i = 0; i < 12; i++)
        {
            files.Write($"outbox/chunked-{i:D2}.bin", (3 + i % 4) * smallChunk - i * 97, seed: 300 + i);
        }
        for (var i = 0; i < 4; i++)
        {
            // Below a sixteenth of the chunk size: packed, many to a message, among the chunks.
            files.Write($"outbox/packed-{i}.bin", 100 + i * 50, seed: 400 + i);
        }
        var topic = kafka.NewTopic(8);
        var send = TransferHarness.SendOptions(kafka.Settings, topic, smallChunk, Distribution.Chunk) with { ThrottleLimit = 16 };

        var (summary, sent, received) = await TransferHarness.SendWhileReceivingAsync(
            send, SourceTree.Expand(outbox, null), TransferHarness.ReceiveOptions(kafka.Settings, topic, Path.Combine(files.Root, "inbox"), 16));

        Assert.Empty(sent.Failures);
        Assert.Empty(received.Failures);
        Assert.Equal(16, summary.FilesLanded);
        Assert.Equal(TestFiles.Hashes(outbox), TestFiles.Hashes(Path.Combine(files.Root, "inbox")));
        Assert.Empty(TestFiles.StagedLeftovers(Path.Combine(files.Root, "inbox")));
    }

    [Fact]
    public async Task Receivers_in_different_groups_each_land_every_file()
    {
        using var files = new TestFiles();
        var outbox = Path.Combine(files.Root, "outbox");
        for (var i = 0; i < 8; i++)
        {
            files.Write($"outbox/f{i}.bin", 3 * Chunk + i * 1000, seed: 10 + i);
        }
        var topic = kafka.NewTopic(4);
        var first = TransferHarness.ReceiveOptions(kafka.Settings, topic, Path.Combine(files.Root, "inbox-a"), 8, groupId: $"a-{Guid.NewGuid():N}");
        var second = TransferHarness.ReceiveOptions(kafka.Settings, topic, Path.Combine(files.Root, "inbox-b"), 8, groupId: $"b-{Guid.NewGuid():N}");
        var (eventsA, eventsB) = (new RecordingEventSink(), new RecordingEventSink());
        var receivingA = FileReceiver.RunAsync(first, eventsA, CancellationToken.None);
        var receivingB = FileReceiver.RunAsync(second, eventsB, CancellationToken.None);

        var sent = new RecordingEventSink();
        await TransferHarness.SendAllAsync(TransferHarness.SendOptions(kafka.Settings, topic, Chunk), SourceTree.Expand(outbox, null), sent);
        var summaries = await Task.WhenAll(receivingA, receivingB);
        await first.Sink.DisposeAsync();
        await second.Sink.DisposeAsync();

        Assert.Empty(sent.Failures);
        Assert.Empty(eventsA.Failures);
        Assert.Empty(eventsB.Failures);
        Assert.All(summaries, s => Assert.Equal(8, s.FilesLanded));
        var expected = TestFiles.Hashes(outbox);
        Assert.Equal(expected, TestFiles.Hashes(Path.Combine(files.Root, "inbox-a")));
        Assert.Equal(expected, TestFiles.Hashes(Path.Combine(files.Root, "inbox-b")));
    }

    [Fact]
    public async Task Two_receivers_of_one_group_land_every_file_exactly_once_between_them()
    {
        using var files = new TestFiles();
        var group = NewScaleOutGroup(files, fileCount: 24, i => 2 * Chunk + i * 5000, seed: 100, GroupSettings);
        var receivingA = FileReceiver.RunAsync(group.A, group.EventsA, CancellationToken.None);
        var receivingB = FileReceiver.RunAsync(group.B, group.EventsB, CancellationToken.None);
        // Both members joined and the group settled before the files come.
        await Task.Delay(TimeSpan.FromSeconds(3));

        var sent = new RecordingEventSink();
        await TransferHarness.SendAllAsync(TransferHarness.SendOptions(GroupSettings, group.Topic, Chunk, Distribution.File), SourceTree.Expand(group.Outbox, null), sent);
        await group.FinishAsync(receivingA, receivingB);

        Assert.Empty(sent.Failures);
        group.AssertExactlyOnce();
        // With six partitions and 24 files on random partitions, both members got work (a sure thing, not a fluke: each owns three).
        Assert.NotEmpty(group.EventsA.Of<FileReceivedEvent>());
        Assert.NotEmpty(group.EventsB.Of<FileReceivedEvent>());
    }

    /// <remarks>
    /// The receivers use the consumer group protocol (KIP-848, <c>group.protocol=consumer</c>), because librdkafka's mock
    /// coordinator for the classic protocol cannot show exactly-once hand-over: it answers every OffsetCommit with
    /// REBALANCE_IN_PROGRESS while the group is joining or syncing (<c>rd_kafka_mock_cgrp_classic_check_state</c> in
    /// src/rdkafka_mock_cgrp.c), where a real broker accepts a commit of the current generation while the group
    /// prepares the rebalance, which is when the first member commits in its (eager) revoke handler, before it rejoins.
    /// Measured with the classic protocol: the first member's commits failed with REBALANCE_IN_PROGRESS from the second
    /// one's JoinGroup on, in every run, and the new member landed again the files the first one had landed since its
    /// last successful commit (3 of 5 runs, up to 7 files twice). Under KIP-848 the mock checks the member epoch as a
    /// broker does and hands a partition over only after its owner revoked it, so the revoke commit is what this tests.
    /// </remarks>
    [Fact]
    public async Task A_receiver_joining_the_group_while_files_are_in_flight_leaves_every_file_landed_exactly_once()
    {
        using var files = new TestFiles();
        var consumerProtocol = new KafkaSettings(kafka.Cluster.BootstrapServers, kafka.Settings.Properties
            // The consumer protocol takes session and heartbeat timing from the broker; librdkafka rejects them here.
            .Where(p => p.Key is not ("session.timeout.ms" or "heartbeat.interval.ms"))
            .Append(new KeyValuePair<string, string>("group.protocol", "consumer"))
            .ToDictionary());
        var group = NewScaleOutGroup(files, fileCount: 40, i => 4 * Chunk + i * 3000, seed: 200, consumerProtocol);
        var receivingA = FileReceiver.RunAsync(group.A, group.EventsA, CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1));

        // One file at a time, so that files are still on their way when the second member joins and partitions move.
        var send = TransferHarness.SendOptions(GroupSettings, group.Topic, Chunk, Distribution.File) with { ThrottleLimit = 1 };
        var sent = new RecordingEventSink();
        var sending = TransferHarness.SendAllAsync(send, SourceTree.Expand(group.Outbox, null), sent);
        while (sent.Of<FileSentEvent>().Count < 10 && !sending.IsCompleted)
        {
            await Task.Delay(10);
        }
        var receivingB = FileReceiver.RunAsync(group.B, group.EventsB, CancellationToken.None);
        await sending;
        await group.FinishAsync(receivingA, receivingB);

        Assert.Empty(sent.Failures);
        Assert.Equal(40, sent.Of<FileSentEvent>().Count);
        group.AssertExactlyOnce();
    }

    /// <summary>
    /// A new topic of six partitions, <paramref name="fileCount"/> files f00.bin... to send, and two receivers of one new
    /// group, each landing into its own inbox.
    /// </summary>
    private ScaleOutGroup NewScaleOutGroup(TestFiles files, int fileCount, Func<int, long> length, int seed, KafkaSettings receiverSettings)
    {
        for (var i = 0; i < fileCount; i++)
        {
            files.Write($"outbox/f{i:D2}.bin", length(i), seed: seed + i);
        }
        var topic = kafka.NewTopic(6);
        var groupId = $"shared-{Guid.NewGuid():N}";
        ReceiveOptions Receiver(string inbox) =>
            TransferHarness.ReceiveOptions(receiverSettings, topic, Path.Combine(files.Root, inbox), maxFiles: null, groupId: groupId) with
            {
                // Long enough that neither member stops before its first file: a member that leaves hands its partitions back.
                IdleTimeout = TimeSpan.FromSeconds(10),
            };
        return new ScaleOutGroup(Path.Combine(files.Root, "outbox"), topic, Receiver("inbox-a"), Receiver("inbox-b"), new RecordingEventSink(), new RecordingEventSink());
    }

    private sealed record ScaleOutGroup(string Outbox, string Topic, ReceiveOptions A, ReceiveOptions B, RecordingEventSink EventsA, RecordingEventSink EventsB)
    {
        public async Task FinishAsync(Task<ReceiveSummary> receivingA, Task<ReceiveSummary> receivingB)
        {
            await Task.WhenAll(receivingA, receivingB);
            await A.Sink.DisposeAsync();
            await B.Sink.DisposeAsync();
        }

        /// <summary>Union of what the receivers landed is every sent file, the intersection is empty, and every landed file is bit-perfect.</summary>
        public void AssertExactlyOnce()
        {
            var receivers = new[] { (Events: EventsA, Inbox: A.Sink.Destination), (Events: EventsB, Inbox: B.Sink.Destination) };
            foreach (var (events, _) in receivers)
            {
                Assert.Empty(events.Failures);
            }
            var expected = TestFiles.Hashes(Outbox);
            var landed = receivers.Select(r => TestFiles.Hashes(r.Inbox)).ToList();
            var reported = receivers.Select(r => r.Events.Of<FileReceivedEvent>().Select(e => e.File.RelativePath).ToList()).ToList();
            for (var i = 0; i < receivers.Length; i++)
            {
                Assert.Equal(landed[i].Keys.Order(StringComparer.Ordinal), reported[i].Order(StringComparer.Ordinal));
                Assert.All(landed[i], file => Assert.Equal(expected[file.Key], file.Value));
            }
            var all = landed.SelectMany(l => l.Keys).ToList();
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), all.Order(StringComparer.Ordinal));
            Assert.Empty(landed[0].Keys.Intersect(landed[1].Keys));
        }
    }
}
