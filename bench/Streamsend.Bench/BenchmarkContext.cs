using Streamsend.MockKafka;

namespace Streamsend.Bench;

/// <summary>
/// What every measurement of one run shares: the settings, the work folder, one mock cluster with a new topic per
/// step, the results table, and this process's CPU timeline, from which a row adds the mock's, the consumer's and the
/// receiver's CPU to a child's.
/// </summary>
public sealed class BenchmarkContext : IDisposable
{
    /// <summary>The consumer settings both the raw consumer and the receiver get (the mock answers an empty fetch only after fetch.wait.max.ms).</summary>
    public static readonly IReadOnlyDictionary<string, string> ConsumerTuning = new Dictionary<string, string> { ["fetch.wait.max.ms"] = "10" };

    private readonly CpuTimeline cpuTimeline;
    private int topics;

    public BenchmarkContext(BenchmarkSettings settings)
    {
        Settings = settings;
        Directory.CreateDirectory(settings.WorkDirectory);
        Cluster = MockKafkaCluster.Start(3);
        cpuTimeline = new CpuTimeline();
    }

    public BenchmarkSettings Settings { get; }

    public MockKafkaCluster Cluster { get; }

    public ResultTable Table { get; } = new();

    public string WorkPath(string name) => Path.Combine(Settings.WorkDirectory, name);

    public string Topic(int partitions)
    {
        var name = $"bench-{++topics}-p{partitions}";
        Cluster.CreateTopic(name, partitions, 1);
        return name;
    }

    /// <summary>
    /// The child's CPU within the work it timed itself, plus this process's (mock cluster, consumer, receiver) in the
    /// <paramref name="seconds"/> from the child's start. After that the child only shuts down, which is not counted.
    /// </summary>
    public double AllProcessesCpu(ChildReport child, double seconds) =>
        child.CpuSeconds + ThisProcessCpu(child.Started, child.Started + TimeSpan.FromSeconds(seconds));

    public double ThisProcessCpu(DateTimeOffset from, DateTimeOffset to) => cpuTimeline.CpuSecondsBetween(from, to);

    public static void Step(string what) => Console.WriteLine($"  {DateTime.Now:HH:mm:ss} {what}");

    public void Dispose()
    {
        cpuTimeline.Dispose();
        Cluster.Dispose();
        if (!Settings.Keep)
        {
            WorkFiles.DeleteWorkFolder(Settings.WorkDirectory);
        }
    }
}
