using System.Globalization;

namespace Streamsend.Bench;

/// <summary>
/// Small files end to end (issue 14): a tree of 1–16 KB files sent by a child while a receiver here lands it, packed
/// (the default threshold) and one message per file (threshold 0), against the disk's landing ceilings with no Kafka:
/// `tar -x` of the same tree plus one `sync`, and a plain loop that lands them as the receiver does (land-files).
/// </summary>
public static class SmallFilesSection
{
    private const double MB = 1e6;

    /// <summary>One end-to-end run, and what it put on the topic.</summary>
    public sealed record Run(string Name, ResultRow Row, ChildReport Sender, long Messages, long MessageBytes);

    /// <summary>The section's figures: its rows are in the context's table already; <see cref="Print"/> adds the packing details.</summary>
    public sealed record Result(int Files, long Bytes, ResultRow? TarCeiling, Run Packed, Run OnePerFile)
    {
        public void Print()
        {
            Console.WriteLine();
            Console.WriteLine($"| small files end to end ({Files:N0} files, {Bytes:N0} bytes) | files sent/s (acknowledged) | files landed/s (end to end) | Kafka messages | message bytes |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
            foreach (var run in new[] { Packed, OnePerFile })
            {
                Console.WriteLine($"| {run.Name} | {run.Sender.Files / run.Sender.Seconds:N0} | {run.Row.FilesPerSecond:N0} | {run.Messages:N0} | {run.MessageBytes:N0} ({(double)run.MessageBytes / Bytes:P1} of raw) |");
            }
            var ideal = Math.Ceiling((double)Packed.MessageBytes / Packed.Sender.ChunkBytes);
            Console.WriteLine($"Messages used, packed: {Packed.Messages:N0} against message bytes / chunk size ({Packed.Sender.ChunkBytes:N0}) = {ideal:N0}: {(Packed.Messages - ideal) / ideal:P1} over (target ≤ 10%).");
            Console.WriteLine($"Files/s end to end, packed ÷ one message per file: {Packed.Row.FilesPerSecond / OnePerFile.Row.FilesPerSecond:F1}x.");
        }
    }

    /// <summary>
    /// Batch sizes the durability choice is measured at: a pack of 1–16 KB files holds about 64 (a 1 MiB message), the
    /// land stage holds 8 files at once, and a large batch shows what a flush per batch costs at the limit.
    /// </summary>
    private static readonly int[] LandingBatchSizes = [8, 64, 1024];

    public static async Task<Result> RunAsync(BenchmarkContext context)
    {
        var count = context.Settings.SmallFiles;
        var label = $"{count} files of 1–16 KB";
        var tree = context.WorkPath("small");
        BenchmarkContext.Step($"writing {label}");
        var bytes = SmallFileTree.Write(tree, count);

        ResultRow? tarCeiling = null;
        if (SystemLanding.Unavailable is { } why)
        {
            context.Table.Note($"tar -x + sync landing ceiling {why}; small files end to end have no ceiling to be measured against.");
        }
        else
        {
            var archive = context.WorkPath("small.tar");
            SystemLanding.CreateTar(archive, tree);
            var landing = context.WorkPath("small-tar-x");
            BenchmarkContext.Step($"landing ceiling: tar -x of the {label} tree, then sync");
            tarCeiling = SystemLanding.AddCeiling(context, $"tar -x of the {label} tree", bytes, count, () => SystemLanding.ExtractTar(archive, landing));
            WorkFiles.DeleteQuietly(landing);
            WorkFiles.DeleteQuietly(archive);
        }

        // Landed as LocalDirectorySink lands files (temporary file, write, made durable, rename), with no landed
        // journal: a bound on the receiver from above, for each way of paying for durability it can choose from
        // (LandingDurability): a flush per file, or one per batch of the sizes a pack and the land stage bring.
        var loops = new List<(int Concurrency, LandingCeiling.Durability Durability, int BatchSize, string What)>
        {
            (1, LandingCeiling.Durability.EachFile, int.MaxValue, "one file at a time, each flushed, then renamed"),
            (8, LandingCeiling.Durability.EachFile, int.MaxValue, "8 at a time, each flushed, then renamed"),
        };
        foreach (var size in LandingBatchSizes)
        {
            loops.Add((8, LandingCeiling.Durability.BatchFlushEach, size, $"batches of {size}: written, flushed 8 at a time, renamed, each folder flushed"));
            if (OperatingSystem.IsLinux())
            {
                loops.Add((8, LandingCeiling.Durability.BatchSyncfs, size, $"batches of {size}: written 8 at a time, syncfs, renamed, syncfs"));
            }
        }
        foreach (var (concurrency, durability, batchSize, what) in loops)
        {
            BenchmarkContext.Step($"landing ceiling: land-files, {what}");
            var landing = context.WorkPath("small-land-files");
            SystemLanding.SettleDisk();
            var landed = LandingCeiling.Land(tree, landing, concurrency, durability, batchSize);
            context.Table.Add(new ResultRow("Ceiling", $"landing, no Kafka: land-files of the {label} tree, {what}", landed.Bytes, landed.Seconds, null, null, null, null)
            {
                Files = landed.Files,
                AllProcessesCpuSeconds = landed.CpuSeconds,
            });
            WorkFiles.DeleteQuietly(landing);
        }

        var packed = await EndToEndAsync(context, tree, count, bytes, label, tarCeiling, packThreshold: null);
        var onePerFile = await EndToEndAsync(context, tree, count, bytes, label, tarCeiling, packThreshold: 0);
        WorkFiles.DeleteQuietly(tree);
        return new Result(count, bytes, tarCeiling, packed, onePerFile);
    }

    private static async Task<Run> EndToEndAsync(BenchmarkContext context, string tree, int count, long bytes, string label, ResultRow? tarCeiling, int? packThreshold)
    {
        var partitions = context.Settings.RetentionPartitions;
        var how = packThreshold is null ? "packed" : "one message per file";
        BenchmarkContext.Step($"Streamsend send + receive of {label}, {how}, {partitions} partitions");
        var topic = context.Topic(partitions);
        string[] options = packThreshold is { } threshold ? ["--pack-threshold", threshold.ToString(CultureInfo.InvariantCulture)] : [];
        var run = await StreamsendEndToEnd.RunAsync(context, topic, tree, count, null, options);
        var name = packThreshold is null ? $"packed (default threshold, {run.Sender.PackThresholdBytes:N0} bytes)" : "one message per file (PackThreshold 0)";
        var rate = bytes / run.Seconds / MB;
        var row = new ResultRow("Send + receive", $"{label}, {name}, {partitions} partitions", bytes, run.Seconds,
            tarCeiling is null ? null : $"tar -x + sync {tarCeiling.MBPerSecond:F0}", rate / tarCeiling?.MBPerSecond, null, run.Problem, Target: packThreshold is null && tarCeiling is not null ? 0.5 : null)
        {
            Files = count,
            AllProcessesCpuSeconds = context.AllProcessesCpu(run.Sender, run.Seconds),
        };
        context.Table.Add(row);
        // Every message from offset 0, after the run: what packing saved on the wire.
        using var ready = new ManualResetEventSlim();
        var onTopic = RawKafka.Consume(context.Cluster.BootstrapServers, topic, partitions, long.MaxValue, TimeSpan.FromSeconds(2), BenchmarkContext.ConsumerTuning, ready);
        return new Run(name, row, run.Sender, onTopic.Messages, onTopic.Bytes);
    }
}
