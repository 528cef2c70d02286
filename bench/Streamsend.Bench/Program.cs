using Streamsend.Bench;

// Without arguments (or with `run [options]`): the whole benchmark against an in-process mock cluster.
// `small-files [options]` runs only the small-file section (bench/Measure-SmallFiles.ps1), `write-files` and
// `send-receive` one many-file send + receive and `top-frames` its trace's busiest frames (bench/Profile-Receiver.ps1). The other modes are the child processes
// the benchmark starts (see SenderChild, RawKafka) and the landing ceiling of LandingCeiling.
try
{
    switch (args)
    {
        case ["send", var bootstrap, var topic, var path, .. var properties]:
            Console.WriteLine((await SenderChild.SendAsync(bootstrap, topic, path, properties)).ToLine());
            return 0;
        case ["resumable-send", var bootstrap, var topic, var path, var resumeFolder, var bytesPerSecond]:
            Console.WriteLine((await SenderChild.SendAsync(bootstrap, topic, path, Array.Empty<string>(), resumeFolder, long.Parse(bytesPerSecond))).ToLine());
            return 0;
        case ["raw-produce", var bootstrap, var topic, var partitions, var path, var messageSize]:
            Console.WriteLine((await RawKafka.ProduceAsync(bootstrap, topic, int.Parse(partitions), path, int.Parse(messageSize))).ToLine());
            return 0;
        case ["land-files", var source, var destination, var concurrency]:
            Console.WriteLine(LandingCeiling.Land(source, destination, int.Parse(concurrency)).ToLine());
            return 0;
        case ["land-files", var source, var destination, var concurrency, "flush-batch", var size]:
            Console.WriteLine(LandingCeiling.Land(source, destination, int.Parse(concurrency), LandingCeiling.Durability.BatchFlushEach, int.Parse(size)).ToLine());
            return 0;
        case ["land-files", var source, var destination, var concurrency, "syncfs-batch", var size]:
            Console.WriteLine(LandingCeiling.Land(source, destination, int.Parse(concurrency), LandingCeiling.Durability.BatchSyncfs, int.Parse(size)).ToLine());
            return 0;
        case ["idle"]:
            Console.WriteLine((await SenderChild.IdleAsync()).ToLine());
            return 0;
        case ["write-files", var directory, var count, var bytes]:
            WorkFiles.WriteManyFiles(directory, int.Parse(count), long.Parse(bytes));
            return 0;
        case ["send-receive", var path, .. var options]:
            return await SingleRuns.SendReceiveAsync(Path.GetFullPath(path), BenchmarkSettings.Parse(options));
        case ["top-frames", var trace, .. var top]:
            TraceTopFrames.Print(trace, top is [var frames] ? int.Parse(frames) : 20);
            return 0;
        case ["small-files", .. var options]:
            return await SingleRuns.SmallFilesAsync(BenchmarkSettings.Parse(options));
        case [] or ["run", ..]:
            return await BenchmarkRun.RunAsync(BenchmarkSettings.Parse(args.Skip(1).ToArray()));
        default:
            Console.Error.WriteLine(BenchmarkSettings.Usage);
            return 2;
    }
}
catch (FormatException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchmarkSettings.Usage);
    return 2;
}
