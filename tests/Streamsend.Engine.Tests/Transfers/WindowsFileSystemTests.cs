using Streamsend.Engine.Events;
using Streamsend.Engine.Receiving;
using Streamsend.Engine.Sending;
using Streamsend.Engine.Sinks;
using Streamsend.Engine.Tests.Support;

namespace Streamsend.Engine.Tests.Transfers;

/// <summary>
/// What Windows servers do to files, driven end to end over the mock cluster on every platform: a destination that
/// ignores letter case (the rule forced on through the sink's seam where the file system itself is case-sensitive),
/// paths longer than MAX_PATH, and a source file another process holds open.
/// </summary>
public sealed class WindowsFileSystemTests : IClassFixture<MockClusterFixture>
{
    private const int Chunk = 64 * 1024;
    private readonly MockClusterFixture kafka;

    public WindowsFileSystemTests(MockClusterFixture kafka) => this.kafka = kafka;

    private ReceiveOptions CaseInsensitiveReceiver(string topic, string inbox, int files) =>
        TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, files) with { Sink = new LocalDirectorySink(inbox, overwrite: false, CaseCollisionRule.On) };

    [Fact]
    public async Task Names_that_differ_only_in_case_both_land_on_a_case_insensitive_destination_and_an_update_replaces_only_its_own_name()
    {
        using var files = new TestFiles();
        var inbox = Path.Combine(files.Root, "inbox");
        var first = files.Write("first/reports/Report.pdf", 3 * Chunk, 1);
        var firstTopic = kafka.NewTopic();
        await TransferHarness.SendWhileReceivingAsync(TransferHarness.SendOptions(kafka.Settings, firstTopic, Chunk),
            new[] { new SendRequest(first, "reports/Report.pdf") }, CaseInsensitiveReceiver(firstTopic, inbox, 1));

        // Later: another file whose name differs only in case, and an update of the first one.
        var other = files.Write("second/reports/report.pdf", 2 * Chunk + 5, 2);
        var update = files.Write("second/reports/Report.pdf", Chunk + 9, 3);
        var secondTopic = kafka.NewTopic();
        var (summary, sent, received) = await TransferHarness.SendWhileReceivingAsync(TransferHarness.SendOptions(kafka.Settings, secondTopic, Chunk),
            new[] { new SendRequest(other, "reports/report.pdf"), new SendRequest(update, "reports/Report.pdf") }, CaseInsensitiveReceiver(secondTopic, inbox, 2));

        Assert.Empty(sent.Failures);
        Assert.Empty(received.Failures);
        Assert.Equal(2, summary.FilesLanded);
        var landed = TestFiles.Hashes(inbox);
        Assert.Equal(new[] { "reports/Report.pdf", "reports/report (2).pdf" }, landed.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(TestFiles.Md5Of(update), landed["reports/Report.pdf"]);
        Assert.Equal(TestFiles.Md5Of(other), landed["reports/report (2).pdf"]);
        var warning = Assert.Single(received.Of<DiagnosticEvent>(), d => d.Level == DiagnosticLevel.Warning && d.Message.Contains("only in letter case"));
        Assert.Contains("'report.pdf'", warning.Message);
        Assert.Contains("'Report.pdf'", warning.Message);
        Assert.Contains("'report (2).pdf'", warning.Message);
        Assert.Equal(Path.Combine(inbox, "reports", "report (2).pdf"), Assert.Single(received.Of<FileReceivedEvent>(), e => e.File.RelativePath == "reports/report.pdf").File.FullName);
    }

    [Fact]
    public async Task Packed_small_files_whose_names_differ_only_in_case_both_land_on_a_case_insensitive_destination()
    {
        using var files = new TestFiles();
        var inbox = Path.Combine(files.Root, "inbox");
        var upper = files.Write("outbox/docs/README.TXT", 300, 4);
        var lower = files.Write("outbox/docs/readme.txt", 200, 5);
        var topic = kafka.NewTopic();

        var (summary, _, received) = await TransferHarness.SendWhileReceivingAsync(TransferHarness.SendOptions(kafka.Settings, topic, Chunk),
            new[] { new SendRequest(upper, "docs/README.TXT"), new SendRequest(lower, "docs/readme.txt") }, CaseInsensitiveReceiver(topic, inbox, 2));

        Assert.Empty(received.Failures);
        Assert.Equal(2, summary.FilesLanded);
        var landed = TestFiles.Hashes(inbox);
        Assert.Equal(2, landed.Count);
        Assert.Equal(new[] { TestFiles.Md5Of(lower), TestFiles.Md5Of(upper) }.OrderBy(h => h), landed.Values.OrderBy(h => h));
        Assert.Single(landed.Keys, k => k is "docs/README (2).TXT" or "docs/readme (2).txt");
        Assert.Single(received.Of<DiagnosticEvent>(), d => d.Level == DiagnosticLevel.Warning && d.Message.Contains("only in letter case"));
    }

    [Fact]
    public async Task Files_whose_paths_are_longer_than_MAX_PATH_send_and_land_bit_perfect()
    {
        using var files = new TestFiles();
        var relative = string.Join("/", Enumerable.Range(1, 6).Select(i => $"level-{i}-" + new string((char)('a' + i), 40))) + "/scan-0001.tif";
        var path = files.Write("outbox/" + relative, 2 * Chunk + 3, 6);
        var inbox = Path.Combine(files.Root, "inbox");
        var topic = kafka.NewTopic();

        var (summary, sent, received) = await TransferHarness.SendWhileReceivingAsync(TransferHarness.SendOptions(kafka.Settings, topic, Chunk),
            SourceTree.Expand(Path.Combine(files.Root, "outbox"), null), TransferHarness.ReceiveOptions(kafka.Settings, topic, inbox, 1));

        Assert.True(Path.Combine(inbox, relative).Length > 260);
        Assert.Empty(sent.Failures);
        Assert.Empty(received.Failures);
        Assert.Equal(1, summary.FilesLanded);
        Assert.Equal(TestFiles.Md5Of(path), TestFiles.Hashes(inbox)[relative]);
    }

    [Theory]
    [InlineData(3 * Chunk)]
    [InlineData(100)]
    public async Task A_source_file_another_process_holds_open_is_an_error_naming_it_and_the_other_files_are_sent(int heldLength)
    {
        using var files = new TestFiles();
        var before = files.Write("outbox/a.bin", 2 * Chunk, 7);
        var held = files.Write("outbox/held.bin", heldLength, 8);
        var after = files.Write("outbox/z.bin", 50, 9);
        var topic = kafka.NewTopic();
        var sent = new RecordingEventSink();

        // Denying every other opener is what Windows programs that write a file do; .NET on Linux and Mono do the same to their own openers.
        using (new FileStream(held, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            await TransferHarness.SendAllAsync(TransferHarness.SendOptions(kafka.Settings, topic, Chunk),
                new[] { new SendRequest(before, "a.bin"), new SendRequest(held, "held.bin"), new SendRequest(after, "z.bin") }, sent);
        }

        var failure = Assert.Single(sent.Failures);
        Assert.Equal("FileReadFailed", failure.ErrorId);
        Assert.Contains(held, failure.Message);
        Assert.Equal(held, failure.Target);
        Assert.Equal(new[] { "a.bin", "z.bin" }, sent.Of<FileSentEvent>().Select(e => e.File.RelativePath).OrderBy(p => p, StringComparer.Ordinal));
    }
}
