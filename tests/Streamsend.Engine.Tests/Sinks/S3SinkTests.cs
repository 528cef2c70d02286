using System.Security.Cryptography;
using Streamsend.Engine.Events;
using Streamsend.Engine.Sending;
using Streamsend.Engine.Sinks.S3;
using Streamsend.Engine.Tests.Support;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Tests.Sinks;

public sealed class S3SinkTests : IClassFixture<MockClusterFixture>, IClassFixture<S3rverFixture>
{
    private const int Chunk = 256 * 1024;
    private readonly MockClusterFixture kafka;
    private readonly S3rverFixture s3;

    public S3SinkTests(MockClusterFixture kafka, S3rverFixture s3)
    {
        this.kafka = kafka;
        this.s3 = s3;
    }

    [SkippableFact]
    public async Task A_file_larger_than_a_part_arrives_out_of_order_and_lands_as_one_verified_object()
    {
        Skip.If(s3.Unavailable is not null, s3.Unavailable);
        using var files = new TestFiles();
        var source = files.Write("outbox/video.bin", 20 * 1024 * 1024 + 12345, seed: 7);
        var topic = kafka.NewTopic(partitions: 16);
        var receive = TransferHarness.ReceiveOptions(kafka.Settings, topic, "unused", maxFiles: 1) with
        {
            Sink = new S3Sink(S3Location.Parse($"s3://{S3rverFixture.Bucket}/roundtrip"), s3.Options),
        };

        var (summary, sent, received) = await TransferHarness.SendWhileReceivingAsync(
            TransferHarness.SendOptions(kafka.Settings, topic, Chunk), SourceTree.Expand(Path.Combine(files.Root, "outbox"), null), receive);

        Assert.Empty(received.Failures);
        Assert.Equal(1, summary.FilesLanded);
        var landed = Assert.Single(received.Of<FileReceivedEvent>()).File;
        Assert.Equal($"s3://{S3rverFixture.Bucket}/roundtrip/video.bin", landed.FullName);
        Assert.False(string.IsNullOrEmpty(landed.ETag));
        Assert.Equal(Md5Of(source), await s3.Md5OfObjectAsync("roundtrip/video.bin"));
        Assert.Equal(new[] { "roundtrip/video.bin" }, await s3.KeysAsync("roundtrip/"));
        Assert.Empty(await s3.OpenUploadsAsync());
    }

    [SkippableFact]
    public async Task A_file_whose_md5_does_not_match_is_aborted_leaving_no_object_and_no_parts()
    {
        Skip.If(s3.Unavailable is not null, s3.Unavailable);
        var size = 20 * 1024 * 1024;
        var content = new byte[size];
        new Random(11).NextBytes(content);
        var topic = kafka.NewTopic(partitions: 8);
        using (var raw = new RawProducer(kafka.Settings))
        {
            await raw.ProduceFileAsync(topic, 8, "bad.bin", content, Chunk, claimedMd5: new string('0', 32));
        }
        var events = new RecordingEventSink();
        var receive = TransferHarness.ReceiveOptions(kafka.Settings, topic, "unused", maxFiles: null) with
        {
            Sink = new S3Sink(S3Location.Parse($"s3://{S3rverFixture.Bucket}/mismatch"), s3.Options),
        };

        var summary = await Streamsend.Engine.Receiving.FileReceiver.RunAsync(receive, events, CancellationToken.None);
        await receive.Sink.DisposeAsync();

        Assert.Equal(0, summary.FilesLanded);
        Assert.Equal("ChecksumMismatch", Assert.Single(events.Failures).ErrorId);
        Assert.Empty(await s3.KeysAsync("mismatch/"));
        Assert.Empty(await s3.OpenUploadsAsync());
    }

    private static string Md5Of(string path) => Convert.ToHexString(MD5.HashData(File.ReadAllBytes(path))).ToLowerInvariant();

    [SkippableFact]
    public async Task A_file_from_another_sender_lands_beside_the_first_object_and_an_update_replaces_only_its_own()
    {
        Skip.If(s3.Unavailable is not null, s3.Unavailable);
        using var files = new TestFiles();
        var first = files.Write("outlet-07/a.csv", 3 * Chunk + 1, seed: 21);
        var other = files.Write("outlet-09/a.csv", 2 * Chunk, seed: 22);
        var update = files.Write("outlet-07/b.csv", 700, seed: 23);
        var location = S3Location.Parse($"s3://{S3rverFixture.Bucket}/fanin");

        var (warnings, _) = await TransferHarness.LandOneByOneAsync(kafka, () => new S3Sink(location, s3.Options), "reports/daily.csv", Chunk, (first, "outlet-07"), (other, "outlet-09"), (update, "outlet-07"));

        Assert.Equal(new[] { "fanin/reports/daily (from outlet-09).csv", "fanin/reports/daily.csv" }, (await s3.KeysAsync("fanin/")).OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(TestFiles.Md5Of(update), await s3.Md5OfObjectAsync("fanin/reports/daily.csv"));
        Assert.Equal(TestFiles.Md5Of(other), await s3.Md5OfObjectAsync("fanin/reports/daily (from outlet-09).csv"));
        Assert.Contains("'outlet-07'", Assert.Single(warnings));
        Assert.Empty(await s3.OpenUploadsAsync());
    }
}
