using System.Diagnostics;
using System.Security.Cryptography;

namespace Streamsend.Bench;

/// <summary>MD5 of a file on one core, as the sender and the receiver each hash a file: sequential, in 1 MiB blocks.</summary>
public static class Md5Ceiling
{
    /// <summary>The hash, and the wall and CPU seconds of the better of two passes (the first may share the disk with write-back of the file just written).</summary>
    public static (string Md5, double Seconds, double CpuSeconds) Measure(string path)
    {
        var first = Once(path);
        var second = Once(path);
        return first.Seconds <= second.Seconds ? first : second;
    }

    private static (string Md5, double Seconds, double CpuSeconds) Once(string path)
    {
        var buffer = new byte[1 << 20];
        var cpu = ProcessMeter.CpuTime();
        var clock = Stopwatch.StartNew();
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        int read;
        while ((read = file.Read(buffer)) > 0)
        {
            md5.AppendData(buffer, 0, read);
        }
        var hash = Convert.ToHexString(md5.GetHashAndReset()).ToLowerInvariant();
        return (hash, clock.Elapsed.TotalSeconds, (ProcessMeter.CpuTime() - cpu).TotalSeconds);
    }
}
