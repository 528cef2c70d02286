using System.Security.Cryptography;
using Confluent.Kafka;
using Streamsend.Engine.Events;
using Streamsend.Engine.Receiving;
using Streamsend.Engine.Sending;
using Streamsend.Engine.Tests.Support;
using Streamsend.Engine.Wire;
using Streamsend.MockKafka;

namespace Streamsend.Engine.Tests.Transfers;

/// <summary>Each guarantee of docs/reliability.md, proven by causing its fault over the mock cluster.</summary>
public sealed class ReliabilityTests : IClassFixture<MockClusterFixture>
{
    private const int Chunk = 64 * 1024;
    private readonly MockClusterFixture kafka;

    public ReliabilityTests(MockClusterFixture kafka) => this.kafka = kafka;

    [Fact]
    public async Task A_transfer_whose_sender_died_is_expired_reported_and_never_lands_and_does_not_block_commits()
    {
        using var files = new TestFiles();
        var topic = kafka.NewTopic(partitions: 1);
        var content = RawChunks.RandomBytes(3 * 1000, 1);
        var transfer = Guid.NewGuid();
        using (var raw = new RawProducer(kafka.Settings))
        {
            await raw.ProduceChunkAsync(topic, 0, RawChunks.Of(transfer, "field/drone-0001.jpg", content, 0, 1000), RawChunks.Slice(content, 0, 1000));
            await raw.ProduceChunkAsync(topic, 0, RawChunks.Of(transfer, "field/drone-0001.jpg", content, 1, 1000), RawChunks.Slice(content, 1, 1000));
        }
        var inbox = Path.Combine(files.Root, "inbox");
        var group = $"group-{Guid.NewGuid():N}";
        var received = new RecordingEventSink();
        var options = TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, null, group) with
        {
            IncompleteTransferTimeout = TimeSpan.FromSeconds(1),
            IdleTimeout = TimeSpan.FromSeconds(4),
        };

        var summary = await FileReceiver.RunAsync(options, received, CancellationToken.None);
        await options.Sink.DisposeAsync();

        var failure = Assert.Single(received.Failures);
        Assert.Equal("TransferExpired", failure.ErrorId);
        Assert.Contains("drone-0001.jpg", failure.Message);
        Assert.Contains("2000 of 3000 bytes", failure.Message);
        Assert.Equal(0, summary.FilesLanded);
        Assert.Empty(TestFiles.Hashes(inbox));
        Assert.Empty(TestFiles.StagedLeftovers(inbox));

        var again = new RecordingEventSink();
        var secondRun = TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, null, group) with { IdleTimeout = TimeSpan.FromSeconds(2) };
        await FileReceiver.RunAsync(secondRun, again, CancellationToken.None);
        Assert.Empty(again.Failures);
    }

    [Fact]
    public async Task A_file_that_changes_while_it_is_sent_is_not_reported_sent_and_receivers_discard_it()
    {
        using var files = new TestFiles();
        var path = files.Write("outbox/growing.log", 10 * 1024 * 1024, 5);
        var topic = kafka.NewTopic(partitions: 2);
        var sent = new RecordingEventSink();
        // A slow cluster and a tiny in-flight window keep the file open long enough to change under the sender.
        foreach (var broker in new[] { 1, 2, 3 })
        {
            kafka.Cluster.SetBrokerRtt(broker, 100);
        }
        try
        {
            // With resume state kept, as Send-StreamFile does: a file that changed is still given up, not kept for a resume.
            var options = TransferHarness.SendOptions(kafka.Settings, topic, Chunk) with { MaxInFlightBytes = 4 * Chunk, ResumeFolder = files.PathOf("state/resume") };
            using var sender = await FileSender.ConnectAsync(options, sent, CancellationToken.None);
            var sending = sender.SendAsync(new SendRequest(path, "growing.log"), CancellationToken.None);
            await Task.Delay(TimeSpan.FromSeconds(1));
            if (!TryAppend(path, "one more line\n"))
            {
                // Windows (and Mono, which emulates its share modes) refuses writers while the sender holds the file
                // open for reading: there the file cannot change under the sender, and it is sent as it was.
                Assert.Equal(10 * 1024 * 1024, (await sending).Length);
                return;
            }

            var error = await Assert.ThrowsAsync<StreamsendException>(() => sending);

            Assert.Equal("FileChangedWhileSending", error.ErrorId);
            Assert.Contains("growing.log", error.Message);
            Assert.DoesNotContain("resume", error.Message);
            Assert.Empty(Directory.Exists(options.ResumeFolder) ? Directory.GetFiles(options.ResumeFolder!) : Array.Empty<string>());
        }
        finally
        {
            foreach (var broker in new[] { 1, 2, 3 })
            {
                kafka.Cluster.SetBrokerRtt(broker, 0);
            }
        }
        Assert.Empty(sent.Of<FileSentEvent>());

        var received = new RecordingEventSink();
        var summary = await FileReceiver.RunAsync(TransferHarness.ReceiveOptions(kafka.Settings, topic, Path.Combine(files.Root, "inbox"), null), received, CancellationToken.None);
        Assert.Equal(0, summary.FilesLanded);
        Assert.Contains(received.Of<DiagnosticEvent>(), d => d.Level == DiagnosticLevel.Warning && d.Message.Contains("abandoned 'growing.log'"));
    }

    [Fact]
    public async Task A_transfer_the_sender_abandoned_is_discarded_at_once_with_a_warning()
    {
        using var files = new TestFiles();
        var topic = kafka.NewTopic(partitions: 1);
        var content = RawChunks.RandomBytes(2000, 2);
        var transfer = Guid.NewGuid();
        using (var raw = new RawProducer(kafka.Settings))
        {
            await raw.ProduceChunkAsync(topic, 0, RawChunks.Of(transfer, "changing.log", content, 0, 1000), RawChunks.Slice(content, 0, 1000));
            await raw.ProduceChunkAsync(topic, 0, new ChunkHeader(MessageKind.Abort, transfer, "changing.log", "raw", 0, 1, 0, 0, DateTimeOffset.UtcNow, null), Array.Empty<byte>());
            await raw.ProduceChunkAsync(topic, 0, RawChunks.Of(transfer, "changing.log", content, 1, 1000), RawChunks.Slice(content, 1, 1000));
        }
        var inbox = Path.Combine(files.Root, "inbox");
        var received = new RecordingEventSink();

        var summary = await FileReceiver.RunAsync(TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, null), received, CancellationToken.None);

        Assert.Equal(0, summary.FilesLanded);
        Assert.Empty(received.Failures);
        Assert.Contains(received.Of<DiagnosticEvent>(), d => d.Level == DiagnosticLevel.Warning && d.Message.Contains("changing.log"));
        Assert.Empty(TestFiles.Hashes(inbox));
    }

    [Fact]
    public async Task Duplicate_chunks_and_a_resent_copy_of_a_landed_transfer_land_once()
    {
        using var files = new TestFiles();
        var topic = kafka.NewTopic(partitions: 2);
        var content = RawChunks.RandomBytes(2500, 3);
        var transfer = Guid.NewGuid();
        using (var raw = new RawProducer(kafka.Settings))
        {
            foreach (var round in new[] { 0, 1 })
            {
                for (var index = 0; index < 3; index++)
                {
                    var header = RawChunks.Of(transfer, "receipts/r-1.pdf", content, index, 1000);
                    await raw.ProduceChunkAsync(topic, index % 2, header, RawChunks.Slice(content, index, 1000));
                    await raw.ProduceChunkAsync(topic, index % 2, header, RawChunks.Slice(content, index, 1000));
                }
            }
        }
        var inbox = Path.Combine(files.Root, "inbox");
        var received = new RecordingEventSink();

        var summary = await FileReceiver.RunAsync(TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, null), received, CancellationToken.None);

        Assert.Equal(1, summary.FilesLanded);
        Assert.Single(received.Of<FileReceivedEvent>());
        Assert.Empty(received.Failures);
        Assert.Equal(Convert.ToHexString(MD5.HashData(content)).ToLowerInvariant(), TestFiles.Hashes(inbox)["receipts/r-1.pdf"]);
    }

    [Fact]
    public async Task A_destination_that_reads_the_topic_again_does_not_land_a_landed_transfer_twice()
    {
        using var files = new TestFiles();
        files.Write("outbox/policy-1.pdf", 3 * Chunk + 5, 4);
        var topic = kafka.NewTopic();
        var inbox = Path.Combine(files.Root, "inbox");
        await TransferHarness.SendWhileReceivingAsync(
            TransferHarness.SendOptions(kafka.Settings, topic, Chunk),
            SourceTree.Expand(Path.Combine(files.Root, "outbox"), null),
            TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, 1));

        // A new group re-reads every message, as a receiver killed before committing would.
        var rereading = new RecordingEventSink();
        var options = TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, null);
        var summary = await FileReceiver.RunAsync(options, rereading, CancellationToken.None);

        Assert.Equal(0, summary.FilesLanded);
        Assert.Empty(rereading.Of<FileReceivedEvent>());
        Assert.Contains(rereading.Of<DiagnosticEvent>(), d => d.Message.Contains("already landed"));
    }

    [Fact]
    public async Task Files_sent_while_a_broker_is_down_arrive_once_each_when_it_comes_back()
    {
        using var files = new TestFiles();
        for (var i = 0; i < 6; i++)
        {
            files.Write($"outbox/img-{i}.raw", 4 * Chunk + i, 10 + i);
        }
        var topic = kafka.NewTopic(partitions: 6);
        kafka.Cluster.SetBrokerDown(2);
        var restore = Task.Delay(TimeSpan.FromSeconds(2)).ContinueWith(_ => kafka.Cluster.SetBrokerUp(2));

        var (summary, sent, received) = await TransferHarness.SendWhileReceivingAsync(
            TransferHarness.SendOptions(kafka.Settings, topic, Chunk),
            SourceTree.Expand(Path.Combine(files.Root, "outbox"), null),
            TransferHarness.ReceiveOptions(kafka.Settings, topic, Path.Combine(files.Root, "inbox"), 6));
        await restore;

        Assert.Empty(sent.Failures);
        Assert.Empty(received.Failures);
        Assert.Equal(6, summary.FilesLanded);
        Assert.Equal(6, received.Of<FileReceivedEvent>().Select(r => r.File.TransferId).Distinct().Count());
        Assert.Equal(TestFiles.Hashes(Path.Combine(files.Root, "outbox")), TestFiles.Hashes(Path.Combine(files.Root, "inbox")));
    }

    [Fact]
    public async Task Request_errors_injected_on_produce_and_fetch_are_retried_and_every_file_arrives_once()
    {
        using var files = new TestFiles();
        for (var i = 0; i < 4; i++)
        {
            files.Write($"outbox/scan-{i}.tif", 3 * Chunk + i, 20 + i);
        }
        var topic = kafka.NewTopic();
        kafka.Cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut, ErrorCode.NotEnoughReplicas, ErrorCode.LeaderNotAvailable);
        kafka.Cluster.PushRequestErrors(KafkaApiKey.Fetch, ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut);
        // One produce request in flight per connection, for the mock's sake only. librdkafka, when request R2 of a
        // partition succeeds after R1 failed, acknowledges R1's messages too (rd_kafka_handle_idempotent_Produce_success):
        // a real broker would have refused R2 as out of sequence unless R1 had been written. The mock checks sequence
        // numbers only for transactional producers (rd_kafka_mock_validate_records), so it writes R2 after a lost R1 and
        // an acknowledged chunk vanishes. With R2 never sent before R1 is answered, the test sees what a broker would do.
        var sendOptions = TransferHarness.SendOptions(kafka.Settings, topic, Chunk) with
        {
            Kafka = kafka.Settings with
            {
                Properties = new Dictionary<string, string>(kafka.Settings.Properties.ToDictionary()) { ["max.in.flight.requests.per.connection"] = "1" },
            },
        };

        var (summary, sent, received) = await TransferHarness.SendWhileReceivingAsync(
            sendOptions,
            SourceTree.Expand(Path.Combine(files.Root, "outbox"), null),
            TransferHarness.ReceiveOptions(kafka.Settings, topic, Path.Combine(files.Root, "inbox"), 4));

        Assert.Empty(sent.Failures);
        Assert.Empty(received.Failures);
        Assert.Equal(4, summary.FilesLanded);
        Assert.Equal(TestFiles.Hashes(Path.Combine(files.Root, "outbox")), TestFiles.Hashes(Path.Combine(files.Root, "inbox")));
    }

    [Fact]
    public async Task A_transfer_retention_cut_short_is_reported_lost_once_over_two_runs_and_a_file_sent_after_it_lands()
    {
        using var files = new TestFiles();
        var topic = kafka.NewTopic(partitions: 2);
        var group = $"group-{Guid.NewGuid():N}";
        var inbox = Path.Combine(files.Root, "inbox");
        files.Write("first/small.txt", 100, 30);
        await TransferHarness.SendWhileReceivingAsync(
            TransferHarness.SendOptions(kafka.Settings, topic, Chunk),
            SourceTree.Expand(Path.Combine(files.Root, "first"), null),
            TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, 1, group));

        // While no receiver runs, a file larger than the 2 × 5 MiB the mock retains goes through, and a file after it.
        files.Write("second/big.bin", 16 * 1024 * 1024, 31);
        files.Write("third/after.bin", 600 * 1024, 32);
        foreach (var folder in new[] { "second", "third" })
        {
            await TransferHarness.SendAllAsync(TransferHarness.SendOptions(kafka.Settings, topic, 256 * 1024), SourceTree.Expand(Path.Combine(files.Root, folder), null), new RecordingEventSink());
        }

        var received = new RecordingEventSink();
        // Long enough for the group to take the new member in after the first member's session expired.
        var options = TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, null, group) with { IdleTimeout = TimeSpan.FromSeconds(12) };
        var summary = await FileReceiver.RunAsync(options, received, CancellationToken.None);
        await options.Sink.DisposeAsync();

        Assert.Contains(received.Failures, f => f.ErrorId == "RetentionOutranReceiver");
        var lost = Assert.Single(received.Failures, f => f.ErrorId == "TransferLost");
        Assert.Contains("big.bin", lost.Message);
        Assert.Contains("test-sender", lost.Message);
        Assert.Matches(@"\d+ chunks, [0-9, …-]+, are no longer on partition \d", lost.Message);
        Assert.DoesNotContain(received.Failures, f => f.ErrorId is "TransferExpired");
        Assert.Equal(1, summary.FilesLanded);
        Assert.Equal(TestFiles.Hashes(Path.Combine(files.Root, "third"))["after.bin"], TestFiles.Hashes(inbox)["after.bin"]);
        Assert.False(File.Exists(Path.Combine(inbox, "big.bin")));
        Assert.Empty(TestFiles.StagedLeftovers(inbox));

        var again = new RecordingEventSink();
        var secondRun = TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, null, group) with { IdleTimeout = TimeSpan.FromSeconds(12) };
        var secondSummary = await FileReceiver.RunAsync(secondRun, again, CancellationToken.None);
        await secondRun.Sink.DisposeAsync();

        Assert.Empty(again.Failures);
        Assert.Equal(0, secondSummary.FilesLanded);
        Assert.Equal(0, secondSummary.IncompleteAtStop);
    }

    [Fact]
    public async Task A_file_the_destination_refuses_is_reported_and_received_again_by_the_next_run()
    {
        using var files = new TestFiles();
        files.Write("outbox/report.csv", 1000, 40);
        var topic = kafka.NewTopic();
        var group = $"group-{Guid.NewGuid():N}";
        var inbox = Path.Combine(files.Root, "inbox");
        Directory.CreateDirectory(Path.Combine(inbox, "report.csv"));

        var (first, _, received) = await TransferHarness.SendWhileReceivingAsync(
            TransferHarness.SendOptions(kafka.Settings, topic, Chunk),
            SourceTree.Expand(Path.Combine(files.Root, "outbox"), null),
            TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, null, group));

        Assert.Equal(0, first.FilesLanded);
        var failure = Assert.Single(received.Failures);
        Assert.Equal("DestinationWriteFailed", failure.ErrorId);
        Assert.Contains("report.csv", failure.Message);

        Directory.Delete(Path.Combine(inbox, "report.csv"));
        var retry = new RecordingEventSink();
        var second = await FileReceiver.RunAsync(TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, 1, group), retry, CancellationToken.None);

        Assert.Equal(1, second.FilesLanded);
        Assert.Equal(TestFiles.Hashes(Path.Combine(files.Root, "outbox")), TestFiles.Hashes(inbox));
    }

    [Fact]
    public async Task Receivers_sharing_a_group_refuse_chunk_spread_files_rather_than_land_half_of_them()
    {
        using var files = new TestFiles();
        files.Write("outbox/video.mp4", 8 * Chunk, 50);
        var topic = kafka.NewTopic(partitions: 4);
        var group = $"group-{Guid.NewGuid():N}";
        var firstInbox = Path.Combine(files.Root, "inbox-1");
        var secondInbox = Path.Combine(files.Root, "inbox-2");
        var firstEvents = new RecordingEventSink();
        var secondEvents = new RecordingEventSink();
        var first = FileReceiver.RunAsync(TransferHarness.ReceiveOptions(kafka.Settings, topic, firstInbox, null, group) with { IdleTimeout = TimeSpan.FromSeconds(8) }, firstEvents, CancellationToken.None);
        var second = FileReceiver.RunAsync(TransferHarness.ReceiveOptions(kafka.Settings, topic, secondInbox, null, group) with { IdleTimeout = TimeSpan.FromSeconds(8) }, secondEvents, CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(4));

        await TransferHarness.SendAllAsync(TransferHarness.SendOptions(kafka.Settings, topic, Chunk), SourceTree.Expand(Path.Combine(files.Root, "outbox"), null), new RecordingEventSink());
        await Task.WhenAll(first, second);

        Assert.Empty(TestFiles.Hashes(firstInbox));
        Assert.Empty(TestFiles.Hashes(secondInbox));
        Assert.Contains(firstEvents.Failures.Concat(secondEvents.Failures), f => f.ErrorId == "DistributionMismatch" && f.Message.Contains("-Distribution File"));
    }

    /// <summary>Appends as another program would; false when the file system refuses a writer while the sender reads.</summary>
    private static bool TryAppend(string path, string text)
    {
        try
        {
            File.AppendAllText(path, text);
            return true;
        }
        catch (IOException e) when (e.Message.Contains("Sharing violation") || e.HResult == unchecked((int)0x80070020))
        {
            return false;
        }
    }
}
