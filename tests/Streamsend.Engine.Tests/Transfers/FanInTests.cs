using Streamsend.Engine.Events;
using Streamsend.Engine.Receiving;
using Streamsend.Engine.Sending;
using Streamsend.Engine.Sinks;
using Streamsend.Engine.Tests.Support;

namespace Streamsend.Engine.Tests.Transfers;

/// <summary>
/// Many senders, one destination (outlets sending reports/daily.csv): a file from one sender never silently replaces a
/// file another sender landed, end to end over the mock cluster, for chunked and packed files, across receiver runs.
/// </summary>
public sealed class FanInTests : IClassFixture<MockClusterFixture>
{
    private const int Chunk = 64 * 1024;
    private const string Path0 = "reports/daily.csv";
    private readonly MockClusterFixture kafka;

    public FanInTests(MockClusterFixture kafka) => this.kafka = kafka;

    /// <summary>One receiver run of its own (a new topic, a new sink on the same destination) for one file from one sender.</summary>
    private async Task<RecordingEventSink> DeliverAsync(string source, string sender, IFileSink sink, string inbox)
    {
        var topic = kafka.NewTopic();
        var (summary, sent, received) = await TransferHarness.SendWhileReceivingAsync(
            TransferHarness.SendOptions(kafka.Settings, topic, Chunk) with { SenderName = sender },
            new[] { new SendRequest(source, Path0) },
            TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, 1) with { Sink = sink });
        Assert.Empty(sent.Failures);
        Assert.Empty(received.Failures);
        Assert.Equal(1, summary.FilesLanded);
        return received;
    }

    [Theory]
    [InlineData(3 * Chunk + 11)]
    [InlineData(900)]
    public async Task A_file_from_another_sender_lands_beside_the_first_with_a_warning_and_each_sender_updates_only_its_own(int size)
    {
        using var files = new TestFiles();
        var inbox = Path.Combine(files.Root, "inbox");
        var first = files.Write("outlet-07/a.csv", size, 1);
        var other = files.Write("outlet-09/a.csv", size, 2);
        var update = files.Write("outlet-07/b.csv", size + 3, 3);

        await DeliverAsync(first, "outlet-07", new LocalDirectorySink(inbox), inbox);
        var second = await DeliverAsync(other, "outlet-09", new LocalDirectorySink(inbox), inbox);
        await DeliverAsync(update, "outlet-07", new LocalDirectorySink(inbox), inbox);

        var landed = TestFiles.Hashes(inbox);
        Assert.Equal(new[] { "reports/daily (from outlet-09).csv", "reports/daily.csv" }, landed.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(TestFiles.Md5Of(update), landed["reports/daily.csv"]);
        Assert.Equal(TestFiles.Md5Of(other), landed["reports/daily (from outlet-09).csv"]);
        var warning = Assert.Single(second.Of<DiagnosticEvent>(), d => d.Level == DiagnosticLevel.Warning && d.Message.Contains("never replaces another's"));
        Assert.Contains("'outlet-09'", warning.Message);
        Assert.Contains("'outlet-07'", warning.Message);
        Assert.Equal(Path.Combine(inbox, "reports", "daily (from outlet-09).csv"), Assert.Single(second.Of<FileReceivedEvent>()).File.FullName);
    }

    [Fact]
    public async Task With_overwrite_a_file_from_another_sender_replaces_the_first()
    {
        using var files = new TestFiles();
        var inbox = Path.Combine(files.Root, "inbox");
        var first = files.Write("outlet-07/a.csv", 2 * Chunk, 4);
        var other = files.Write("outlet-09/a.csv", 2 * Chunk, 5);

        await DeliverAsync(first, "outlet-07", new LocalDirectorySink(inbox), inbox);
        var second = await DeliverAsync(other, "outlet-09", new LocalDirectorySink(inbox, overwrite: true), inbox);

        Assert.Equal(new[] { Path0 }, TestFiles.Hashes(inbox).Keys);
        Assert.Equal(TestFiles.Md5Of(other), TestFiles.Hashes(inbox)[Path0]);
        Assert.DoesNotContain(second.Of<DiagnosticEvent>(), d => d.Level == DiagnosticLevel.Warning);
    }

    [Fact]
    public async Task By_sender_each_senders_files_land_in_a_folder_of_its_own()
    {
        using var files = new TestFiles();
        var inbox = Path.Combine(files.Root, "inbox");
        var first = files.Write("outlet-07/a.csv", 2 * Chunk, 6);
        var other = files.Write("outlet-09/a.csv", 300, 7);

        await DeliverAsync(first, "outlet-07", new BySenderLayout(new LocalDirectorySink(inbox)), inbox);
        var second = await DeliverAsync(other, "outlet/09", new BySenderLayout(new LocalDirectorySink(inbox)), inbox);

        var landed = TestFiles.Hashes(inbox);
        Assert.Equal(new[] { "outlet-07/reports/daily.csv", "outlet_09/reports/daily.csv" }, landed.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(TestFiles.Md5Of(other), landed["outlet_09/reports/daily.csv"]);
        Assert.Equal(Path0, Assert.Single(second.Of<FileReceivedEvent>()).File.RelativePath);
    }
}
