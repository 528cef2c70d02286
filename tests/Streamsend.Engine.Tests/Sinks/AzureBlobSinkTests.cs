using System.Security.Cryptography;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Streamsend.Engine.Events;
using Streamsend.Engine.Receiving;
using Streamsend.Engine.Sending;
using Streamsend.Engine.Sinks;
using Streamsend.Engine.Sinks.AzureBlob;
using Streamsend.Engine.Tests.Support;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Tests.Sinks;

public sealed class AzureBlobSinkTests : IClassFixture<MockClusterFixture>, IClassFixture<AzuriteFixture>
{
    private const int Chunk = 256 * 1024;
    private readonly MockClusterFixture kafka;
    private readonly AzuriteFixture azure;

    public AzureBlobSinkTests(MockClusterFixture kafka, AzuriteFixture azure)
    {
        this.kafka = kafka;
        this.azure = azure;
    }

    private AzureBlobSink Sink(string container, string prefix, bool overwrite = false) => new($"{azure.Endpoint}/{container}/{prefix}", azure.Options, overwrite);

    /// <summary>Block uploads run beside the writes: waits (30 s at most) until the blob's uncommitted list shows <paramref name="count"/> of the transfer's blocks.</summary>
    private static async Task WaitForStagedBlocksAsync(AzurePartialFile partial, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await partial.StagedRangesAsync(CancellationToken.None)).Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    [SkippableFact]
    public async Task A_file_whose_chunks_arrive_out_of_order_over_16_partitions_lands_as_one_verified_blob_with_its_md5_and_landing_record()
    {
        Skip.If(azure.Unavailable is not null, azure.Unavailable);
        var container = await azure.NewContainerAsync();
        using var files = new TestFiles();
        var source = files.Write("outbox/video.bin", 20 * 1024 * 1024 + 12345, seed: 7);
        var topic = kafka.NewTopic(partitions: 16);
        var receive = TransferHarness.ReceiveOptions(kafka.Settings, topic, "unused", maxFiles: 1) with { Sink = Sink(container, "roundtrip") };

        var (summary, sent, received) = await TransferHarness.SendWhileReceivingAsync(
            TransferHarness.SendOptions(kafka.Settings, topic, Chunk), SourceTree.Expand(Path.Combine(files.Root, "outbox"), null), receive);

        Assert.Empty(received.Failures);
        Assert.Equal(1, summary.FilesLanded);
        var landed = Assert.Single(received.Of<FileReceivedEvent>()).File;
        Assert.Equal($"{azure.Endpoint}/{container}/roundtrip/video.bin", landed.FullName);
        Assert.Equal(TestFiles.Md5Of(source), await azure.Md5OfBlobAsync(container, "roundtrip/video.bin"));
        var properties = (await azure.Service.GetBlobContainerClient(container).GetBlobClient("roundtrip/video.bin").GetPropertiesAsync()).Value;
        Assert.Equal(TestFiles.Md5Of(source), Convert.ToHexString(properties.ContentHash).ToLowerInvariant());
        Assert.Equal(landed.TransferId.ToString("N"), properties.Metadata["streamsend_transfer"]);
        Assert.Equal("test-sender", properties.Metadata["streamsend_sender"]);
        Assert.Equal(81, (await azure.Service.GetBlobContainerClient(container).GetBlockBlobClient("roundtrip/video.bin").GetBlockListAsync(BlockListTypes.Committed)).Value.CommittedBlocks.Count());
        Assert.Equal(new[] { "roundtrip/video.bin" }, await azure.NamesAsync(container, uncommitted: true));
        await using var restarted = Sink(container, "roundtrip");
        Assert.True(await restarted.WasLandedAsync(new IncomingFile(landed.TransferId, "video.bin", "test-sender", landed.Length, landed.LastWriteTimeUtc), CancellationToken.None));
    }

    [SkippableFact]
    public async Task Nothing_is_visible_before_the_commit_and_a_restarted_receiver_finds_the_transfers_staged_blocks()
    {
        Skip.If(azure.Unavailable is not null, azure.Unavailable);
        var container = await azure.NewContainerAsync();
        var content = RandomNumberGenerator.GetBytes(5 * Chunk + 100);
        var file = new IncomingFile(Guid.NewGuid(), "staged/video.bin", "edge-07", content.Length, DateTimeOffset.UtcNow, ChunkCount: 6);
        await using var sink = Sink(container, "p");
        await sink.PrepareAsync(CancellationToken.None);
        var partial = (AzurePartialFile)await sink.BeginAsync(file, CancellationToken.None);
        // Last chunk first: every chunk but the first arrives ahead of a gap and must be read back for hashing.
        for (var index = 5; index >= 0; index--)
        {
            var offset = index * Chunk;
            await partial.WriteAsync(offset, content.AsMemory(offset, Math.Min(Chunk, content.Length - offset)), CancellationToken.None);
        }
        var readBack = new byte[content.Length - Chunk];
        await partial.ReadAsync(Chunk, readBack, CancellationToken.None);
        Assert.Equal(content.AsSpan(Chunk).ToArray(), readBack);

        await WaitForStagedBlocksAsync(partial, 6);
        Assert.Empty(await azure.NamesAsync(container));
        Assert.Equal(new[] { "p/staged/video.bin" }, await azure.NamesAsync(container, uncommitted: true));
        await using (var restarted = Sink(container, "p"))
        {
            var again = (AzurePartialFile)await restarted.BeginAsync(file, CancellationToken.None);
            var staged = await again.StagedRangesAsync(CancellationToken.None);
            Assert.Equal(Enumerable.Range(0, 6).Select(i => ((long)i * Chunk, (long)Math.Min(Chunk, content.Length - i * Chunk))), staged);
            var other = (AzurePartialFile)await restarted.BeginAsync(file with { TransferId = Guid.NewGuid(), RelativePath = "staged/other.bin" }, CancellationToken.None);
            Assert.Empty(await other.StagedRangesAsync(CancellationToken.None));
            await again.DisposeAsync();
            await other.DisposeAsync();
        }

        var md5 = Convert.ToHexString(MD5.HashData(content)).ToLowerInvariant();
        var landed = await partial.CommitAsync(md5, CancellationToken.None);
        await partial.DisposeAsync();

        Assert.Equal($"{azure.Endpoint}/{container}/p/staged/video.bin", landed.Location);
        Assert.Equal(new[] { "p/staged/video.bin" }, await azure.NamesAsync(container));
        Assert.Equal(md5, await azure.Md5OfBlobAsync(container, "p/staged/video.bin"));
        Assert.True(await sink.WasLandedAsync(file, CancellationToken.None));
        Assert.False(await sink.WasLandedAsync(file with { TransferId = Guid.NewGuid() }, CancellationToken.None));
    }

    [SkippableFact]
    public async Task A_stopped_receiver_keeps_nothing_of_a_transfer_but_its_blocks_stay_and_the_next_run_stages_the_same_ids_again_and_lands_it()
    {
        Skip.If(azure.Unavailable is not null, azure.Unavailable);
        var container = await azure.NewContainerAsync();
        var content = RandomNumberGenerator.GetBytes(5 * Chunk + 100);
        var file = new IncomingFile(Guid.NewGuid(), "kept/video.bin", "edge-07", content.Length, DateTimeOffset.UtcNow, ChunkCount: 6);
        var progress = new StagedProgress(Chunk, new[] { 0, 1, 2 }, null, DateTimeOffset.UtcNow, LostReported: false);
        async Task WriteChunkAsync(IPartialFile partial, int index) =>
            await partial.WriteAsync(index * Chunk, content.AsMemory(index * Chunk, Math.Min(Chunk, content.Length - index * Chunk)), CancellationToken.None);

        await using (var stopped = Sink(container, "k"))
        {
            await stopped.PrepareAsync(CancellationToken.None);
            var partial = (AzurePartialFile)await stopped.BeginAsync(file, CancellationToken.None);
            foreach (var index in progress.Chunks)
            {
                await WriteChunkAsync(partial, index);
            }
            Assert.False(await partial.CheckpointAsync(progress, CancellationToken.None));
            await WaitForStagedBlocksAsync(partial, 3);
            Assert.False(await partial.KeepAsync(progress, CancellationToken.None));
            await partial.DisposeAsync();
        }

        await using var restarted = Sink(container, "k");
        await restarted.PrepareAsync(CancellationToken.None);
        Assert.Empty(await restarted.KeptAsync(CancellationToken.None));
        var again = (AzurePartialFile)await restarted.BeginAsync(file, CancellationToken.None);
        Assert.Null(again.Kept);
        Assert.False(again.HashesItself);
        // Keeping nothing deleted nothing: the blocks are there, uncommitted, and no blob is.
        Assert.Equal(3, (await again.StagedRangesAsync(CancellationToken.None)).Count);
        Assert.Empty(await azure.NamesAsync(container));
        for (var index = 0; index < 6; index++)
        {
            await WriteChunkAsync(again, index);
        }
        var md5 = Convert.ToHexString(MD5.HashData(content)).ToLowerInvariant();
        await again.CommitAsync(md5, CancellationToken.None);
        await again.DisposeAsync();

        Assert.Equal(md5, await azure.Md5OfBlobAsync(container, "k/kept/video.bin"));
        Assert.Equal(6, (await azure.Service.GetBlobContainerClient(container).GetBlockBlobClient("k/kept/video.bin").GetBlockListAsync(BlockListTypes.Committed)).Value.CommittedBlocks.Count());
    }

    [SkippableFact]
    public async Task A_file_whose_md5_does_not_match_leaves_no_blob_only_uncommitted_blocks_that_no_listing_shows_as_a_blob()
    {
        Skip.If(azure.Unavailable is not null, azure.Unavailable);
        var container = await azure.NewContainerAsync();
        var size = 3 * 1024 * 1024;
        var content = new byte[size];
        new Random(11).NextBytes(content);
        var topic = kafka.NewTopic(partitions: 8);
        using (var raw = new RawProducer(kafka.Settings))
        {
            await raw.ProduceFileAsync(topic, 8, "bad.bin", content, Chunk, claimedMd5: new string('0', 32));
        }
        var events = new RecordingEventSink();
        var receive = TransferHarness.ReceiveOptions(kafka.Settings, topic, "unused", maxFiles: null) with { Sink = Sink(container, "mismatch") };

        var summary = await FileReceiver.RunAsync(receive, events, CancellationToken.None);
        await receive.Sink.DisposeAsync();

        Assert.Equal(0, summary.FilesLanded);
        Assert.Equal("ChecksumMismatch", Assert.Single(events.Failures).ErrorId);
        Assert.Empty(await azure.NamesAsync(container));
        // Azure has no call that drops uncommitted blocks: they wait for the next commit of this name, or seven days.
        Assert.Equal(new[] { "mismatch/bad.bin" }, await azure.NamesAsync(container, uncommitted: true));
        Assert.False((await azure.Service.GetBlobContainerClient(container).GetBlobClient("mismatch/bad.bin").ExistsAsync()).Value);
    }

    [SkippableFact]
    public async Task A_file_from_another_sender_lands_beside_the_first_blob_is_known_as_landed_there_and_an_update_replaces_only_its_own()
    {
        Skip.If(azure.Unavailable is not null, azure.Unavailable);
        var container = await azure.NewContainerAsync();
        using var files = new TestFiles();
        var first = files.Write("outlet-07/a.csv", 3 * Chunk + 1, seed: 21);
        var other = files.Write("outlet-09/a.csv", 2 * Chunk, seed: 22);
        var update = files.Write("outlet-07/b.csv", 700, seed: 23);

        var (warnings, landings) = await TransferHarness.LandOneByOneAsync(kafka, () => Sink(container, "fanin"), "reports/daily.csv", Chunk, (first, "outlet-07"), (other, "outlet-09"), (update, "outlet-07"));

        Assert.Equal(new[] { "fanin/reports/daily (from outlet-09).csv", "fanin/reports/daily.csv" }, await azure.NamesAsync(container, uncommitted: true));
        Assert.Equal(TestFiles.Md5Of(update), await azure.Md5OfBlobAsync(container, "fanin/reports/daily.csv"));
        Assert.Equal(TestFiles.Md5Of(other), await azure.Md5OfBlobAsync(container, "fanin/reports/daily (from outlet-09).csv"));
        Assert.Contains("'outlet-07'", Assert.Single(warnings));
        await using var sink = Sink(container, "fanin");
        var fromOutlet09 = landings[1];
        Assert.True(await sink.WasLandedAsync(new IncomingFile(fromOutlet09.TransferId, "reports/daily.csv", "outlet-09", fromOutlet09.Length, fromOutlet09.LastWriteTimeUtc), CancellationToken.None));
    }

    [SkippableFact]
    public async Task Two_files_for_one_blob_at_once_never_stage_together_another_senders_lands_beside_the_same_senders_waits()
    {
        Skip.If(azure.Unavailable is not null, azure.Unavailable);
        var container = await azure.NewContainerAsync();
        await using var sink = Sink(container, "busy");
        var first = new IncomingFile(Guid.NewGuid(), "daily.csv", "outlet-07", 10, DateTimeOffset.UtcNow, 2);
        await using var arriving = await sink.BeginAsync(first, CancellationToken.None);

        var busy = await Assert.ThrowsAsync<StreamsendException>(async () => await sink.BeginAsync(first with { TransferId = Guid.NewGuid() }, CancellationToken.None));
        await using var beside = (AzurePartialFile)await sink.BeginAsync(first with { TransferId = Guid.NewGuid(), Sender = "outlet-09" }, CancellationToken.None);

        Assert.Equal("AzureBlobBusy", busy.ErrorId);
        Assert.Equal(ErrorKind.ResourceUnavailable, busy.Kind);
        Assert.EndsWith("/busy/daily%20%28from%20outlet-09%29.csv", beside.FinalLocation);
        await arriving.AbortAsync();
        await using var afterAbort = await sink.BeginAsync(first with { TransferId = Guid.NewGuid() }, CancellationToken.None);
    }

    [SkippableFact]
    public async Task A_blob_written_there_since_the_file_began_is_not_replaced()
    {
        Skip.If(azure.Unavailable is not null, azure.Unavailable);
        var container = await azure.NewContainerAsync();
        await using var sink = Sink(container, "race");
        var content = new byte[] { 1, 2, 3 };
        var file = new IncomingFile(Guid.NewGuid(), "late.bin", "edge-07", content.Length, DateTimeOffset.UtcNow);
        await using var partial = await sink.BeginAsync(file, CancellationToken.None);
        await partial.WriteAsync(0, content, CancellationToken.None);
        var blob = azure.Service.GetBlobContainerClient(container).GetBlobClient("race/late.bin");
        await blob.UploadAsync(new BinaryData("someone else's"));

        var refused = await Assert.ThrowsAsync<StreamsendException>(async () => await partial.CommitAsync(Convert.ToHexString(MD5.HashData(content)).ToLowerInvariant(), CancellationToken.None));

        Assert.Equal("DestinationWriteFailed", refused.ErrorId);
        Assert.Equal("someone else's", (await blob.DownloadContentAsync()).Value.Content.ToString());
    }

    [SkippableTheory]
    [InlineData("../escaped.txt", "UnsafeRelativePath")]
    [InlineData(".streamsend/partial/x", "UnsafeRelativePath")]
    [InlineData("/etc/passwd", "UnsafeRelativePath")]
    [InlineData("trailing./dot.txt", "UnsupportedBlobName")]
    public async Task Hostile_or_unstorable_names_are_refused_and_nothing_is_written(string relativePath, string errorId)
    {
        Skip.If(azure.Unavailable is not null, azure.Unavailable);
        var container = await azure.NewContainerAsync();
        await using var sink = Sink(container, "hostile");

        var refused = await Assert.ThrowsAsync<StreamsendException>(async () => await sink.BeginAsync(new IncomingFile(Guid.NewGuid(), relativePath, "kcat", 2, DateTimeOffset.UtcNow), CancellationToken.None));

        Assert.Equal(errorId, refused.ErrorId);
        Assert.Empty(await azure.NamesAsync(container, uncommitted: true));
    }

    [SkippableFact]
    public async Task A_file_of_more_chunks_than_a_blob_has_blocks_is_refused_before_anything_is_staged()
    {
        Skip.If(azure.Unavailable is not null, azure.Unavailable);
        var container = await azure.NewContainerAsync();
        await using var sink = Sink(container, "limits");

        var refused = await Assert.ThrowsAsync<StreamsendException>(async () =>
            await sink.BeginAsync(new IncomingFile(Guid.NewGuid(), "huge.img", "edge-07", 50_001L * 950_000, DateTimeOffset.UtcNow, 50_001), CancellationToken.None));

        Assert.Equal("AzureBlockLimitExceeded", refused.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, refused.Kind);
        Assert.Contains("950019 bytes", refused.Message);
    }

    [SkippableFact]
    public async Task A_container_that_does_not_exist_stops_the_receiver_before_it_reads_anything()
    {
        Skip.If(azure.Unavailable is not null, azure.Unavailable);
        await using var sink = Sink("no-such-container", "p");

        var refused = await Assert.ThrowsAsync<StreamsendException>(async () => await sink.PrepareAsync(CancellationToken.None));

        Assert.Equal("DestinationNotWritable", refused.ErrorId);
        Assert.Contains("does not exist", refused.Message);
        Assert.DoesNotContain(azure.Key, refused.ToString());
    }
}
