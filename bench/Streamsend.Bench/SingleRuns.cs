namespace Streamsend.Bench;

/// <summary>Parts of the benchmark run on their own: the small-file section for a quick look, and one send + receive to profile.</summary>
public static class SingleRuns
{
    /// <summary>`small-files [--small-files N] [--retention-partitions P] [--work DIR]`: the small-file rows and their packing details.</summary>
    public static async Task<int> SmallFilesAsync(BenchmarkSettings settings)
    {
        using var context = new BenchmarkContext(settings);
        var small = await SmallFilesSection.RunAsync(context);
        Console.WriteLine();
        context.Table.Print();
        small.Print();
        return 0;
    }

    /// <summary>
    /// `send-receive PATH [--retention-partitions P]`: a sender child sends PATH (a file, or a folder written by
    /// `write-files`) while a receiver here lands it, over a topic of P partitions (256). This process is the receiver
    /// (and the mock cluster): the one that bench/Profile-Receiver.ps1 traces; it prints its id first.
    /// </summary>
    public static async Task<int> SendReceiveAsync(string path, BenchmarkSettings settings)
    {
        Console.WriteLine($"Receiver process: {Environment.ProcessId}");
        using var context = new BenchmarkContext(settings);
        var files = Directory.Exists(path) ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Count() : 1;
        var bytes = Directory.Exists(path) ? new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : new FileInfo(path).Length;
        var partitions = settings.RetentionPartitions;
        BenchmarkContext.Step($"Streamsend send + receive of {files} files, {bytes / 1e6:F0} MB, {partitions} partitions");
        var run = await StreamsendEndToEnd.RunAsync(context, context.Topic(partitions), path, files, null);
        context.Table.Add(new ResultRow("Send + receive", $"{files} files, {partitions} partitions", bytes, run.Seconds, null, null, null, run.Problem)
        {
            Files = files,
            AllProcessesCpuSeconds = context.AllProcessesCpu(run.Sender, run.Seconds),
        });
        Console.WriteLine();
        context.Table.Print();
        return run.Problem is null ? 0 : 1;
    }
}
