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
        // See LibrdkafkaLogs: nothing under Mono.
        ["log_level"] = LibrdkafkaLogs.Level("3"),
    });

    public string NewTopic(int partitions = 4)
    {
        var name = $"topic-{Interlocked.Increment(ref topics)}-{Guid.NewGuid():N}";
        Cluster.CreateTopic(name, partitions, 1);
        return name;
    }

    public void Dispose() => Cluster.Dispose();
}
