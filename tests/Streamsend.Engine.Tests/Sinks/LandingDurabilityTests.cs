using Streamsend.Engine.Platform;
using Streamsend.Engine.Sinks;
using Streamsend.Engine.Tests.Support;

namespace Streamsend.Engine.Tests.Sinks;

/// <summary>Both ways a local destination pays for durability (issue 14: once per batch), and what each promises.</summary>
public sealed class LandingDurabilityTests
{
    public static TheoryData<string> Choices()
    {
        var choices = new TheoryData<string> { nameof(FlushEachFile) };
        if (FileSystemSync.CanSyncWholeFileSystem)
        {
            choices.Add(nameof(FileSystemSyncPerStep));
        }
        return choices;
    }

    private static LandingDurability Create(string choice, string root) =>
        choice == nameof(FlushEachFile) ? new FlushEachFile() : new FileSystemSyncPerStep(root);

    [Theory]
    [MemberData(nameof(Choices))]
    public async Task A_batch_is_made_durable_once_before_its_renames_and_once_after_them_with_every_file_in_each_step(string choice)
    {
        using var files = new TestFiles();
        var events = new RecordingEventSink();
        var batch = Enumerable.Range(0, 30).Select(i => LocalDirectorySinkBatchTests.Complete($"dir-{i % 4}/file-{i}.txt", $"content {i}")).ToList();
        var sink = new LocalDirectorySink(files.Root, overwrite: false, caseRule: null, new RecordingDurability(Create(choice, files.Root), events));
        await sink.PrepareAsync(CancellationToken.None);
        try
        {
            var landings = await sink.LandAllAsync(batch, CancellationToken.None);
            Assert.All(landings, l => Assert.Null(l.Error));
        }
        finally
        {
            await sink.DisposeAsync();
        }

        var steps = events.Of<Events.DiagnosticEvent>().Select(d => d.Message).Where(m => m.StartsWith("Durable", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, steps.Count);
        Assert.StartsWith(RecordingDurability.StagedPrefix, steps[0]);
        Assert.Equal(30, steps[0].Split('|').Length);
        Assert.Equal(
            batch.Select(f => f.File.RelativePath).OrderBy(p => p, StringComparer.Ordinal),
            steps[1].Substring(RecordingDurability.PublishedPrefix.Length).Split('|').OrderBy(p => p, StringComparer.Ordinal));
        Assert.Equal(batch.ToDictionary(f => f.File.RelativePath, f => f.Md5), TestFiles.Hashes(files.Root));
    }

    [Theory]
    [MemberData(nameof(Choices))]
    public async Task A_batch_whose_staged_bytes_cannot_be_made_durable_puts_no_file_at_its_final_path(string choice)
    {
        using var files = new TestFiles();
        var batch = Enumerable.Range(0, 5).Select(i => LocalDirectorySinkBatchTests.Complete($"file-{i}.txt", $"content {i}")).ToList();
        var sink = new LocalDirectorySink(files.Root, overwrite: false, caseRule: null, new FailingStagedStep(Create(choice, files.Root)));
        await sink.PrepareAsync(CancellationToken.None);
        IReadOnlyList<FileLanding> landings;
        try
        {
            landings = await sink.LandAllAsync(batch, CancellationToken.None);
        }
        finally
        {
            await sink.DisposeAsync();
        }

        Assert.All(landings, l =>
        {
            Assert.Null(l.Landed);
            Assert.Equal(ErrorKind.WriteError, l.Error!.Kind);
            Assert.Contains("received again by the next run", l.Error.Message);
        });
        Assert.Empty(TestFiles.Hashes(files.Root));
        Assert.Empty(TestFiles.StagedLeftovers(files.Root));
    }

    [Fact]
    public void A_folder_that_does_not_exist_cannot_be_flushed_and_says_which()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var missing = Path.Combine(Path.GetTempPath(), $"streamsend-missing-{Guid.NewGuid():N}");

        var error = Assert.Throws<IOException>(() => FileSystemSync.FlushDirectory(missing));

        Assert.Contains(missing, error.Message);
    }

    /// <summary>The disk refuses the first step: as a failed fsync or syncfs reports it.</summary>
    private sealed class FailingStagedStep(LandingDurability inner) : LandingDurability
    {
        public override ValueTask StagedAsync(IReadOnlyList<LocalPartialFile> staged) => throw new IOException("Input/output error");

        public override void Published(IReadOnlyCollection<string> folders, LandedJournal journal, IReadOnlyList<LandedJournal.Landing> landings) =>
            inner.Published(folders, journal, landings);
    }
}
