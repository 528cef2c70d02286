using System.Text;

namespace Streamsend.Bench;

/// <summary>
/// The small-file tree of the packing benchmark: files of 1–16 KB, every other one repetitive text (receipts, which
/// deflate to a few percent) and the rest random bytes, in 970 folders (region-0..9/outlet-0..96).
/// </summary>
public static class SmallFileTree
{
    private static readonly byte[] Line = Encoding.UTF8.GetBytes("2026-11-25T10:00:00Z outlet 0042 receipt total 12.50 EUR card ****1234\n");

    /// <summary>Writes <paramref name="count"/> files under <paramref name="directory"/>; returns their total bytes.</summary>
    public static long Write(string directory, int count)
    {
        var random = new Random(20000);
        long total = 0;
        for (var i = 0; i < count; i++)
        {
            var folder = Path.Combine(directory, $"region-{i % 10}", $"outlet-{i % 97}");
            Directory.CreateDirectory(folder);
            var bytes = new byte[random.Next(1024, 16 * 1024 + 1)];
            if (i % 2 == 0)
            {
                for (var at = 0; at < bytes.Length; at += Line.Length)
                {
                    Line.AsSpan(0, Math.Min(Line.Length, bytes.Length - at)).CopyTo(bytes.AsSpan(at));
                }
            }
            else
            {
                random.NextBytes(bytes);
            }
            File.WriteAllBytes(Path.Combine(folder, $"receipt-{i}.dat"), bytes);
            total += bytes.Length;
        }
        return total;
    }
}
