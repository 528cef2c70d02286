using Streamsend.Engine.Events;
using Streamsend.Engine.Spool;
using Streamsend.Engine.Tests.Support;

namespace Streamsend.Engine.Tests.Spool;

public sealed class AfterSendTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("streamsend-aftersend-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private (SpoolCompletionSink Sink, RecordingEventSink Events, FileSnapshot File) Arrange(SpoolOptions options)
    {
        var outbox = Path.Combine(root, "outbox");
        var path = Path.Combine(outbox, "sub", "a.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "hello");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-1));
        var events = new RecordingEventSink();
        var scanner = new SpoolScanner(new[] { new SpoolRoot(outbox, null) }, options, events);
        var ready = Assert.Single(scanner.Scan());
        return (new SpoolCompletionSink(events, scanner, options), events, ready);
    }

    private static SentFile Sent(FileSnapshot file) => new(file.FullPath, file.RelativePath, file.Length, "5d41402abc4b2a76b9719d911017c592", 1, Guid.NewGuid(), "t", "s", TimeSpan.FromSeconds(1));

    /// <summary>A folder on another file system than the temporary folder where this machine has one (tmpfs), else beside it.</summary>
    private static string OtherVolumeFolder()
    {
        const string memoryFileSystem = "/dev/shm";
        var other = Directory.Exists(memoryFileSystem) ? memoryFileSystem : Path.GetTempPath();
        return Path.Combine(other, "streamsend-archive-" + Guid.NewGuid().ToString("N"));
    }

    [Fact]
    public void Move_to_an_archive_on_another_volume_replaces_an_archived_file_of_that_name_and_leaves_no_copy_behind()
    {
        var archive = OtherVolumeFolder();
        try
        {
            Directory.CreateDirectory(Path.Combine(archive, "sub"));
            File.WriteAllText(Path.Combine(archive, "sub", "a.txt"), "the version sent last week");
            var (sink, events, file) = Arrange(new SpoolOptions { SettleTime = TimeSpan.Zero, AfterSend = AfterSendAction.Move, ArchivePath = archive });

            sink.Post(new FileSentEvent(Sent(file)));

            Assert.Empty(events.Failures);
            Assert.False(File.Exists(file.FullPath));
            Assert.Equal("hello", File.ReadAllText(Path.Combine(archive, "sub", "a.txt")));
            Assert.Equal(new[] { "a.txt" }, Directory.GetFiles(Path.Combine(archive, "sub")).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(archive, recursive: true);
        }
    }

    [Fact]
    public void A_read_only_file_is_deleted_once_sent()
    {
        var (sink, events, file) = Arrange(new SpoolOptions { SettleTime = TimeSpan.Zero, AfterSend = AfterSendAction.Delete });
        File.SetAttributes(file.FullPath, FileAttributes.ReadOnly);

        sink.Post(new FileSentEvent(Sent(file)));

        Assert.Empty(events.Failures);
        Assert.False(File.Exists(file.FullPath));
    }

    [Fact]
    public void A_read_only_hidden_file_is_moved_to_the_archive_with_its_attributes()
    {
        var archive = Path.Combine(root, "sent");
        var (sink, events, file) = Arrange(new SpoolOptions { SettleTime = TimeSpan.Zero, AfterSend = AfterSendAction.Move, ArchivePath = archive });
        File.SetAttributes(file.FullPath, FileAttributes.ReadOnly | FileAttributes.Hidden);

        sink.Post(new FileSentEvent(Sent(file)));

        Assert.Empty(events.Failures);
        var archived = new FileInfo(Path.Combine(archive, "sub", "a.txt"));
        Assert.Equal("hello", File.ReadAllText(archived.FullName));
        Assert.True(archived.IsReadOnly);
        File.SetAttributes(archived.FullName, FileAttributes.Normal);
    }

    [Fact]
    public void Move_keeps_the_relative_tree_under_the_archive_once_the_file_is_sent()
    {
        var archive = Path.Combine(root, "sent");
        var (sink, events, file) = Arrange(new SpoolOptions { SettleTime = TimeSpan.Zero, AfterSend = AfterSendAction.Move, ArchivePath = archive });

        sink.Post(new FileSentEvent(Sent(file)));

        Assert.False(File.Exists(file.FullPath));
        Assert.Equal("hello", File.ReadAllText(Path.Combine(archive, "sub", "a.txt")));
        Assert.Single(events.Of<FileSentEvent>());
        Assert.Empty(events.Failures);
    }

    [Fact]
    public void Delete_removes_the_file_once_it_is_sent()
    {
        var (sink, events, file) = Arrange(new SpoolOptions { SettleTime = TimeSpan.Zero, AfterSend = AfterSendAction.Delete });

        sink.Post(new FileSentEvent(Sent(file)));

        Assert.False(File.Exists(file.FullPath));
        Assert.Empty(events.Failures);
    }

    [Fact]
    public void A_file_that_failed_is_neither_deleted_nor_moved()
    {
        var (sink, events, file) = Arrange(new SpoolOptions { SettleTime = TimeSpan.Zero, AfterSend = AfterSendAction.Delete });

        sink.Post(new TransferFailedEvent(new StreamsendException("ChunkNotAcknowledged", ErrorKind.ConnectionError, "no", file.FullPath)));

        Assert.True(File.Exists(file.FullPath));
        Assert.Single(events.Failures);
    }

    [Fact]
    public void A_file_changed_after_it_was_picked_up_is_left_in_place()
    {
        var (sink, events, file) = Arrange(new SpoolOptions { SettleTime = TimeSpan.Zero, AfterSend = AfterSendAction.Delete });
        File.AppendAllText(file.FullPath, " and more");

        sink.Post(new FileSentEvent(Sent(file)));

        Assert.True(File.Exists(file.FullPath));
        Assert.Contains(events.Of<DiagnosticEvent>(), e => e.Level == DiagnosticLevel.Warning && e.Message.Contains("changed after it was picked up"));
    }
}
