using System.Security.Cryptography;
using System.Text;
using Streamsend.Engine.Events;
using Streamsend.Engine.Receiving;
using Streamsend.Engine.Sending;
using Streamsend.Engine.Tests.Support;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Tests.Transfers;

public sealed class ForeignAndCorruptMessageTests : IClassFixture<MockClusterFixture>
{
    private readonly MockClusterFixture kafka;

    public ForeignAndCorruptMessageTests(MockClusterFixture kafka) => this.kafka = kafka;

    [Fact]
    public async Task Events_sharing_the_topic_are_skipped_and_counted_while_files_land()
    {
        using var files = new TestFiles();
        var topic = kafka.NewTopic();
        using (var raw = new RawProducer(kafka.Settings))
        {
            for (var i = 0; i < 5; i++)
            {
                await raw.ProduceAsync(topic, i % 4, Encoding.UTF8.GetBytes($"policy-{i}"), Encoding.UTF8.GetBytes("{\"event\":\"policy-updated\"}"));
            }
        }
        files.Write("outbox/policy.pdf", 200_000, 3);
        var inbox = Path.Combine(files.Root, "inbox");

        var (summary, _, received) = await TransferHarness.SendWhileReceivingAsync(
            TransferHarness.SendOptions(kafka.Settings, topic, 64 * 1024),
            SourceTree.Expand(Path.Combine(files.Root, "outbox"), null),
            TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, null));

        Assert.Equal(5, summary.ForeignMessages);
        Assert.Equal(1, summary.FilesLanded);
        Assert.Empty(received.Failures);
        Assert.Equal(TestFiles.Hashes(Path.Combine(files.Root, "outbox")), TestFiles.Hashes(inbox));
    }

    [Fact]
    public async Task A_corrupted_chunk_is_reported_with_both_hashes_and_its_file_never_lands()
    {
        using var files = new TestFiles();
        var topic = kafka.NewTopic();
        var content = new byte[3000];
        new Random(7).NextBytes(content);
        var md5 = Convert.ToHexString(MD5.HashData(content)).ToLowerInvariant();
        var transfer = Guid.NewGuid();
        using (var raw = new RawProducer(kafka.Settings))
        {
            for (var index = 0; index < 3; index++)
            {
                var chunk = content.AsSpan(index * 1000, 1000).ToArray();
                if (index == 1)
                {
                    chunk[500] ^= 0xFF;
                }
                var header = new ChunkHeader(MessageKind.Chunk, transfer, "claims/policy.pdf", "raw", index, 3, index * 1000L, 3000, DateTimeOffset.UtcNow, index == 2 ? md5 : null);
                await raw.ProduceChunkAsync(topic, index % 4, header, chunk);
            }
        }
        var inbox = Path.Combine(files.Root, "inbox");
        var received = new RecordingEventSink();

        var summary = await FileReceiver.RunAsync(TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, null), received, CancellationToken.None);

        Assert.Equal(0, summary.FilesLanded);
        var failure = Assert.Single(received.Failures);
        Assert.Equal("ChecksumMismatch", failure.ErrorId);
        Assert.Contains("policy.pdf", failure.Message);
        Assert.Contains(md5, failure.Message);
        Assert.Contains(Convert.ToHexString(MD5.HashData(content.Select((b, i) => i == 1500 ? (byte)(b ^ 0xFF) : b).ToArray())).ToLowerInvariant(), failure.Message);
        Assert.Empty(TestFiles.Hashes(inbox));
    }

    [Fact]
    public async Task Malformed_and_hostile_messages_are_reported_and_nothing_is_written_outside_the_destination()
    {
        using var files = new TestFiles();
        var topic = kafka.NewTopic();
        using (var raw = new RawProducer(kafka.Settings))
        {
            var escape = new ChunkHeader(MessageKind.Chunk, Guid.NewGuid(), "../escaped.txt", "raw", 0, 1, 0, 2, DateTimeOffset.UtcNow, Convert.ToHexString(MD5.HashData("hi"u8)).ToLowerInvariant());
            await raw.ProduceChunkAsync(topic, 0, escape, "hi"u8.ToArray());
            var headers = WireCodec.Encode(escape with { TransferId = Guid.NewGuid(), RelativePath = "ok.txt" });
            headers.Remove(WireHeaders.Size);
            await raw.ProduceAsync(topic, 1, null, "hi"u8.ToArray(), headers);
        }
        var inbox = Path.Combine(files.Root, "inbox");
        var received = new RecordingEventSink();

        var summary = await FileReceiver.RunAsync(TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, null), received, CancellationToken.None);

        Assert.Equal(0, summary.FilesLanded);
        Assert.Equal(new[] { "MalformedMessage", "UnsafeRelativePath" }, received.Failures.Select(f => f.ErrorId).OrderBy(id => id));
        Assert.False(File.Exists(Path.Combine(files.Root, "escaped.txt")));
        Assert.Empty(TestFiles.Hashes(inbox));
    }
}
