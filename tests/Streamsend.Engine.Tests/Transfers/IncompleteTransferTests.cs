using System.Security.Cryptography;
using Streamsend.Engine.Kafka;
using Streamsend.Engine.Receiving;
using Streamsend.Engine.Sinks;
using Streamsend.Engine.Tests.Support;

namespace Streamsend.Engine.Tests.Transfers;

/// <summary>
/// What a receiver does with a transfer whose sender stopped mid-file (issue #12): it keeps the staged data across its
/// own restarts until the sender resumes, or the -IncompleteTimeout passes, and reports each such file once.
/// </summary>
public sealed class IncompleteTransferTests : IClassFixture<MockClusterFixture>
{
    private const int ChunkSize = 512 * 1024;
    private readonly MockClusterFixture kafka;

    public IncompleteTransferTests(MockClusterFixture kafka) => this.kafka = kafka;

    private static ReceiveOptions Receiving(KafkaSettings settings, string topic, string inbox, string group, TimeSpan idle) =>
        TransferHarness.ReceiveOptions(settings, topic, inbox, null, group) with { IdleTimeout = idle };

    private static Task<(ReceiveSummary Summary, RecordingEventSink Events)> ReceiveAsync(ReceiveOptions options) => TransferHarness.ReceiveAsync(options);

    private static Task ProduceChunksAsync(RawProducer raw, string topic, Guid transfer, string path, byte[] content, IEnumerable<int> indexes) =>
        raw.ProduceChunksAsync(topic, transfer, path, content, indexes, ChunkSize, sender: "drone-7");

    private static Task OutrunRetentionAsync(RawProducer raw, string topic) => raw.OutrunRetentionAsync(topic);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Staged_data_kept_by_a_stopped_receiver_lands_the_file_when_the_rest_arrives_though_the_topic_lost_the_first_part(bool receiverWasKilled)
    {
        using var files = new TestFiles();
        var topic = kafka.NewTopic(partitions: 1);
        var group = $"group-{Guid.NewGuid():N}";
        var inbox = Path.Combine(files.Root, "inbox");
        var content = RawChunks.RandomBytes(12 * ChunkSize - 1234, 71);
        var transfer = Guid.NewGuid();
        using var raw = new RawProducer(kafka.Settings);
        await ProduceChunksAsync(raw, topic, transfer, "survey/site-4.tif", content, Enumerable.Range(0, 6));

        var (first, firstEvents) = await ReceiveAsync(Receiving(kafka.Settings, topic, inbox, group, TimeSpan.FromSeconds(3)));
        Assert.Equal(1, first.IncompleteAtStop);
        Assert.Contains(firstEvents.Warnings, w => w.Contains("site-4.tif") && w.Contains("staged data is kept"));
        if (receiverWasKilled)
        {
            // What a receiver killed after its last checkpoint leaves: its staging folder, with no live lock.
            var dead = Path.Combine(inbox, LocalDirectorySink.StateFolderName, "partial", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dead);
            File.WriteAllText(Path.Combine(dead, ".lock"), "");
            foreach (var kept in Directory.GetFiles(Path.Combine(inbox, LocalDirectorySink.StateFolderName, "kept")))
            {
                File.Move(kept, Path.Combine(dead, Path.GetFileName(kept)));
            }
        }

        await OutrunRetentionAsync(raw, topic);
        await ProduceChunksAsync(raw, topic, transfer, "survey/site-4.tif", content, Enumerable.Range(6, 6));
        var (second, secondEvents) = await ReceiveAsync(Receiving(kafka.Settings, topic, inbox, group, TimeSpan.FromSeconds(12)));

        Assert.True(second.FilesLanded == 1, string.Join("\n", secondEvents.All.Select(e => e.ToString())));
        Assert.Equal(Convert.ToHexString(MD5.HashData(content)).ToLowerInvariant(), TestFiles.Hashes(inbox)["survey/site-4.tif"]);
        Assert.DoesNotContain(secondEvents.Failures, f => f.ErrorId is "TransferLost" or "TransferExpired");
        Assert.Contains(secondEvents.Verbose, v => v.Contains("taking up the 3145728 bytes an earlier run staged"));
        Assert.Empty(TestFiles.StagedLeftovers(inbox));
        Assert.Empty(Directory.GetFiles(Path.Combine(inbox, LocalDirectorySink.StateFolderName, "kept")));
    }

    [Fact]
    public async Task A_lost_transfer_is_reported_once_and_lands_after_all_when_its_sender_resumes_it_in_a_later_run()
    {
        using var files = new TestFiles();
        var topic = kafka.NewTopic(partitions: 1);
        var group = $"group-{Guid.NewGuid():N}";
        var inbox = Path.Combine(files.Root, "inbox");
        var content = RawChunks.RandomBytes(12 * ChunkSize, 76);
        var transfer = Guid.NewGuid();
        using var raw = new RawProducer(kafka.Settings);
        await ProduceChunksAsync(raw, topic, transfer, "survey/site-6.tif", content, Enumerable.Range(0, 6));
        await OutrunRetentionAsync(raw, topic);
        await ProduceChunksAsync(raw, topic, transfer, "survey/site-6.tif", content, Enumerable.Range(6, 6));

        var (first, firstEvents) = await ReceiveAsync(Receiving(kafka.Settings, topic, inbox, group, TimeSpan.FromSeconds(3)));
        // Its sender resumes it and sends the missing chunks again.
        await ProduceChunksAsync(raw, topic, transfer, "survey/site-6.tif", content, Enumerable.Range(0, 6));
        var (second, secondEvents) = await ReceiveAsync(Receiving(kafka.Settings, topic, inbox, group, TimeSpan.FromSeconds(12)));

        var lost = Assert.Single(firstEvents.Failures);
        Assert.Equal("TransferLost", lost.ErrorId);
        Assert.Contains("6 chunks, 0-5, are no longer on partition 0", lost.Message);
        Assert.Equal(0, first.FilesLanded);
        Assert.Empty(secondEvents.Failures);
        Assert.Equal(1, second.FilesLanded);
        Assert.Equal(Convert.ToHexString(MD5.HashData(content)).ToLowerInvariant(), TestFiles.Hashes(inbox)["survey/site-6.tif"]);
    }

    [Fact]
    public async Task A_transfer_past_the_incomplete_window_is_reported_once_with_its_sender_bytes_and_age_and_its_offsets_are_released()
    {
        using var files = new TestFiles();
        var topic = kafka.NewTopic(partitions: 1);
        var group = $"group-{Guid.NewGuid():N}";
        var inbox = Path.Combine(files.Root, "inbox");
        var content = RawChunks.RandomBytes(4 * ChunkSize, 72);
        using var raw = new RawProducer(kafka.Settings);
        await ProduceChunksAsync(raw, topic, Guid.NewGuid(), "survey/site-5.tif", content, new[] { 0, 1 });

        // The first run keeps it (the default window is a day); the second has a window it is already past.
        await ReceiveAsync(Receiving(kafka.Settings, topic, inbox, group, TimeSpan.FromSeconds(3)));
        var (second, secondEvents) = await ReceiveAsync(Receiving(kafka.Settings, topic, inbox, group, TimeSpan.FromSeconds(12)) with { IncompleteTransferTimeout = TimeSpan.FromSeconds(1) });
        var (third, thirdEvents) = await ReceiveAsync(Receiving(kafka.Settings, topic, inbox, group, TimeSpan.FromSeconds(12)) with { IncompleteTransferTimeout = TimeSpan.FromSeconds(1) });

        var expired = Assert.Single(secondEvents.Failures);
        Assert.Equal("TransferExpired", expired.ErrorId);
        Assert.Contains("'survey/site-5.tif' from sender 'drone-7'", expired.Message);
        Assert.Contains($"{2 * ChunkSize} of {4 * ChunkSize} bytes arrived", expired.Message);
        Assert.Matches(@"Its newest chunk was sent \d+ seconds ago", expired.Message);
        Assert.Equal(0, second.IncompleteAtStop);
        Assert.Empty(thirdEvents.Failures);
        Assert.Equal(0, third.IncompleteAtStop);
        Assert.Empty(Directory.GetFiles(Path.Combine(inbox, LocalDirectorySink.StateFolderName, "kept")));
    }

    [Fact]
    public async Task A_transfer_beyond_the_staging_limit_waits_with_a_message_and_lands_in_a_later_run()
    {
        using var files = new TestFiles();
        var topic = kafka.NewTopic(partitions: 1);
        var group = $"group-{Guid.NewGuid():N}";
        var inbox = Path.Combine(files.Root, "inbox");
        var stalled = RawChunks.RandomBytes(4 * ChunkSize, 74);
        var waiting = RawChunks.RandomBytes(3 * ChunkSize, 75);
        using var raw = new RawProducer(kafka.Settings);
        await ProduceChunksAsync(raw, topic, Guid.NewGuid(), "stalled.bin", stalled, new[] { 0, 1 });
        await ProduceChunksAsync(raw, topic, Guid.NewGuid(), "waiting.bin", waiting, Enumerable.Range(0, 3));

        var (first, firstEvents) = await ReceiveAsync(Receiving(kafka.Settings, topic, inbox, group, TimeSpan.FromSeconds(3)) with { MaxStagedBytes = 6 * ChunkSize });
        var (second, _) = await ReceiveAsync(Receiving(kafka.Settings, topic, inbox, group, TimeSpan.FromSeconds(12)));

        var full = Assert.Single(firstEvents.Failures);
        Assert.Equal("StagingFull", full.ErrorId);
        Assert.Contains("'waiting.bin' from sender 'drone-7'", full.Message);
        Assert.Contains($"already stage {4 * ChunkSize} of the -MaxStagedBytes {6 * ChunkSize} bytes", full.Message);
        Assert.Equal(0, first.FilesLanded);
        Assert.Equal(1, second.FilesLanded);
        Assert.Equal(Convert.ToHexString(MD5.HashData(waiting)).ToLowerInvariant(), TestFiles.Hashes(inbox)["waiting.bin"]);
    }
}
