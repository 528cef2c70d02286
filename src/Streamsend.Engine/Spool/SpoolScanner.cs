using Streamsend.Engine.Platform;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Streamsend.Engine.Events;
using Streamsend.Engine.Sending;

namespace Streamsend.Engine.Spool;

/// <summary>
/// Looks at the spool roots and says which files are ready to send: old enough (MinimumAge), not held open by a writer,
/// unchanged across two looks at least SettleTime apart, not sent before unchanged (journal), and not already handed
/// out in this run. Every skip is told once per file and reason with -Verbose, so a watching sender does not repeat itself.
/// </summary>
public sealed class SpoolScanner
{
    private readonly IReadOnlyList<SpoolRoot> roots;
    private readonly SpoolOptions options;
    private readonly IEngineEventSink events;
    private readonly Func<DateTime> utcNow;
    private readonly Dictionary<string, (FileSnapshot Snapshot, DateTime SeenUtc)> observed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> toldReason = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FileSnapshot> handedOut = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (FileSnapshot Snapshot, DateTime RetryUtc)> failed = new(StringComparer.Ordinal);

    public SpoolScanner(IReadOnlyList<SpoolRoot> roots, SpoolOptions options, IEngineEventSink events, Func<DateTime>? utcNow = null)
    {
        this.roots = roots;
        this.options = options;
        this.events = events;
        this.utcNow = utcNow ?? (() => DateTime.UtcNow);
    }

    /// <summary>Whether the last scan saw files that are still settling (a watcher looks again soon instead of waiting for the rescan interval).</summary>
    public bool HasSettlingFiles { get; private set; }

    /// <summary>The snapshot a file had when it was handed out to be sent, so the after-send step can tell if it changed since.</summary>
    public FileSnapshot? HandedOut(string fullPath) => handedOut.GetValueOrDefault(fullPath);

    /// <summary>The file was sent (and acted on): a later version of it at the same path is a new file.</summary>
    public void Completed(string fullPath) => handedOut.TryRemove(fullPath, out _);

    /// <summary>The file failed: it is offered again after <see cref="SpoolOptions.RetryDelay"/>, or at once if it changes.</summary>
    public void Failed(string fullPath)
    {
        if (handedOut.TryRemove(fullPath, out var snapshot))
        {
            failed[fullPath] = (snapshot, utcNow() + options.RetryDelay);
        }
    }

    /// <summary>One look at every root; returns the files that became ready since the last look.</summary>
    public IReadOnlyList<FileSnapshot> Scan()
    {
        var now = utcNow();
        var ready = new List<FileSnapshot>();
        var present = new HashSet<string>(StringComparer.Ordinal);
        HasSettlingFiles = false;
        foreach (var request in roots.SelectMany(Expand))
        {
            present.Add(request.FullPath);
            FileSnapshot snapshot;
            try
            {
                var info = new FileInfo(LongPaths.Extend(request.FullPath));
                if (!info.Exists)
                {
                    continue;
                }
                snapshot = FileSnapshot.Of(info, request.FullPath, request.RelativePath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Tell(request.FullPath, $"cannot be read yet ({e.Message})");
                continue;
            }
            if (handedOut.ContainsKey(snapshot.FullPath))
            {
                continue;
            }
            if (failed.TryGetValue(snapshot.FullPath, out var failure) && failure.Snapshot.SameContentStamp(snapshot) && now < failure.RetryUtc)
            {
                continue;
            }
            var age = now - snapshot.LastWriteUtc;
            if (age < options.MinimumAge)
            {
                Tell(snapshot.FullPath, $"was written {age.TotalSeconds:0.#} s ago, less than -MinimumAge {options.MinimumAge}; it is sent on a later run");
                HasSettlingFiles = true;
                continue;
            }
            var settled = options.SettleTime <= TimeSpan.Zero || observed.TryGetValue(snapshot.FullPath, out var previous)
                && previous.Snapshot.SameContentStamp(snapshot)
                && now - previous.SeenUtc >= options.SettleTime;
            if (!observed.TryGetValue(snapshot.FullPath, out previous) || !previous.Snapshot.SameContentStamp(snapshot))
            {
                observed[snapshot.FullPath] = (snapshot, now);
            }
            if (!settled)
            {
                if (previous.Snapshot is not null && !previous.Snapshot.SameContentStamp(snapshot))
                {
                    // A file seen for the first time is not worth a line: most files settle on the next look.
                    Tell(snapshot.FullPath, "is still being written (its length or last write time changed); it is sent once it is complete");
                }
                HasSettlingFiles = true;
                continue;
            }
            if (WriterProbe.IsOpenForWriting(snapshot.FullPath))
            {
                Tell(snapshot.FullPath, "is open for writing in another process; it is sent once that process closes it");
                HasSettlingFiles = true;
                continue;
            }
            if (options.Journal is { } journal && Unchanged(journal, snapshot))
            {
                Tell(snapshot.FullPath, "was sent before and has not changed since (-Incremental)");
                continue;
            }
            failed.TryRemove(snapshot.FullPath, out _);
            toldReason.Remove(snapshot.FullPath);
            handedOut[snapshot.FullPath] = snapshot;
            ready.Add(snapshot);
        }
        foreach (var gone in observed.Keys.Where(k => !present.Contains(k)).ToList())
        {
            observed.Remove(gone);
            toldReason.Remove(gone);
        }
        return ready;
    }

    /// <summary>Same length and time as when it was sent; or, same length and the time moved but the bytes did not (a touch, a copy that kept the content).</summary>
    private bool Unchanged(SendJournal journal, FileSnapshot snapshot)
    {
        var entry = journal.Find(snapshot.RelativePath);
        if (entry is null || entry.Length != snapshot.Length)
        {
            return false;
        }
        if (entry.LastWriteUtc == snapshot.LastWriteUtc)
        {
            return true;
        }
        try
        {
            using var stream = new FileStream(snapshot.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            var md5 = Convert.ToHexString(MD5.HashData(stream)).ToLowerInvariant();
            if (md5 != entry.Md5)
            {
                return false;
            }
            journal.Record(entry with { LastWriteUtc = snapshot.LastWriteUtc });
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private IEnumerable<SendRequest> Expand(SpoolRoot root)
    {
        try
        {
            return SourceTree.Expand(root.FullPath, root.BasePath).ToList();
        }
        catch (StreamsendException e) when (e.ErrorId == "PathNotFound")
        {
            // A spool root that is gone for now (a share being remounted) is looked at again next time.
            Tell(root.FullPath, "does not exist right now");
            return Array.Empty<SendRequest>();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Tell(root.FullPath, $"cannot be listed ({e.Message})");
            return Array.Empty<SendRequest>();
        }
    }

    private void Tell(string path, string reason)
    {
        if (toldReason.TryGetValue(path, out var told) && told == reason)
        {
            return;
        }
        toldReason[path] = reason;
        events.Verbose($"Skipping '{path}' for now: it {reason}.");
    }
}
