using Confluent.Kafka;
using Streamsend.Engine.Events;
using Streamsend.Engine.Sending;
using Streamsend.Engine.Tests.Support;

namespace Streamsend.Engine.Tests.Transfers;

public sealed class MessageTooLargeTests : IClassFixture<MockClusterFixture>
{
    private readonly MockClusterFixture kafka;

    public MessageTooLargeTests(MockClusterFixture kafka) => this.kafka = kafka;

    [Fact]
    public async Task When_the_broker_rejects_chunks_as_too_large_the_sender_shrinks_them_and_the_file_still_arrives()
    {
        using var files = new TestFiles();
        files.Write("outbox/report.pdf", 1_000_000, 9);
        var topic = kafka.NewTopic();
        const short produceApiKey = 0;
        kafka.Cluster.PushRequestErrors(produceApiKey, ErrorCode.MsgSizeTooLarge);

        var (summary, sent, received) = await TransferHarness.SendWhileReceivingAsync(
            TransferHarness.SendOptions(kafka.Settings, topic, 256 * 1024),
            SourceTree.Expand(Path.Combine(files.Root, "outbox"), null),
            TransferHarness.ReceiveOptions(kafka.Settings, topic, Path.Combine(files.Root, "inbox"), 1));

        Assert.Empty(sent.Failures);
        var file = Assert.Single(sent.Of<FileSentEvent>()).File;
        Assert.Equal(ChunkSizing.ChunkCount(1_000_000, ChunkSizing.Shrink(256 * 1024)), file.Chunks);
        Assert.Contains(sent.Of<DiagnosticEvent>(), d => d.Level == DiagnosticLevel.Warning && d.Message.Contains("too large"));
        Assert.Equal(1, summary.FilesLanded);
        Assert.Empty(received.Failures);
        Assert.Equal(TestFiles.Hashes(Path.Combine(files.Root, "outbox")), TestFiles.Hashes(Path.Combine(files.Root, "inbox")));
    }
}
