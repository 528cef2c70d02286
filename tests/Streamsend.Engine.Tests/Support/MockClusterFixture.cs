using Streamsend.Engine.Kafka;
using Streamsend.MockKafka;

namespace Streamsend.Engine.Tests.Support;

/// <summary>One mock Kafka cluster per test class; each test makes its own topic.</summary>
public sealed class MockClusterFixture : IDisposable
{
    private int topics;

    public MockClusterFixture() => Cluster = MockKafkaCluster.Start(3);

    public MockKafkaCluster Cluster { get; }

    /// <summary>
    /// Settings tuned for the mock: it answers an empty fetch only after fetch.wait.max.ms, and it lets a new group
    /// member in only after the previous one's session timed out (it does not act on LeaveGroup).
    /// </summary>
    public KafkaSettings Settings => new(Cluster.BootstrapServers, new Dictionary<string, string>
    {
        ["fetch.wait.max.ms"] = "10",
        ["session.timeout.ms"] = "6000",
        ["heartbeat.interval.ms"] = "250",
        // Under Mono a librdkafka thread that called a managed log callback can deadlock the runtime when it exits
        // (the finalizer waits in mono_thread_info_set_flags while librdkafka's main thread joins that broker thread,
        // seen in a gdb backtrace of a hung run): there the clients log nothing, so no librdkafka thread enters managed
        // code. Error callbacks still come, through Confluent.Kafka's own poll thread.
        ["log_level"] = Streamsend.Engine.Platform.Edition.IsMono ? "0" : "3",
    });

    public string NewTopic(int partitions = 4)
    {
        var name = $"topic-{Interlocked.Increment(ref topics)}-{Guid.NewGuid():N}";
        Cluster.CreateTopic(name, partitions, 1);
        return name;
    }

    public void Dispose() => Cluster.Dispose();
}
