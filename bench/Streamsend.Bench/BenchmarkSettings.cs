using System.Globalization;

namespace Streamsend.Bench;

/// <summary>What one benchmark run measures; the defaults are the figures issue 3 asks for.</summary>
public sealed record BenchmarkSettings
{
    public const string Usage =
        "usage: Streamsend.Bench [run] [--work DIR] [--big-mib 1024] [--partitions 8] [--retention-partitions 256] [--files 200] [--file-bytes 5000000] [--memory-mib 256,2048] [--small-files 20000] [--only resume] [--keep]";

    public string WorkDirectory { get; init; } = Path.Combine(Path.GetTempPath(), $"streamsend-bench-{Environment.ProcessId}");

    public long BigFileBytes { get; init; } = 1024L * 1024 * 1024;

    /// <summary>The "4+ partitions" topic.</summary>
    public int WidePartitions { get; init; } = 8;

    /// <summary>
    /// A topic wide enough that the mock's 5 MiB per partition holds what a slower receiver has not read yet: 256
    /// partitions keep 1.25 GiB, more than the 1 GiB file. With 128 (640 MiB) a receiver that fell behind by a few
    /// seconds lost the file in one run out of four.
    /// </summary>
    public int RetentionPartitions { get; init; } = 256;

    public int ManyFiles { get; init; } = 200;

    public long ManyFileBytes { get; init; } = 5_000_000;

    /// <summary>Files of 1–16 KB in the small-file tree (sent packed and one message per file, and landed by tar -x).</summary>
    public int SmallFiles { get; init; } = 20_000;

    public IReadOnlyList<long> MemoryFileBytes { get; init; } = new[] { 256L << 20, 2048L << 20 };

    /// <summary>Raw messages have the size of Streamsend's chunks under Kafka's default-ish 1,000,000-byte limit.</summary>
    public int MessageBytes { get; init; } = 950_000;

    public bool Keep { get; init; }

    /// <summary>"resume": only the resume-after-a-kill row (and the MD5 it verifies with), for a quick look at it.</summary>
    public string? Only { get; init; }

    public static BenchmarkSettings Parse(string[] args)
    {
        var settings = new BenchmarkSettings();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
            settings = args[i] switch
            {
                "--work" => settings with { WorkDirectory = Path.GetFullPath(Next()) },
                "--big-mib" => settings with { BigFileBytes = Number(Next()) << 20 },
                "--partitions" => settings with { WidePartitions = (int)Number(Next()) },
                "--retention-partitions" => settings with { RetentionPartitions = (int)Number(Next()) },
                "--files" => settings with { ManyFiles = (int)Number(Next()) },
                "--file-bytes" => settings with { ManyFileBytes = Number(Next()) },
                "--memory-mib" => settings with { MemoryFileBytes = Next().Split(',').Select(m => Number(m) << 20).ToArray() },
                "--small-files" => settings with { SmallFiles = (int)Number(Next()) },
                "--keep" => settings with { Keep = true },
                "--only" => settings with { Only = Next() is "resume" ? "resume" : throw new FormatException("--only takes 'resume'.") },
                _ => throw new FormatException($"unknown argument '{args[i]}'."),
            };
        }
        return settings;
    }

    private static long Number(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : throw new FormatException($"'{text}' is not a positive whole number.");
}
