using System.Diagnostics;
using System.Security.Cryptography;
using Streamsend.Engine.Events;
using Streamsend.Engine.Kafka;
using Streamsend.Engine.Receiving;
using Streamsend.Engine.Sinks;
using Streamsend.MockKafka;

namespace Streamsend.Bench;

/// <summary>
/// One run of every measurement on the same data: ceilings first (MD5, durable disk write, raw produce, raw
/// produce+consume), then Streamsend against them, then the sender's peak memory. Senders run in child processes; the
/// mock cluster, raw consumers and Streamsend receivers run here, so a row's CPU is the child's plus this process's.
/// </summary>
public static class BenchmarkRun
{
    private const double MB = 1e6;

    /// <summary>The consumer settings both the raw consumer and the receiver get (the mock answers an empty fetch only after fetch.wait.max.ms).</summary>
    private static readonly IReadOnlyDictionary<string, string> ConsumerTuning = new Dictionary<string, string> { ["fetch.wait.max.ms"] = "10" };

    public static async Task<int> RunAsync(BenchmarkSettings settings)
    {
        var table = new ResultTable();
        var total = Stopwatch.StartNew();
        Directory.CreateDirectory(settings.WorkDirectory);
        using var cluster = MockKafkaCluster.Start(3);
        using var cpuTimeline = new CpuTimeline();
        // The child timed its own work; this process's share of that window (mock cluster, consumer, receiver) is
        // read from the timeline. After its acknowledgements the child only shuts down, which is not counted.
        double AllProcessesCpu(ChildReport sender, double seconds)
        {
            var start = DateTimeOffset.FromUnixTimeMilliseconds(sender.StartedUnixMs);
            return sender.CpuSeconds + cpuTimeline.CpuSecondsBetween(start, start + TimeSpan.FromSeconds(seconds));
        }
        var topics = 0;
        string Topic(int partitions)
        {
            var name = $"bench-{++topics}-p{partitions}";
            cluster.CreateTopic(name, partitions, 1);
            return name;
        }
        try
        {
            Console.WriteLine($"Streamsend benchmark: {Environment.ProcessorCount} cores, mock cluster {cluster.BootstrapServers}, work folder {settings.WorkDirectory}");
            var big = Path.Combine(settings.WorkDirectory, "big.bin");
            Step($"writing {settings.BigFileBytes >> 20} MiB of random data");
            WriteRandomFile(big, settings.BigFileBytes, seed: 1);
            var bigMiB = $"{settings.BigFileBytes >> 20} MiB";

            Step("MD5 on one core");
            var (md5, md5Seconds) = Md5OneCore(big);
            var md5Rate = settings.BigFileBytes / md5Seconds / MB;
            table.Add(new ResultRow("Ceiling", $"MD5 of the {bigMiB} file, one core", settings.BigFileBytes, md5Seconds, null, null, null, null));

            if (settings.Only == "resume")
            {
                ResultTable.PrintResume(await ResumeAfterKillAsync(cluster, Topic(settings.RetentionPartitions), Topic(settings.WidePartitions), big, md5, settings));
                return 0;
            }

            Step("durable disk write");
            var diskSeconds = DurableWrite.CopySeconds(big, settings.WorkDirectory);
            var diskRate = settings.BigFileBytes / diskSeconds / MB;
            table.Add(new ResultRow("Ceiling", $"durable disk write of the {bigMiB} file, 1 MiB blocks, then Flush(true)", settings.BigFileBytes, diskSeconds, null, null, null, null));
            // Issue 3's ceiling for send + receive leaves out the disk; the lowest of all three says what bounds a row.
            string LowestCeiling(double mbPerSecond, string rawName, double rawRate)
            {
                var (name, rate) = new[] { (rawName, rawRate), ("MD5", md5Rate), ("disk write", diskRate) }.MinBy(ceiling => ceiling.Item2);
                return $"{name} {rate:F0} (reached {mbPerSecond / rate:F2})";
            }

            var rawProduce = new Dictionary<int, double>();
            var rawEndToEnd = new Dictionary<int, double>();
            var sendPartitions = new[] { 1, settings.WidePartitions };
            // The mock keeps only the newest 5 MiB of a partition: a receiver slower than the sender must have that much times
            // the partition count of slack, or the mock drops what it has not read yet. Hence one very wide topic too.
            var receivePartitions = new[] { 1, settings.WidePartitions, settings.RetentionPartitions };
            foreach (var partitions in receivePartitions)
            {
                if (sendPartitions.Contains(partitions))
                {
                Step($"raw produce, {partitions} partition(s)");
                    var produced = await ChildLauncher.RunAsync("raw-produce", cluster.BootstrapServers, Topic(partitions), partitions.ToString(), big, settings.MessageBytes.ToString());
                    rawProduce[partitions] = produced.Bytes / produced.Seconds / MB;
                    table.Add(new ResultRow("Ceiling", $"raw produce, {partitions} partition(s)", produced.Bytes, produced.Seconds, null, null, produced.CpuSeconds, Problem(produced))
                    {
                        AllProcessesCpuSeconds = AllProcessesCpu(produced, produced.Seconds),
                    });
                }

                Step($"raw produce + consume, {partitions} partition(s)");
                var (endToEnd, lost, producer) = await RawEndToEndAsync(cluster, Topic(partitions), partitions, big, settings);
                rawEndToEnd[partitions] = settings.BigFileBytes / endToEnd / MB;
                table.Add(new ResultRow("Ceiling", $"raw produce + consume, {partitions} partition(s)", settings.BigFileBytes, endToEnd, null, null, null, lost > 0 ? $"LOST {lost} bytes" : null)
                {
                    AllProcessesCpuSeconds = AllProcessesCpu(producer, endToEnd),
                });
            }

            var singleFileSend = 0.0;
            foreach (var partitions in receivePartitions)
            {
                if (sendPartitions.Contains(partitions))
                {
                Step($"Streamsend send, {partitions} partition(s)");
                var sent = await ChildLauncher.RunAsync("send", cluster.BootstrapServers, Topic(partitions), big);
                var ceiling = Math.Min(rawProduce[partitions], md5Rate);
                var ratio = sent.Bytes / sent.Seconds / MB / ceiling;
                singleFileSend = Math.Max(singleFileSend, sent.Bytes / sent.Seconds / MB);
                table.Add(new ResultRow("Send", $"{bigMiB} file, {partitions} partition(s)", sent.Bytes, sent.Seconds,
                    $"min(raw produce {partitions}p, MD5) {ceiling:F0}", ratio, sent.CpuSeconds, Problem(sent), Target: 0.8)
                {
                    AllProcessesCpuSeconds = AllProcessesCpu(sent, sent.Seconds),
                });
                }

                Step($"Streamsend send + receive, {partitions} partition(s)");
                var (seconds, problem, sender) = await StreamsendEndToEndAsync(cluster, Topic(partitions), big, 1, md5, settings);
                var e2eCeiling = Math.Min(rawEndToEnd[partitions], md5Rate);
                var e2eRate = settings.BigFileBytes / seconds / MB;
                table.Add(new ResultRow("Send + receive", $"{bigMiB} file, {partitions} partition(s)", settings.BigFileBytes, seconds,
                    $"min(raw produce+consume {partitions}p, MD5) {e2eCeiling:F0}", e2eRate / e2eCeiling, null, problem, Target: 0.7)
                {
                    AllProcessesCpuSeconds = AllProcessesCpu(sender, seconds),
                    LowestCeiling = LowestCeiling(e2eRate, $"raw produce+consume {partitions}p", rawEndToEnd[partitions]),
                });
            }

            var many = Path.Combine(settings.WorkDirectory, "many");
            Step($"writing {settings.ManyFiles} files of {settings.ManyFileBytes / MB:F0} MB");
            for (var i = 0; i < settings.ManyFiles; i++)
            {
                WriteRandomFile(Path.Combine(many, $"file-{i:D4}.bin"), settings.ManyFileBytes, seed: 100 + i);
            }
            Step($"Streamsend send of {settings.ManyFiles} files, {settings.WidePartitions} partitions");
            var manySent = await ChildLauncher.RunAsync("send", cluster.BootstrapServers, Topic(settings.WidePartitions), many);
            table.Add(new ResultRow("Send", $"{manySent.Files} files of {settings.ManyFileBytes / MB:F0} MB, {settings.WidePartitions} partitions", manySent.Bytes, manySent.Seconds,
                $"best single-file send {singleFileSend:F0}", manySent.Bytes / manySent.Seconds / MB / singleFileSend, manySent.CpuSeconds, Problem(manySent), Target: 1.0)
            {
                AllProcessesCpuSeconds = AllProcessesCpu(manySent, manySent.Seconds),
            });
            var wide = settings.RetentionPartitions;
            Step($"Streamsend send + receive of {settings.ManyFiles} files, {wide} partitions");
            var (manySeconds, manyProblem, manySender) = await StreamsendEndToEndAsync(cluster, Topic(wide), many, settings.ManyFiles, null, settings);
            var manyBytes = settings.ManyFiles * settings.ManyFileBytes;
            var manyRate = manyBytes / manySeconds / MB;
            table.Add(new ResultRow("Send + receive", $"{settings.ManyFiles} files of {settings.ManyFileBytes / MB:F0} MB, {wide} partitions", manyBytes, manySeconds,
                $"raw produce+consume {wide}p {rawEndToEnd[wide]:F0}", manyRate / rawEndToEnd[wide], null, manyProblem, Target: 0.7)
            {
                AllProcessesCpuSeconds = AllProcessesCpu(manySender, manySeconds),
                LowestCeiling = LowestCeiling(manyRate, $"raw produce+consume {wide}p", rawEndToEnd[wide]),
            });
            DeleteQuietly(many);

            Step("resume after a kill at 60%, against a plain re-send");
            var resume = await ResumeAfterKillAsync(cluster, Topic(settings.RetentionPartitions), Topic(settings.WidePartitions), big, md5, settings);

            Step("sender peak memory");
            var idle = await ChildLauncher.RunAsync("idle");
            var memory = new List<MemoryRow> { new("idle process (runtime, engine, librdkafka loaded)", 0, idle.PeakWorkingSetBytes, 0, null) };
            foreach (var size in settings.MemoryFileBytes)
            {
                var file = size == settings.BigFileBytes ? big : Path.Combine(settings.WorkDirectory, $"memory-{size >> 20}.bin");
                if (file != big)
                {
                    WriteRandomFile(file, size, seed: 7);
                }
                var sent = await ChildLauncher.RunAsync("send", cluster.BootstrapServers, Topic(settings.WidePartitions), file);
                memory.Add(new MemoryRow($"send one {size >> 20} MiB file, {settings.WidePartitions} partitions", size, sent.PeakWorkingSetBytes, sent.PeakWorkingSetBytes - idle.PeakWorkingSetBytes, Problem(sent)));
                if (file != big)
                {
                    DeleteQuietly(file);
                }
            }

            Console.WriteLine();
            table.Print();
            var memoryOk = ResultTable.PrintMemory(memory);
            ResultTable.PrintResume(resume);
            Console.WriteLine();
            Console.WriteLine($"Benchmark finished in {total.Elapsed.TotalSeconds:F0} s.");
            Console.WriteLine(table.AllMet && memoryOk ? "Every target met." : "Some targets missed or runs failed: see docs/performance.md for what limits them.");
            // A missed target is a finding, not a crash of the benchmark: the exit code says only whether it ran.
            return 0;
        }
        finally
        {
            if (!settings.Keep)
            {
                DeleteQuietly(settings.WorkDirectory);
            }
        }
    }

    private static async Task<(double Seconds, long LostBytes, ChildReport Producer)> RawEndToEndAsync(MockKafkaCluster cluster, string topic, int partitions, string file, BenchmarkSettings settings)
    {
        using var ready = new ManualResetEventSlim();
        var consuming = Task.Factory.StartNew(
            () => RawKafka.Consume(cluster.BootstrapServers, topic, partitions, settings.BigFileBytes, TimeSpan.FromSeconds(10), ConsumerTuning, ready),
            TaskCreationOptions.LongRunning);
        ready.Wait();
        await Task.Delay(500);
        var produced = await ChildLauncher.RunAsync("raw-produce", cluster.BootstrapServers, topic, partitions.ToString(), file, settings.MessageBytes.ToString());
        var consumed = await consuming;
        var end = consumed.LastMessageAt ?? DateTimeOffset.UtcNow;
        return ((end - DateTimeOffset.FromUnixTimeMilliseconds(produced.StartedUnixMs)).TotalSeconds, produced.Bytes - consumed.Bytes, produced);
    }

    /// <summary>A receiver here and a sender child; the time runs from the sender's first chunk to the last file landed.</summary>
    /// <param name="send">Runs the sender (by default one `send` child of <paramref name="path"/>) and returns the report of the run that finished it.</param>
    private static async Task<(double Seconds, string? Problem, ChildReport Sender)> StreamsendEndToEndAsync(MockKafkaCluster cluster, string topic, string path, int files, string? expectedMd5, BenchmarkSettings settings, Func<Task<ChildReport>>? send = null)
    {
        var inbox = Path.Combine(settings.WorkDirectory, $"inbox-{topic}");
        var events = new ReceiverEvents();
        var options = new ReceiveOptions
        {
            Kafka = new KafkaSettings(cluster.BootstrapServers, new Dictionary<string, string>(ConsumerTuning) { ["log_level"] = "3" }),
            Topic = topic,
            GroupId = $"bench-{Guid.NewGuid():N}",
            Sink = new LocalDirectorySink(inbox),
            MaxFiles = files,
            IdleTimeout = TimeSpan.FromSeconds(10),
            Timeout = TimeSpan.FromMinutes(5),
        };
        var receiving = FileReceiver.RunAsync(options, events, CancellationToken.None);
        // The receiver's group join must be done before the sender outruns the mock's 5 MiB per partition.
        await Task.Delay(2000);
        var sent = await (send ?? (() => ChildLauncher.RunAsync("send", cluster.BootstrapServers, topic, path)))();
        var summary = await receiving;
        await options.Sink.DisposeAsync();
        DeleteQuietly(inbox);
        var end = events.LastLandedAt ?? DateTimeOffset.UtcNow;
        var seconds = (end - DateTimeOffset.FromUnixTimeMilliseconds(sent.StartedUnixMs)).TotalSeconds;
        var problems = new List<string>();
        if (Problem(sent) is { } sendProblem)
        {
            problems.Add("send: " + sendProblem);
        }
        if (summary.FilesLanded < files)
        {
            problems.Add($"LOST: {files - summary.FilesLanded} of {files} files not landed ({summary.IncompleteAtStop} incomplete, {summary.FilesFailed} failed)");
        }
        if (expectedMd5 is not null && events.Md5s.Any(m => m != expectedMd5))
        {
            problems.Add("MD5 MISMATCH");
        }
        return (seconds, problems.Count == 0 ? null : string.Join("; ", problems), sent);
    }

    /// <summary>
    /// A sender with resume state, capped at a twentieth of the file per second so that the kill lands near 60% (the state
    /// is saved once a second), killed with SIGKILL once its state shows 60% acknowledged; then the same send again,
    /// uncapped, while a receiver lands the file; then a plain send of the whole file, which is what a re-send without
    /// resume costs.
    /// </summary>
    private static async Task<ResumeRow> ResumeAfterKillAsync(MockKafkaCluster cluster, string topic, string plainTopic, string big, string md5, BenchmarkSettings settings)
    {
        var resumeFolder = Path.Combine(settings.WorkDirectory, "resume");
        var rate = Math.Max(1L << 20, settings.BigFileBytes / 20).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var acknowledgedAtKill = 0L;
        var (_, problem, resumed) = await StreamsendEndToEndAsync(cluster, topic, big, 1, md5, settings, async () =>
        {
            using (var killed = ChildLauncher.Start("resumable-send", cluster.BootstrapServers, topic, big, resumeFolder, rate))
            {
                acknowledgedAtKill = await WaitForAcknowledgedAsync(resumeFolder, (long)(settings.BigFileBytes * 0.6), killed);
                killed.Kill();
                await killed.WaitForExitAsync();
            }
            return await ChildLauncher.RunAsync("resumable-send", cluster.BootstrapServers, topic, big, resumeFolder, "0");
        });
        var plain = await ChildLauncher.RunAsync("send", cluster.BootstrapServers, plainTopic, big);
        return new ResumeRow(settings.BigFileBytes, acknowledgedAtKill, resumed.SentBytes, resumed.Seconds, problem ?? Problem(resumed), plain.SentBytes, plain.Seconds, Problem(plain));
    }

    /// <summary>The acknowledged bytes the child's resume state shows, once at least <paramref name="bytes"/>.</summary>
    private static async Task<long> WaitForAcknowledgedAsync(string resumeFolder, long bytes, System.Diagnostics.Process child)
    {
        while (!child.HasExited)
        {
            foreach (var state in Directory.Exists(resumeFolder) ? Directory.GetFiles(resumeFolder, "*.json") : Array.Empty<string>())
            {
                try
                {
                    using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(state));
                    var acknowledged = json.RootElement.GetProperty("acknowledgedBytes").GetInt64();
                    if (acknowledged >= bytes)
                    {
                        return acknowledged;
                    }
                }
                catch (IOException)
                {
                    // Replaced this instant: read it on the next look.
                }
            }
            await Task.Delay(20);
        }
        throw new InvalidOperationException($"The sender ended before {bytes} bytes were acknowledged.");
    }

    private static string? Problem(ChildReport report) =>
        report.Problem ?? (report.Failures > 0 ? $"{report.Failures} failures" : null);

    private static (string Md5, double Seconds) Md5OneCore(string path)
    {
        // Twice, the better counts: the first pass may share the disk with write-back of the file just written.
        var first = Md5Once(path);
        var second = Md5Once(path);
        return first.Seconds <= second.Seconds ? first : second;
    }

    private static (string Md5, double Seconds) Md5Once(string path)
    {
        var buffer = new byte[1 << 20];
        var clock = Stopwatch.StartNew();
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        int read;
        while ((read = file.Read(buffer)) > 0)
        {
            md5.AppendData(buffer, 0, read);
        }
        var hash = Convert.ToHexString(md5.GetHashAndReset()).ToLowerInvariant();
        return (hash, clock.Elapsed.TotalSeconds);
    }

    private static void WriteRandomFile(string path, long length, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var random = new Random(seed);
        var buffer = new byte[Math.Min(length, 4 << 20)];
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        for (long written = 0; written < length; written += buffer.Length)
        {
            random.NextBytes(buffer);
            stream.Write(buffer, 0, (int)Math.Min(buffer.Length, length - written));
        }
    }

    private static void Step(string what) => Console.WriteLine($"  {DateTime.Now:HH:mm:ss} {what}");

    private static void DeleteQuietly(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
        catch (IOException)
        {
        }
    }

    private sealed class ReceiverEvents : IEngineEventSink
    {
        private readonly object gate = new();
        private readonly List<string> md5s = new();
        private DateTimeOffset? lastLandedAt;

        public DateTimeOffset? LastLandedAt
        {
            get { lock (gate) { return lastLandedAt; } }
        }

        public IReadOnlyList<string> Md5s
        {
            get { lock (gate) { return md5s.ToList(); } }
        }

        public void Post(EngineEvent engineEvent)
        {
            switch (engineEvent)
            {
                case FileReceivedEvent received:
                    lock (gate)
                    {
                        lastLandedAt = DateTimeOffset.UtcNow;
                        md5s.Add(received.File.Md5);
                    }
                    break;
                case TransferFailedEvent failed:
                    Console.Error.WriteLine($"    receiver: {failed.Error.Message}");
                    break;
                case DiagnosticEvent { Level: DiagnosticLevel.Warning } warning:
                    Console.Error.WriteLine($"    receiver warning: {warning.Message}");
                    break;
            }
        }
    }
}
