using Streamsend.Engine.Events;
using Streamsend.Engine.Receiving;
using Streamsend.Engine.Sending;
using Streamsend.Engine.Tests.Support;

namespace Streamsend.Engine.Tests.Receiving;

/// <summary>What a receiver does with messages that a rebalance delivers to it a second time.</summary>
public sealed class FileReceiverRebalanceTests : IClassFixture<MockClusterFixture>
{
    private const int Chunk = 64 * 1024;
    private readonly MockClusterFixture kafka;

    public FileReceiverRebalanceTests(MockClusterFixture kafka) => this.kafka = kafka;

    /// <remarks>
    /// A rebalance (eager, the classic protocol's default) revokes every partition and assigns them again; the receiver
    /// then fetches from the committed offset, which sits at the refused file because its offsets were held. The
    /// receiver remembers the transfer; were it remembered as ended, its chunks would now be passed and the commit would
    /// move past a file that never landed, so the next run would not receive it.
    /// </remarks>
    [Fact]
    public async Task A_file_the_destination_refused_is_not_committed_past_when_a_rebalance_delivers_it_again()
    {
        using var files = new TestFiles();
        var outbox = Path.Combine(files.Root, "outbox");
        files.Write("outbox/report.csv", 3 * Chunk + 10, seed: 41);
        var topic = kafka.NewTopic(partitions: 1);
        var group = $"group-{Guid.NewGuid():N}";
        var inbox = Path.Combine(files.Root, "inbox");
        // A directory in the way: the destination refuses the file.
        Directory.CreateDirectory(Path.Combine(inbox, "report.csv"));
        await TransferHarness.SendAllAsync(TransferHarness.SendOptions(kafka.Settings, topic, Chunk), SourceTree.Expand(outbox, null), new RecordingEventSink());

        using var stopFirst = new CancellationTokenSource();
        var firstEvents = new RecordingEventSink();
        var first = FileReceiver.RunAsync(
            TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, maxFiles: null, group) with { IdleTimeout = null }, firstEvents, stopFirst.Token);
        await WaitUntilAsync(() => firstEvents.Failures.Count > 0, "the destination's refusal");

        // A second member of the group, subscribed to another topic: the group rebalances and the first member gets its
        // partition back, so it receives the refused file's chunks again from the committed offset.
        using var stopSecond = new CancellationTokenSource();
        var second = FileReceiver.RunAsync(
            TransferHarness.ReceiveOptions(kafka.Settings, kafka.NewTopic(partitions: 1), Path.Combine(files.Root, "other"), maxFiles: null, group) with { IdleTimeout = null },
            new RecordingEventSink(),
            stopSecond.Token);
        // A commit after the second assignment: the chunks delivered again were handled (the mock refuses commits while
        // the group rebalances, so an earlier attempt may have failed).
        await WaitUntilAsync(() => CommittedAfterReassignment(firstEvents), "a commit after the first member's second assignment");
        stopFirst.Cancel();
        stopSecond.Cancel();
        await Task.WhenAll(first, second);

        Assert.All(firstEvents.Failures, f => Assert.Equal("DestinationWriteFailed", f.ErrorId));
        Assert.All(firstEvents.Failures, f => Assert.Contains("report.csv", f.Message));
        Assert.Empty(firstEvents.Of<FileReceivedEvent>());
        Directory.Delete(Path.Combine(inbox, "report.csv"));
        var retry = await FileReceiver.RunAsync(
            TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, maxFiles: 1, group) with { IdleTimeout = TimeSpan.FromSeconds(10) }, new RecordingEventSink(), CancellationToken.None);
        Assert.Equal(1, retry.FilesLanded);
        Assert.Equal(TestFiles.Hashes(outbox), TestFiles.Hashes(inbox));
    }

    private static bool CommittedAfterReassignment(RecordingEventSink events)
    {
        var messages = events.Of<DiagnosticEvent>().Select(d => d.Message).ToList();
        var assignments = messages.Select((m, i) => (m, i)).Where(x => x.m.StartsWith("Assigned partitions", StringComparison.Ordinal)).Select(x => x.i).ToList();
        return assignments.Count >= 2 && messages.Skip(assignments[^1]).Any(m => m.StartsWith("Committed ", StringComparison.Ordinal));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(50);
        }
    }
}
