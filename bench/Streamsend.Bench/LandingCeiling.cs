using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Streamsend.Bench;

/// <summary>
/// How many small files a careful receiver can land per second on this disk, with no Kafka at all: each file is
/// created under a temporary name, written, flushed to disk and renamed into place, as LocalDirectorySink does. The
/// bound that bench/Measure-SmallFiles.ps1 compares its end-to-end files/s against.
/// </summary>
public static class LandingCeiling
{
    /// <summary>How a landing is made durable.</summary>
    public enum Durability
    {
        /// <summary>Each file flushed (fsync) before its rename, as LocalDirectorySink lands a batch today.</summary>
        EachFile,

        /// <summary>
        /// Every file written and renamed, then one syncfs(2) of the destination's file system, after which all of them
        /// are durable: the ceiling of "durability paid once per batch" on Linux (issue 14).
        /// </summary>
        OneSyncfs,
    }

    /// <summary>
    /// `land-files SOURCE DESTINATION CONCURRENCY [each|syncfs]`: lands every file under SOURCE into the new folder
    /// DESTINATION, CONCURRENCY at a time, each flushed, or all made durable by one syncfs at the end.
    /// </summary>
    public static ChildReport Land(string source, string destination, int concurrency, Durability durability = Durability.EachFile)
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
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, i =>
        {
            var temporary = Path.Combine(staging, $"{i}.part");
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1))
            {
                file.Write(files[i].Content);
                if (durability == Durability.EachFile)
                {
                    file.Flush(flushToDisk: true);
                }
            }
            var final = Path.Combine(destination, files[i].Relative);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            File.Move(temporary, final);
        });
        if (durability == Durability.OneSyncfs)
        {
            SyncFileSystemOf(destination);
        }
        clock.Stop();
        var bytes = files.Sum(f => (long)f.Content.Length);
        return new ChildReport(bytes, files.Count, clock.Elapsed.TotalSeconds, (ProcessMeter.CpuTime() - cpu).TotalSeconds, ProcessMeter.PeakWorkingSetBytes(), started.ToUnixTimeMilliseconds(), 0, null);
    }

    /// <summary>syncfs(2): writes back everything dirty on the file system that holds <paramref name="folder"/>, and waits for it.</summary>
    private static void SyncFileSystemOf(string folder)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("syncfs is Linux's; on Windows the batch equivalent is FlushFileBuffers on the volume.");
        }
        using var anchor = new FileStream(Path.Combine(folder, ".syncfs-anchor"), FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        if (syncfs((int)anchor.SafeFileHandle.DangerousGetHandle()) != 0)
        {
            throw new IOException($"syncfs failed with errno {Marshal.GetLastWin32Error()}.");
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int syncfs(int fileDescriptor);
}
