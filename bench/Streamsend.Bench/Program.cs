using Streamsend.Bench;

// Without arguments (or with `run [options]`): the whole benchmark against an in-process mock cluster.
// The other modes are the child processes it starts (see SenderChild) and the landing ceiling that
// bench/Measure-SmallFiles.ps1 runs (see LandingCeiling).
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
        case ["land-files", var source, var destination, var concurrency, "syncfs"]:
            Console.WriteLine(LandingCeiling.Land(source, destination, int.Parse(concurrency), LandingCeiling.Durability.OneSyncfs).ToLine());
            return 0;
        case ["idle"]:
            Console.WriteLine((await SenderChild.IdleAsync()).ToLine());
            return 0;
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
