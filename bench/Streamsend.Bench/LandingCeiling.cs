using System.Diagnostics;

namespace Streamsend.Bench;

/// <summary>
/// How many small files a careful receiver can land per second on this disk, with no Kafka at all: each file is
/// created under a temporary name, written, flushed to disk and renamed into place, as LocalDirectorySink does. The
/// bound that bench/Measure-SmallFiles.ps1 compares its end-to-end files/s against.
/// </summary>
public static class LandingCeiling
{
    /// <summary>`land-files SOURCE DESTINATION CONCURRENCY`: lands every file under SOURCE into the new folder DESTINATION, CONCURRENCY flushes at a time.</summary>
    public static ChildReport Land(string source, string destination, int concurrency)
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
                file.Flush(flushToDisk: true);
            }
            var final = Path.Combine(destination, files[i].Relative);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            File.Move(temporary, final);
        });
        clock.Stop();
        var bytes = files.Sum(f => (long)f.Content.Length);
        return new ChildReport(bytes, files.Count, clock.Elapsed.TotalSeconds, (ProcessMeter.CpuTime() - cpu).TotalSeconds, ProcessMeter.PeakWorkingSetBytes(), started.ToUnixTimeMilliseconds(), 0, null);
    }
}
