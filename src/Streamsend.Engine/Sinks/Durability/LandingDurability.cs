using Streamsend.Engine.Platform;

namespace Streamsend.Engine.Sinks;

/// <summary>
/// How a local destination makes landed files survive power loss before their offsets are committed, in two steps per
/// batch of files: their staged bytes before they are renamed into place (so no partial file ever appears at a final
/// path), then the renames and the landed journal's lines (so no committed file is missing). Chosen per operating
/// system by measurement (docs/reliability.md, "Durability"; the land-files rows of docs/performance.md): on Linux one
/// syncfs per step, shared by every file landing at the time; elsewhere a flush per file, side by side.
/// </summary>
internal abstract class LandingDurability
{
    /// <summary>The choice for a destination on this operating system.</summary>
    public static LandingDurability For(string destinationRoot) =>
        FileSystemSync.CanSyncWholeFileSystem ? new FileSystemSyncPerStep(destinationRoot) : new FlushEachFile();

    /// <summary>Returns once every byte written to <paramref name="staged"/> is on disk.</summary>
    public abstract ValueTask StagedAsync(IReadOnlyList<LocalPartialFile> staged);

    /// <summary>
    /// Records <paramref name="landings"/> in the landed journal and returns once they, and the renames into
    /// <paramref name="folders"/> that put them in place, are on disk: only then may their offsets be committed.
    /// </summary>
    public abstract void Published(IReadOnlyCollection<string> folders, LandedJournal journal, IReadOnlyList<LandedJournal.Landing> landings);
}
