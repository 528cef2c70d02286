using System.Diagnostics;
using Streamsend.Engine.Platform;

namespace Streamsend.Bench;

/// <summary>
/// How many small files a careful receiver can land per second on this disk, with no Kafka at all: each file is
/// created under a temporary name, written, made durable and renamed into place, as LocalDirectorySink does, with each
/// of the ways of paying for durability it could choose from (issue 14: a flush per file, or once per batch). The
/// bound that bench/Measure-SmallFiles.ps1 compares its end-to-end files/s against.
/// </summary>
public static class LandingCeiling
{
    /// <summary>How a landing is made durable.</summary>
    public enum Durability
    {
        /// <summary>Each file flushed (fsync) before its rename; the renames themselves are not flushed.</summary>
        EachFile,

        /// <summary>
        /// Per batch: every file written, then flushed side by side (fsync, FlushFileBuffers on Windows), renamed, and
        /// each folder renamed into flushed once (fsync of the directory), after which the whole batch is durable.
        /// </summary>
        BatchFlushEach,

        /// <summary>Per batch: every file written, one syncfs(2), every file renamed, one more syncfs (Linux).</summary>
        BatchSyncfs,
    }

    /// <summary>
    /// `land-files SOURCE DESTINATION CONCURRENCY [each | flush-batch SIZE | syncfs-batch SIZE]`: lands every file under
    /// SOURCE into the new folder DESTINATION, CONCURRENCY at a time.
    /// </summary>
    public static ChildReport Land(string source, string destination, int concurrency, Durability durability = Durability.EachFile, int batchSize = int.MaxValue)
    {
        // Read before the clock starts: a receiver has the bytes in memory already, only landing them is measured.
        var files = Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories)
            .Select(path => (Relative: Path.GetRelativePath(source, path), Content: File.ReadAllBytes(path)))
            .ToList();
        var staging = Path.Combine(destination, ".staging");
        Directory.CreateDirectory(staging);
        var cpu = ProcessMeter.CpuTime();
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = concurrency };
        for (var first = 0; first < files.Count; first += batchSize)
        {
            var batch = Enumerable.Range(first, Math.Min(batchSize, files.Count - first)).ToList();
            Parallel.ForEach(batch, parallel, i =>
            {
                using var file = new FileStream(Path.Combine(staging, $"{i}.part"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1);
                file.Write(files[i].Content);
                if (durability is Durability.EachFile or Durability.BatchFlushEach)
                {
                    file.Flush(flushToDisk: true);
                }
                if (durability == Durability.EachFile)
                {
                    file.Dispose();
                    MoveIntoPlace(staging, destination, files[i].Relative, i);
                }
            });
            if (durability == Durability.EachFile)
            {
                continue;
            }
            if (durability == Durability.BatchSyncfs)
            {
                FileSystemSync.SyncFileSystemOf(destination);
            }
            var folders = batch.Select(i => MoveIntoPlace(staging, destination, files[i].Relative, i)).ToHashSet();
            if (durability == Durability.BatchSyncfs)
            {
                FileSystemSync.SyncFileSystemOf(destination);
            }
            else
            {
                Parallel.ForEach(folders, parallel, FileSystemSync.FlushDirectory);
            }
        }
        clock.Stop();
        var bytes = files.Sum(f => (long)f.Content.Length);
        return new ChildReport(bytes, files.Count, clock.Elapsed.TotalSeconds, (ProcessMeter.CpuTime() - cpu).TotalSeconds, ProcessMeter.PeakWorkingSetBytes(), started.ToUnixTimeMilliseconds(), 0, null);
    }

    /// <summary>Renames a staged file to its final path; returns the folder it landed in.</summary>
    private static string MoveIntoPlace(string staging, string destination, string relative, int index)
    {
        var final = Path.Combine(destination, relative);
        var folder = Path.GetDirectoryName(final)!;
        Directory.CreateDirectory(folder);
        File.Move(Path.Combine(staging, $"{index}.part"), final);
        return folder;
    }
}
