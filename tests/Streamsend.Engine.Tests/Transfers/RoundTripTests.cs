using Streamsend.Engine.Events;
using Streamsend.Engine.Receiving;
using Streamsend.Engine.Sending;
using Streamsend.Engine.Sinks;
using Streamsend.Engine.Tests.Support;

namespace Streamsend.Engine.Tests.Transfers;

public sealed class RoundTripTests : IClassFixture<MockClusterFixture>
{
    private const int Chunk = 64 * 1024;
    private readonly MockClusterFixture kafka;

    public RoundTripTests(MockClusterFixture kafka) => this.kafka = kafka;

    [Theory]
    [InlineData(Distribution.Chunk)]
    [InlineData(Distribution.File)]
    public async Task Edge_sizes_and_names_arrive_bit_perfect_at_their_relative_paths(Distribution distribution)
    {
        using var files = new TestFiles();
        var outbox = Path.Combine(files.Root, "outbox");
        var inbox = Path.Combine(files.Root, "inbox");
        var names = new Dictionary<string, long>
        {
            ["empty.bin"] = 0,
            ["one.bin"] = 1,
            ["exactly-two-chunks.bin"] = 2 * Chunk,
            ["two-chunks-and-a-byte.bin"] = 2 * Chunk + 1,
            ["with spaces/a file name.txt"] = 1000,
            ["ünïcødé/日本語 ファイル.dat"] = Chunk + 7,
            [new string('l', 200) + ".bin"] = 3,
            ["a/b/c/d/e/deep.bin"] = 5 * Chunk - 1,
        };
        var seed = 0;
        foreach (var (name, length) in names)
        {
            files.Write("outbox/" + name, length, ++seed);
        }
        var topic = kafka.NewTopic();

        var (summary, sent, received) = await TransferHarness.SendWhileReceivingAsync(
            TransferHarness.SendOptions(kafka.Settings, topic, Chunk, distribution),
            SourceTree.Expand(outbox, null),
            TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, names.Count));

        Assert.Empty(sent.Failures);
        Assert.Empty(received.Failures);
        Assert.Equal(names.Count, sent.Of<FileSentEvent>().Count);
        Assert.Equal(names.Count, summary.FilesLanded);
        Assert.Equal(TestFiles.Hashes(outbox), TestFiles.Hashes(inbox));
        Assert.Empty(TestFiles.StagedLeftovers(inbox));
        var sentByPath = sent.Of<FileSentEvent>().ToDictionary(e => e.File.RelativePath, e => e.File);
        foreach (var landed in received.Of<FileReceivedEvent>().Select(e => e.File))
        {
            Assert.True(landed.Verified);
            Assert.Equal(sentByPath[landed.RelativePath].Md5, landed.Md5);
            Assert.Equal(sentByPath[landed.RelativePath].TransferId, landed.TransferId);
            Assert.Equal("test-sender", landed.Sender);
            Assert.Equal(TestFiles.AsPrecisionStamped(File.GetLastWriteTimeUtc(Path.Combine(outbox, landed.RelativePath))), File.GetLastWriteTimeUtc(landed.FullName));
        }
        Assert.Equal(ChunkSizing.ChunkCount(5 * Chunk - 1, Chunk), sentByPath["a/b/c/d/e/deep.bin"].Chunks);
    }

    [Fact]
    public async Task A_files_first_acknowledged_chunk_is_reported_as_progress_at_once()
    {
        using var files = new TestFiles();
        files.Write("outbox/big.bin", 16 * Chunk);
        var events = new RecordingEventSink();

        await TransferHarness.SendAllAsync(TransferHarness.SendOptions(kafka.Settings, kafka.NewTopic(), Chunk), SourceTree.Expand(files.PathOf("outbox"), null), events);

        Assert.Empty(events.Failures);
        var first = events.Of<ProgressEvent>().First().Progress;
        Assert.False(first.IsComplete);
        Assert.Equal(Chunk, first.BytesDone);
    }

    [Fact]
    public async Task A_second_run_of_the_same_group_lands_nothing_again()
    {
        using var files = new TestFiles();
        files.Write("outbox/a.bin", 3 * Chunk, 1);
        files.Write("outbox/b.bin", 10, 2);
        var topic = kafka.NewTopic();
        var group = $"group-{Guid.NewGuid():N}";
        var inbox = Path.Combine(files.Root, "inbox");
        await TransferHarness.SendWhileReceivingAsync(
            TransferHarness.SendOptions(kafka.Settings, topic, Chunk),
            SourceTree.Expand(Path.Combine(files.Root, "outbox"), null),
            TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, 2, group));

        var again = new RecordingEventSink();
        var secondRun = TransferHarness.ReceiveOptions(kafka.Settings, topic, Path.Combine(files.Root, "inbox2"), null, group) with { IdleTimeout = TimeSpan.FromSeconds(10) };
        var summary = await FileReceiver.RunAsync(secondRun, again, CancellationToken.None);

        Assert.Equal(0, summary.FilesLanded);
        Assert.Empty(again.Of<FileReceivedEvent>());
        // It did consume: it was assigned the partitions and read nothing past the committed offsets.
        Assert.Contains(again.Of<DiagnosticEvent>(), d => d.Message.StartsWith("Assigned partitions"));
        Assert.Equal(ReceiveStopReason.IdleTimeout, summary.StoppedBecause);
    }
}
