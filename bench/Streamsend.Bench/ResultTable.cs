namespace Streamsend.Bench;

/// <summary>A throughput result: MB/s, and (where there is one) the ratio to its ceiling against a target.</summary>
public sealed record ResultRow(string Kind, string What, long Bytes, double Seconds, string? Ceiling, double? Ratio, double? CpuSeconds, string? Problem, double? Target = null)
{
    public double MBPerSecond => Bytes / Seconds / 1e6;

    public bool Met => Problem is null && (Target is null || Ratio >= Target);
}

/// <summary>A peak-memory result: the child's VmHWM and how far above the idle process it went.</summary>
public sealed record MemoryRow(string What, long FileBytes, long PeakBytes, long AboveIdleBytes, string? Problem);

/// <summary>Prints the results as Markdown tables, so the output can be pasted into docs/performance.md as it is.</summary>
public sealed class ResultTable
{
    private readonly List<ResultRow> rows = new();

    public bool AllMet => rows.All(r => r.Met);

    public void Add(ResultRow row)
    {
        rows.Add(row);
        Console.WriteLine($"    {row.MBPerSecond,8:F0} MB/s  {row.What}{(row.Problem is null ? "" : "  [" + row.Problem + "]")}");
    }

    public void Print(double md5Rate)
    {
        Console.WriteLine("| kind | what | MB/s | seconds | CPU cores used | ceiling (MB/s) | ratio | target | result |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | --- |");
        foreach (var row in rows)
        {
            var cores = row.CpuSeconds is { } cpu ? $"{cpu / row.Seconds:F2}" : "";
            var ratio = row.Ratio is { } r ? $"{r:F2}" : "";
            var target = row.Target is { } t ? $"≥ {t:F1}" : "";
            var result = row.Problem is { } problem ? "FAILED: " + problem : row.Target is null ? "" : row.Met ? "met" : "MISSED";
            Console.WriteLine($"| {row.Kind} | {row.What} | {row.MBPerSecond:F0} | {row.Seconds:F2} | {cores} | {row.Ceiling} | {ratio} | {target} | {result} |");
        }
    }

    /// <summary>Targets: at most 256 MB above idle, and the same (±10%) for every file size.</summary>
    public static bool PrintMemory(IReadOnlyList<MemoryRow> memory)
    {
        Console.WriteLine();
        Console.WriteLine($"| sender peak memory | peak working set (MB) | above idle (MB) | target | result |");
        Console.WriteLine("| --- | ---: | ---: | --- | --- |");
        var sends = memory.Where(m => m.FileBytes > 0).ToList();
        var smallest = sends.Count > 0 ? sends.Min(m => m.PeakBytes) : 0;
        var largest = sends.Count > 0 ? sends.Max(m => m.PeakBytes) : 0;
        var flat = largest <= smallest * 1.1 + 1;
        var allMet = flat;
        foreach (var row in memory)
        {
            if (row.FileBytes == 0)
            {
                Console.WriteLine($"| {row.What} | {row.PeakBytes / 1e6:F0} | | | |");
                continue;
            }
            var met = row.Problem is null && row.AboveIdleBytes <= 256e6 && flat;
            allMet &= met;
            var result = row.Problem is { } problem ? "FAILED: " + problem : met ? "met" : "MISSED";
            Console.WriteLine($"| {row.What} | {row.PeakBytes / 1e6:F0} | {row.AboveIdleBytes / 1e6:F0} | ≤ 256, sizes within 10% | {result} |");
        }
        Console.WriteLine($"Largest peak / smallest peak of the sends: {(smallest > 0 ? (double)largest / smallest : 0):F2} (target ≤ 1.10).");
        return allMet;
    }
}
