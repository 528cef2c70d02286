using System.Diagnostics;

namespace Streamsend.Bench;

/// <summary>
/// How fast this disk makes bytes durable, written the way a receiver lands them (a new file, then a flush to disk
/// before it counts as landed): a ceiling for send + receive that neither Kafka nor MD5 shows.
/// </summary>
public static class DurableWrite
{
    private const int BlockBytes = 1 << 20;

    /// <summary>Copies <paramref name="source"/> into a new file in <paramref name="folder"/> in 1 MiB blocks, then Flush(true); the seconds of the better of two passes.</summary>
    public static double CopySeconds(string source, string folder)
    {
        // Twice, the better counts, as for MD5: the disk is shared with whatever else writes at the time.
        return Math.Min(CopyOnce(source, folder), CopyOnce(source, folder));
    }

    private static double CopyOnce(string source, string folder)
    {
        var target = Path.Combine(folder, $"durable-write-{Guid.NewGuid():N}.bin");
        var buffer = new byte[BlockBytes];
        try
        {
            using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            var clock = Stopwatch.StartNew();
            using (var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1))
            {
                int read;
                while ((read = input.Read(buffer)) > 0)
                {
                    output.Write(buffer, 0, read);
                }
                output.Flush(flushToDisk: true);
            }
            return clock.Elapsed.TotalSeconds;
        }
        finally
        {
            File.Delete(target);
        }
    }
}
