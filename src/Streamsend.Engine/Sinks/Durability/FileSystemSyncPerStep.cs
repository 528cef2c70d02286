using Streamsend.Engine.Platform;

namespace Streamsend.Engine.Sinks;

/// <summary>
/// Durability on Linux: one syncfs(2) of the destination's file system makes every file written on it durable, data,
/// names and all, for about the cost of one flush. Files landing at the same time share it (<see cref="SharedFlush"/>):
/// a pack's small files, and the land stage's files, pay one syncfs per step instead of a flush each. It also writes
/// back whatever else is dirty on that file system, which a busy volume makes slower; docs/reliability.md says so.
/// </summary>
internal sealed class FileSystemSyncPerStep : LandingDurability
{
    private readonly SharedFlush sync;

    public FileSystemSyncPerStep(string destinationRoot) => sync = new SharedFlush(() => FileSystemSync.SyncFileSystemOf(destinationRoot));

    public override async ValueTask StagedAsync(IReadOnlyList<LocalPartialFile> staged)
    {
        foreach (var file in staged)
        {
            // A background flush that failed says the file's bytes may not be on disk: that file fails, not the batch.
            await file.BackgroundFlushAsync().ConfigureAwait(false);
        }
        sync.Flush();
    }

    public override void Published(IReadOnlyCollection<string> folders, LandedJournal journal, IReadOnlyList<LandedJournal.Landing> landings)
    {
        journal.RecordAll(landings, flushToDisk: false);
        sync.Flush();
    }
}
