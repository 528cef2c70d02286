using System.Security.Cryptography;
using UploadPartRequest = Amazon.S3.Model.UploadPartRequest;
using Streamsend.Engine.Kafka;
using Streamsend.Engine.Receiving;
using Streamsend.Engine.Sinks;
using Streamsend.Engine.Sinks.S3;
using Streamsend.Engine.Tests.Support;

namespace Streamsend.Engine.Tests.Transfers;

/// <summary>
/// An S3 destination keeps an incomplete transfer as its open multipart upload (issue #12): across receiver restarts,
/// until the rest arrives or -IncompleteTimeout passes. The file is 34 chunks of 600,000 bytes spread over 8 partitions,
/// so it spans three 8 MiB parts and chunk 13 straddles the end of the first: after chunks 0-13 the first part is
/// uploaded and chunks 0-12 (7,800,000 bytes) are kept, while chunk 13 is only held in memory.
/// </summary>
public sealed class S3IncompleteTransferTests : IClassFixture<MockClusterFixture>, IClassFixture<S3rverFixture>
{
    private const int ChunkSize = 600_000;
    private const int Partitions = 8;
    private const int KeptBytes = 13 * ChunkSize;
    private const string Sender = "drone-9";
    private const string RelativePath = "survey/site-9.tif";
    private static readonly byte[] Content = RawChunks.RandomBytes(20_000_000 - 1234, 91);
    private static readonly int ChunkCount = (Content.Length + ChunkSize - 1) / ChunkSize;
    private readonly MockClusterFixture kafka;
    private readonly S3rverFixture s3;

    public S3IncompleteTransferTests(MockClusterFixture kafka, S3rverFixture s3)
    {
        this.kafka = kafka;
        this.s3 = s3;
    }

    private static string Md5Of(byte[] bytes) => Convert.ToHexString(MD5.HashData(bytes)).ToLowerInvariant();

    private ReceiveOptions Receiving(string topic, string prefix, string group, TimeSpan idle) =>
        TransferHarness.ReceiveOptions(kafka.Settings, topic, "unused", null, group) with
        {
            IdleTimeout = idle,
            Sink = new S3Sink(S3Location.Parse($"s3://{S3rverFixture.Bucket}/{prefix}"), s3.Options),
        };

    /// <summary>
    /// The failures other than the one report each partition gets whose retention outran the group: that is said once
    /// per partition whether or not the destination staged what was deleted.
    /// </summary>
    private static List<StreamsendException> FailuresBesidesRetentionGaps(RecordingEventSink events, string topic, IEnumerable<int> outrunPartitions)
    {
        var gaps = events.Failures.Where(f => f.ErrorId == "RetentionOutranReceiver").Select(f => f.Target).ToList();
        Assert.Equal(outrunPartitions.Select(p => $"{topic} [[{p}]]"), gaps.Select(g => $"{g}").OrderBy(g => g, StringComparer.Ordinal));
        return events.Failures.Where(f => f.ErrorId != "RetentionOutranReceiver").ToList();
    }

    private static Task ProduceChunksAsync(RawProducer raw, string topic, Guid transfer, IEnumerable<int> indexes) =>
        raw.ProduceChunksAsync(topic, transfer, RelativePath, Content, indexes, ChunkSize, Sender, Partitions);

    /// <summary>A first run, into a prefix of its own, that reads chunks 0-13 and stops (-IdleTimeout), keeping the upload of the first part.</summary>
    private async Task<(string Prefix, string Topic, string Group, Guid Transfer)> StopMidFileAsync(RawProducer raw, string name)
    {
        var prefix = $"{name}-{Guid.NewGuid():N}";
        var topic = kafka.NewTopic(Partitions);
        var group = $"group-{Guid.NewGuid():N}";
        var transfer = Guid.NewGuid();
        await ProduceChunksAsync(raw, topic, transfer, Enumerable.Range(0, 14));

        var (first, events) = await TransferHarness.ReceiveAsync(Receiving(topic, prefix, group, TimeSpan.FromSeconds(3)));

        Assert.Equal(1, first.IncompleteAtStop);
        Assert.Contains(events.Warnings, w => w.Contains("site-9.tif") && w.Contains("staged data is kept"));
        Assert.Equal(new[] { $"{prefix}/.streamsend/kept/{transfer:N}.json" }, await s3.KeysAsync($"{prefix}/"));
        Assert.Equal($"{prefix}/.streamsend/partial/{transfer:N}", Assert.Single(await s3.OpenUploadsAsync($"{prefix}/")).Key);
        return (prefix, topic, group, transfer);
    }

    /// <summary>Nothing under the prefix: no object, no manifest, no staged object, no open upload.</summary>
    private async Task AssertNothingLeftAsync(string prefix)
    {
        Assert.Empty(await s3.KeysAsync($"{prefix}/"));
        Assert.Empty(await s3.OpenUploadsAsync($"{prefix}/"));
    }

    /// <summary>The object is the file, byte for byte, with the metadata of any landed object; nothing else is left under the prefix.</summary>
    private async Task AssertLandedAloneAsync(string prefix, Guid transfer)
    {
        var key = $"{prefix}/{RelativePath}";
        Assert.Equal(Md5Of(Content), await s3.Md5OfObjectAsync(key));
        var head = await s3.Client.GetObjectMetadataAsync(S3rverFixture.Bucket, key);
        Assert.Equal(Content.Length, head.ContentLength);
        Assert.Equal(transfer.ToString("N"), head.Metadata[S3ObjectMetadata.Names.TransferId]);
        Assert.Equal(Md5Of(Content), head.Metadata[S3ObjectMetadata.Names.Md5]);
        Assert.Equal(Uri.EscapeDataString(RelativePath), head.Metadata[S3ObjectMetadata.Names.SourcePath]);
        Assert.Equal(Sender, head.Metadata[S3ObjectMetadata.Names.Sender]);
        Assert.Equal("2026-11-30T08:15:00.0000000Z", head.Metadata[S3ObjectMetadata.Names.LastWriteTime]);
        Assert.Equal(new[] { key }, await s3.KeysAsync($"{prefix}/"));
        Assert.Empty(await s3.OpenUploadsAsync($"{prefix}/"));
    }

    [SkippableFact]
    public async Task An_upload_kept_by_a_stopped_receiver_lands_the_object_when_the_rest_arrives_though_the_topic_lost_the_kept_chunks()
    {
        Skip.If(s3.Unavailable is not null, s3.Unavailable);
        using var raw = new RawProducer(kafka.Settings);
        var (prefix, topic, group, transfer) = await StopMidFileAsync(raw, "stopped");

        // Retention takes the kept chunks from every partition but 5, which still holds chunk 13: the first run held it
        // in memory only, so Kafka delivers it again.
        var outrun = Enumerable.Range(0, Partitions).Where(p => p != 13 % Partitions).ToList();
        foreach (var partition in outrun)
        {
            await raw.OutrunRetentionAsync(topic, partition);
        }
        await ProduceChunksAsync(raw, topic, transfer, Enumerable.Range(14, ChunkCount - 14));
        var (second, events) = await TransferHarness.ReceiveAsync(Receiving(topic, prefix, group, TimeSpan.FromSeconds(12)));

        Assert.True(second.FilesLanded == 1, string.Join("\n", events.All.Select(e => e.ToString())));
        Assert.Empty(FailuresBesidesRetentionGaps(events, topic, outrun));
        Assert.Contains(events.Verbose, v => v.Contains($"taking up the {KeptBytes} bytes an earlier run staged"));
        await AssertLandedAloneAsync(prefix, transfer);
    }

    [SkippableFact]
    public async Task An_upload_checkpointed_by_a_killed_receiver_lands_the_object_and_the_uploads_it_did_not_checkpoint_are_aborted()
    {
        Skip.If(s3.Unavailable is not null, s3.Unavailable);
        var prefix = $"killed-{Guid.NewGuid():N}";
        var location = S3Location.Parse($"s3://{S3rverFixture.Bucket}/{prefix}");
        var transfer = Guid.NewGuid();
        var file = new IncomingFile(transfer, RelativePath, Sender, Content.Length, RawChunks.LastWriteTime, ChunkCount);

        // What a receiver killed some time after its last checkpoint leaves: the upload of the first part with its
        // manifest, chunks it received since (held in memory, gone with the process), and the upload of another file
        // that never reached a checkpoint.
        var dead = new S3Sink(location, s3.Options);
        await dead.PrepareAsync(CancellationToken.None);
        var partial = await dead.BeginAsync(file, CancellationToken.None);
        foreach (var index in Enumerable.Range(0, 21))
        {
            if (index == 14)
            {
                Assert.True(await partial.CheckpointAsync(new StagedProgress(ChunkSize, Enumerable.Range(0, 14).ToList(), null, DateTimeOffset.UtcNow, false), CancellationToken.None));
            }
            await partial.WriteAsync((long)index * ChunkSize, RawChunks.Slice(Content, index, ChunkSize), CancellationToken.None);
        }
        var orphan = await s3.Client.InitiateMultipartUploadAsync(S3rverFixture.Bucket, $"{prefix}/.streamsend/partial/{Guid.NewGuid():N}");
        await s3.Client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = S3rverFixture.Bucket,
            Key = orphan.Key,
            UploadId = orphan.UploadId,
            PartNumber = 1,
            InputStream = new MemoryStream(new byte[1024]),
            UseChunkEncoding = false,
        });
        await dead.DisposeAsync();
        Assert.Equal(2, (await s3.OpenUploadsAsync($"{prefix}/")).Count);

        // The topic as the next receiver finds it: retention deleted chunks 0-12; 13 on are there.
        using var raw = new RawProducer(kafka.Settings);
        var topic = kafka.NewTopic(Partitions);
        await ProduceChunksAsync(raw, topic, transfer, Enumerable.Range(13, ChunkCount - 13));
        var (next, events) = await TransferHarness.ReceiveAsync(Receiving(topic, prefix, $"group-{Guid.NewGuid():N}", TimeSpan.FromSeconds(5)));

        Assert.True(next.FilesLanded == 1, string.Join("\n", events.All.Select(e => e.ToString())));
        Assert.Empty(events.Failures);
        Assert.Contains(events.Verbose, v => v.Contains($"taking up the {KeptBytes} bytes an earlier run staged"));
        await AssertLandedAloneAsync(prefix, transfer);
    }

    [SkippableFact]
    public async Task A_kept_upload_past_the_incomplete_window_is_reported_once_and_aborted()
    {
        Skip.If(s3.Unavailable is not null, s3.Unavailable);
        using var raw = new RawProducer(kafka.Settings);
        var (prefix, topic, group, _) = await StopMidFileAsync(raw, "expired");
        foreach (var partition in Enumerable.Range(0, Partitions))
        {
            await raw.OutrunRetentionAsync(topic, partition);
        }

        // The default window is a day; these runs have one the kept upload is already past.
        var (second, secondEvents) = await TransferHarness.ReceiveAsync(Receiving(topic, prefix, group, TimeSpan.FromSeconds(12)) with { IncompleteTransferTimeout = TimeSpan.FromSeconds(1) });
        var (third, thirdEvents) = await TransferHarness.ReceiveAsync(Receiving(topic, prefix, group, TimeSpan.FromSeconds(12)) with { IncompleteTransferTimeout = TimeSpan.FromSeconds(1) });

        var expired = Assert.Single(FailuresBesidesRetentionGaps(secondEvents, topic, Enumerable.Range(0, Partitions)));
        Assert.Equal("TransferExpired", expired.ErrorId);
        Assert.Contains($"'{RelativePath}' from sender '{Sender}'", expired.Message);
        Assert.Contains($"{KeptBytes} of {Content.Length} bytes arrived (kept by an earlier run)", expired.Message);
        Assert.Equal(0, second.FilesLanded);
        Assert.Empty(thirdEvents.Failures);
        Assert.Equal(0, third.IncompleteAtStop);
        await AssertNothingLeftAsync(prefix);
    }

    [SkippableFact]
    public async Task A_kept_part_that_the_store_changed_fails_verification_and_lands_nothing()
    {
        Skip.If(s3.Unavailable is not null, s3.Unavailable);
        using var raw = new RawProducer(kafka.Settings);
        var (prefix, topic, group, transfer) = await StopMidFileAsync(raw, "corrupt");
        s3.CorruptStoredPart(Assert.Single(await s3.OpenUploadsAsync($"{prefix}/")).UploadId, partNumber: 1, offset: 3_000_000);

        await ProduceChunksAsync(raw, topic, transfer, Enumerable.Range(14, ChunkCount - 14));
        var (second, events) = await TransferHarness.ReceiveAsync(Receiving(topic, prefix, group, TimeSpan.FromSeconds(12)));

        var mismatch = Assert.Single(events.Failures);
        Assert.Equal("ChecksumMismatch", mismatch.ErrorId);
        Assert.Contains($"the sender's MD5 is {Md5Of(Content)}", mismatch.Message);
        Assert.Equal(0, second.FilesLanded);
        await AssertNothingLeftAsync(prefix);
    }
}
