namespace Streamsend.Bench;

/// <summary>A throughput result: MB/s, and (where there is one) the ratio to its ceiling against a target.</summary>
public sealed record ResultRow(string Kind, string What, long Bytes, double Seconds, string? Ceiling, double? Ratio, double? SenderCpuSeconds, string? Problem, double? Target = null)
{
    public double MBPerSecond => Bytes / Seconds / 1e6;

    /// <summary>Set on rows that move many files, whose rate is also files/s.</summary>
    public int? Files { get; init; }

    public double? FilesPerSecond => Files / Seconds;

    /// <summary>CPU seconds of every process in the run (the sender child, and this one: mock cluster, consumer, receiver) within the row's time.</summary>
    public double? AllProcessesCpuSeconds { get; init; }

    /// <summary>The lowest of the ceilings measured for this row, named, with the row's fraction of it: what bounds it, whatever the target says.</summary>
    public string? LowestCeiling { get; init; }

    public double? SenderCores => SenderCpuSeconds / Seconds;

    /// <summary>Near the machine's core count: the row was bound by the CPU.</summary>
    public double? AllProcessesCores => AllProcessesCpuSeconds / Seconds;

    public double? AllProcessesCpuSecondsPerGB => AllProcessesCpuSeconds / (Bytes / 1e9);

    public bool Met => Problem is null && (Target is null || Ratio >= Target);
}

/// <summary>A peak-memory result: the child's VmHWM and how far above the idle process it went.</summary>
public sealed record MemoryRow(string What, long FileBytes, long PeakBytes, long AboveIdleBytes, string? Problem);

/// <summary>A resumed send against a plain re-send of the same file: bytes over the link, and the time the sender took.</summary>
public sealed record ResumeRow(long FileBytes, long AcknowledgedAtKill, long ResumedRunSentBytes, double ResumedRunSeconds, string? ResumedProblem, long PlainSentBytes, double PlainSeconds, string? PlainProblem);

/// <summary>Prints the results as Markdown tables, so the output can be pasted into docs/performance.md as it is.</summary>
public sealed class ResultTable
{
    private readonly List<ResultRow> rows = new();
    private readonly List<string> notes = new();

    public bool AllMet => rows.All(r => r.Met);

    /// <summary>A line printed under the table: a measurement skipped, and why.</summary>
    public void Note(string note)
    {
        notes.Add(note);
        Console.WriteLine($"    {note}");
    }

    public void Add(ResultRow row)
    {
        rows.Add(row);
        var cores = row.AllProcessesCores is { } allCores ? $"  ({allCores:F2} cores, all processes)" : "";
        var files = row.FilesPerSecond is { } filesPerSecond ? $"  ({filesPerSecond:F0} files/s)" : "";
        Console.WriteLine($"    {row.MBPerSecond,8:F0} MB/s  {row.What}{files}{cores}{(row.Problem is null ? "" : "  [" + row.Problem + "]")}");
    }

    public void Print()
    {
        var cores = Environment.ProcessorCount;
        Console.WriteLine($"Machine: {cores} cores. A row whose CPU cores used by all processes is near {cores} was bound by the CPU.");
        Console.WriteLine($"| kind | what | MB/s | files/s | seconds | CPU cores used (sender) | CPU cores used (all processes, of {cores}) | CPU s per GB (all processes) | ceiling (MB/s) | ratio | target | result | lowest ceiling measured (MB/s) |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | --- |");
        foreach (var row in rows)
        {
            var target = row.Target is { } t ? $"≥ {t:0.0#}" : "";
            var result = row.Problem is { } problem ? "FAILED: " + problem : row.Target is null ? "" : row.Met ? "met" : "MISSED";
            Console.WriteLine($"| {row.Kind} | {row.What} | {row.MBPerSecond:F0} | {row.FilesPerSecond:F0} | {row.Seconds:F2} | {row.SenderCores:F2} | {row.AllProcessesCores:F2} | {row.AllProcessesCpuSecondsPerGB:F2} | {row.Ceiling} | {row.Ratio:F2} | {target} | {result} | {row.LowestCeiling} |");
        }
        foreach (var note in notes)
        {
            Console.WriteLine($"Note: {note}");
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

    /// <summary>Target: the resumed run sends at most 45% of the file after a kill at 60%.</summary>
    public static void PrintResume(ResumeRow row)
    {
        Console.WriteLine();
        Console.WriteLine($"Killed (SIGKILL) with {row.AcknowledgedAtKill / 1e6:F0} MB of the {row.FileBytes / 1e6:F0} MB file acknowledged ({(double)row.AcknowledgedAtKill / row.FileBytes:P0}), then sent again:");
        Console.WriteLine("| after a kill at 60% | MB sent | share of the file | sender seconds | target | result |");
        Console.WriteLine("| --- | ---: | ---: | ---: | --- | --- |");
        var share = (double)row.ResumedRunSentBytes / row.FileBytes;
        var result = row.ResumedProblem is { } problem ? "FAILED: " + problem : share <= 0.45 ? "met, landed once, MD5 verified" : "MISSED";
        Console.WriteLine($"| resumed: the same send run again (same transfer, only what Kafka never acknowledged) | {row.ResumedRunSentBytes / 1e6:F0} | {share:P1} | {row.ResumedRunSeconds:F2} | ≤ 45% | {result} |");
        Console.WriteLine($"| plain re-send: the whole file as a new transfer | {row.PlainSentBytes / 1e6:F0} | {(double)row.PlainSentBytes / row.FileBytes:P1} | {row.PlainSeconds:F2} | | {(row.PlainProblem is { } plain ? "FAILED: " + plain : "")} |");
    }
}
