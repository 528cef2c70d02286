using Streamsend.Engine.Platform;
namespace Streamsend.Engine.Sinks;

/// <summary>
/// Lands files under a local directory. Each file is written to a temporary name in a staging folder inside the
/// destination (same volume, so the final rename is atomic) and renamed into place only after it was verified.
/// The receiver's state lives in <see cref="StateFolderName"/>: the staging folder and the landed-transfer journal.
/// </summary>
public sealed class LocalDirectorySink : IFileSink
{
    /// <summary>The receiver's state folder inside the destination, like .git in a work tree. No received file is ever put there.</summary>
    public const string StateFolderName = ".streamsend";

    private const string LockFileName = ".lock";

    private readonly string root;
    private readonly string stagingRoot;
    private readonly string staging;
    private readonly LandedJournal journal;
    private readonly KeptStaging kept;
    private FileStream? stagingLock;
    private readonly bool overwrite;
    private CaseCollisionRule? caseRule;
    private LocalLandingNames? names;
    private readonly LandingDurability durability;

    /// <param name="overwrite">Let a file from one sender replace a file another sender landed (-Overwrite).</param>
    public LocalDirectorySink(string destination, bool overwrite = false)
        : this(destination, overwrite, caseRule: null)
    {
    }

    /// <param name="caseRule">Null: ask the destination's file system when the receiver starts.</param>
    /// <param name="durability">Null: this operating system's choice (<see cref="LandingDurability.For"/>).</param>
    internal LocalDirectorySink(string destination, bool overwrite, CaseCollisionRule? caseRule, LandingDurability? durability = null)
    {
        this.overwrite = overwrite;
        this.caseRule = caseRule;
        Destination = destination;
        root = Path.GetFullPath(destination);
        stagingRoot = Path.Combine(root, StateFolderName, "partial");
        // One staging folder per receiver, locked while it runs: receivers sharing a destination never sweep each other's files.
        staging = Path.Combine(stagingRoot, Guid.NewGuid().ToString("N"));
        journal = new LandedJournal(Path.Combine(root, StateFolderName, "landed.log"));
        kept = new KeptStaging(Path.Combine(root, StateFolderName, "kept"));
        this.durability = durability ?? LandingDurability.For(root);
    }

    public string Destination { get; }

    public ValueTask PrepareAsync(CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(staging);
            stagingLock = new FileStream(Path.Combine(staging, LockFileName), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            SweepStagingOfStoppedReceivers();
            caseRule ??= CaseCollisionRule.ProbedIn(staging);
            journal.Load();
            names = new LocalLandingNames(root, journal, caseRule, overwrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StreamsendException("DestinationNotWritable", ErrorKind.WriteError, $"Cannot use '{Destination}' as the destination: {e.Message}", Destination, e);
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Only a killed receiver leaves a staging folder behind (its lock died with it). What it checkpointed is kept for
    /// a later run (<see cref="KeptStaging"/>); the rest goes: its offsets were never committed, so Kafka delivers it again.
    /// </summary>
    private void SweepStagingOfStoppedReceivers()
    {
        foreach (var folder in Directory.EnumerateDirectories(stagingRoot).Where(f => !string.Equals(f, staging, StringComparison.Ordinal)))
        {
            try
            {
                using (new FileStream(Path.Combine(folder, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
                {
                }
                foreach (var part in Directory.EnumerateFiles(folder, "*.part").Where(p => File.Exists(KeptStaging.ManifestPathOf(p))))
                {
                    kept.Store(part);
                }
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Locked: a live receiver's folder.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    public ValueTask<bool> WasLandedAsync(IncomingFile file, CancellationToken cancellationToken) => ValueTask.FromResult(journal.Contains(file.TransferId));

    public ValueTask<IReadOnlyList<KeptTransfer>> KeptAsync(CancellationToken cancellationToken) => ValueTask.FromResult<IReadOnlyList<KeptTransfer>>(kept.List());

    public ValueTask DiscardKeptAsync(Guid transferId)
    {
        kept.Discard(transferId);
        return ValueTask.CompletedTask;
    }

    public ValueTask<IPartialFile> BeginAsync(IncomingFile file, CancellationToken cancellationToken) => ValueTask.FromResult<IPartialFile>(Begin(file, takeKept: true));

    /// <param name="takeKept">False for packed files, which arrive whole and are never kept: no lookup per small file.</param>
    private LocalPartialFile Begin(IncomingFile file, bool takeKept)
    {
        var segments = RelativePathPolicy.LandingSegments(file.RelativePath);
        var finalPath = Path.Combine(new[] { root }.Concat(segments).ToArray());
        EnsureNoLinkLeadsOutside(file.RelativePath, segments);
        var tempPath = Path.Combine(staging, $"{file.TransferId:N}.part");
        try
        {
            var keptProgress = takeKept ? kept.TryTake(file, tempPath) : null;
            var handle = PositionalFile.Open(tempPath, keptProgress is null ? FileMode.Create : FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return new LocalPartialFile(handle, tempPath, finalPath, file, journal, names ?? throw new InvalidOperationException("PrepareAsync was not called."), kept, keptProgress, durability);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StreamsendException("DestinationWriteFailed", ErrorKind.WriteError, $"Cannot start '{finalPath}': {e.Message}", finalPath, e);
        }
    }

    /// <summary>Files staged at once while landing a batch.</summary>
    public const int ConcurrentWrites = 8;

    /// <summary>
    /// Lands a batch in steps shared by all its files: stage and write them side by side, make them durable together
    /// (<see cref="LandingDurability"/>), rename each into place, then make the renames and the batch's landed-journal
    /// lines durable together. One file at a time, waiting for two flushes per file (its data, then the journal), was
    /// nearly all of the cost of a small file.
    /// </summary>
    public async ValueTask<IReadOnlyList<FileLanding>> LandAllAsync(IReadOnlyList<CompleteFile> files, CancellationToken cancellationToken)
    {
        var landings = new FileLanding?[files.Count];
        var staged = new LocalPartialFile?[files.Count];
        try
        {
            await Parallel.ForAsync(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = ConcurrentWrites, CancellationToken = cancellationToken }, async (i, token) =>
            {
                try
                {
                    var partial = Begin(files[i].File, takeKept: false);
                    staged[i] = partial;
                    await partial.WriteAsync(0, files[i].Content, token).ConfigureAwait(false);
                }
                catch (StreamsendException e)
                {
                    landings[i] = new FileLanding(null, e);
                }
            }).ConfigureAwait(false);
            if (!await StagedDurableAsync(files, staged, landings).ConfigureAwait(false))
            {
                return landings.Select(l => l!).ToList();
            }
            // In order, so that of two files with one path the later one wins, as when they land one by one.
            var published = new List<(int Index, LocalPartialFile Partial, LandedObject Landed)>(files.Count);
            for (var i = 0; i < files.Count; i++)
            {
                if (landings[i] is not null || staged[i] is not { } partial)
                {
                    continue;
                }
                try
                {
                    published.Add((i, partial, partial.Publish()));
                }
                catch (StreamsendException e)
                {
                    landings[i] = new FileLanding(null, e);
                }
            }
            RecordLanded(published, landings);
        }
        finally
        {
            foreach (var partial in staged)
            {
                // Removes what was staged and not published; a published file is left alone.
                if (partial is not null)
                {
                    await partial.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        return landings.Select(l => l!).ToList();
    }

    /// <summary>The batch's staged bytes made durable together; when that fails, every file still in the batch fails with it (and is received again).</summary>
    private async ValueTask<bool> StagedDurableAsync(IReadOnlyList<CompleteFile> files, LocalPartialFile?[] staged, FileLanding?[] landings)
    {
        var writtenIndexes = Enumerable.Range(0, files.Count).Where(i => landings[i] is null && staged[i] is not null).ToList();
        try
        {
            await durability.StagedAsync(writtenIndexes.Select(i => staged[i]!).ToList()).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is StreamsendException or IOException)
        {
            foreach (var i in writtenIndexes)
            {
                landings[i] = new FileLanding(null, e as StreamsendException ?? staged[i]!.Failed(e));
            }
            return false;
        }
    }

    /// <summary>
    /// The renames and the journal lines made durable together. If that fails, the batch's files are in place but not
    /// known as landed: each is reported as failed, so its offset is held and the next run lands it again (over itself)
    /// and records it.
    /// </summary>
    private void RecordLanded(List<(int Index, LocalPartialFile Partial, LandedObject Landed)> published, FileLanding?[] landings)
    {
        try
        {
            var recorded = published.Select(p => p.Partial.Landed!).ToList();
            durability.Published(published.Select(p => Path.GetDirectoryName(p.Landed.Location)!).ToHashSet(), journal, recorded);
            names!.Recorded(recorded);
            foreach (var (index, _, landed) in published)
            {
                landings[index] = new FileLanding(landed, null);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            foreach (var (index, partial, _) in published)
            {
                landings[index] = new FileLanding(null, new StreamsendException("DestinationWriteFailed", ErrorKind.WriteError, $"Cannot record '{partial.FinalLocation}' as landed: {e.Message}. It will be received again by the next run.", partial.FinalLocation, e));
            }
        }
    }

    /// <summary>
    /// A directory link inside the destination could carry a safe-looking path elsewhere; every existing ancestor of the
    /// final path must resolve inside the destination.
    /// </summary>
    private void EnsureNoLinkLeadsOutside(string relativePath, string[] segments)
    {
        var current = root;
        foreach (var segment in segments)
        {
            current = Path.Combine(current, segment);
            var extended = LongPaths.Extend(current);
            var info = new FileInfo(extended);
            if (!info.Exists && !Directory.Exists(extended))
            {
                return;
            }
            if (info.LinkTarget is not null || new DirectoryInfo(extended).LinkTarget is not null)
            {
                var target = (FileSystemInfo?)info.ResolveLinkTarget(returnFinalTarget: true) ?? new DirectoryInfo(extended).ResolveLinkTarget(returnFinalTarget: true);
                var resolved = target is null ? current : Path.GetFullPath(target.FullName);
                if (!IsInside(resolved))
                {
                    throw new StreamsendException(
                        "UnsafeRelativePath",
                        ErrorKind.SecurityError,
                        $"Refused to write '{relativePath}': '{current}' is a link that leads outside the destination '{Destination}'. Nothing was written.",
                        relativePath);
                }
            }
        }
    }

    private bool IsInside(string path)
    {
        var relative = Path.GetRelativePath(root, path);
        return relative != ".." && !relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !Path.IsPathRooted(relative);
    }

    public ValueTask DisposeAsync()
    {
        journal.Dispose();
        stagingLock?.Dispose();
        try
        {
            if (Directory.Exists(staging) && !Directory.EnumerateFileSystemEntries(staging).Any())
            {
                Directory.Delete(staging);
            }
        }
        catch (IOException)
        {
            // Something is still staged (an abort could not delete it): the next receiver's sweep removes it.
        }
        return ValueTask.CompletedTask;
    }
}
