using Streamsend.Engine.Platform;

namespace Streamsend.Engine.Sinks;

/// <summary>
/// Durability by flushing each file (fsync; FlushFileBuffers on Windows), several side by side, since a disk serves
/// concurrent flushes together; then each folder renamed into (fsync of the directory; nothing on Windows, where NTFS
/// journals the rename) and the landed journal. Used where there is no syncfs: Windows and macOS.
/// </summary>
internal sealed class FlushEachFile : LandingDurability
{
    /// <summary>Flushes under way at once.</summary>
    public const int ConcurrentFlushes = 8;

    public override async ValueTask StagedAsync(IReadOnlyList<LocalPartialFile> staged)
    {
        if (staged.Count == 1)
        {
            await staged[0].FlushToDiskAsync().ConfigureAwait(false);
            return;
        }
        await Parallel.ForAsync(0, staged.Count, new ParallelOptions { MaxDegreeOfParallelism = ConcurrentFlushes }, (i, _) => staged[i].FlushToDiskAsync()).ConfigureAwait(false);
    }

    public override void Published(IReadOnlyCollection<string> folders, LandedJournal journal, IReadOnlyList<LandedJournal.Landing> landings)
    {
        Parallel.ForEach(folders, new ParallelOptions { MaxDegreeOfParallelism = ConcurrentFlushes }, FileSystemSync.FlushDirectory);
        journal.RecordAll(landings);
    }
}
