using Confluent.Kafka;
using Streamsend.MockKafka;
using static Streamsend.Engine.Tests.MockKafka.MockKafkaClients;

namespace Streamsend.Engine.Tests.MockKafka;

public sealed class MockKafkaClusterTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Messages_produced_to_every_partition_are_consumed_back_exactly_in_order_per_partition()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic("round-trip", 4, 3);
        var sent = Enumerable.Range(0, 10).Select(i => (Partition: i % 4, Key: $"key-{i}", Value: $"value {i} ✓")).ToList();

        using (var producer = Producer(cluster.BootstrapServers))
        {
            foreach (var (partition, key, value) in sent)
            {
                var delivered = await producer.ProduceAsync(new TopicPartition("round-trip", partition), Message(key, value));
                Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
            }
        }
        var received = ReadToEnd(cluster.BootstrapServers, "round-trip", 10, Patience);

        var expected = sent
            .GroupBy(m => m.Partition)
            .SelectMany(g => g.Select((m, offset) => new Received(m.Partition, offset, m.Key, m.Value)))
            .OrderBy(r => r.Partition).ThenBy(r => r.Offset);
        Assert.Equal(expected, received.OrderBy(r => r.Partition).ThenBy(r => r.Offset));
    }

    [Fact]
    public async Task A_message_for_a_partition_whose_leader_is_down_waits_and_is_delivered_once_the_broker_is_up()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic("outage", 4, 1);
        using var producer = Producer(cluster.BootstrapServers);
        await producer.ProduceAsync(new TopicPartition("outage", 0), Message("k", "before"));
        var leaders = PartitionLeaders(cluster.BootstrapServers, "outage");
        var down = leaders[0];
        var healthy = leaders.First(p => p.Value != down).Key;

        cluster.SetBrokerDown(down);
        var waiting = producer.ProduceAsync(new TopicPartition("outage", 0), Message("k", "during"));
        var elsewhere = await producer.ProduceAsync(new TopicPartition("outage", healthy), Message("k", "elsewhere")).WaitAsync(Patience);
        var early = await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromSeconds(1)));
        cluster.SetBrokerUp(down);
        var delivered = await waiting.WaitAsync(Patience);

        Assert.NotSame(waiting, early);
        Assert.Equal(PersistenceStatus.Persisted, elsewhere.Status);
        Assert.Equal(new Offset(1), delivered.Offset);
        var received = ReadToEnd(cluster.BootstrapServers, "outage", 3, Patience);
        Assert.Equal(new[] { "before", "during" }, received.Where(r => r.Partition == 0).OrderBy(r => r.Offset).Select(r => r.Value));
        Assert.Equal("elsewhere", Assert.Single(received, r => r.Partition == healthy).Value);
    }

    [Fact]
    public async Task Retriable_errors_pushed_for_produce_requests_are_retried_and_the_message_is_stored_once()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic("flaky", 1, 1);
        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut);
        using var producer = Producer(cluster.BootstrapServers, c => c.RetryBackoffMs = 10);

        var delivered = await producer.ProduceAsync("flaky", Message("k", "survivor")).WaitAsync(Patience);

        Assert.Equal(new Offset(0), delivered.Offset);
        Assert.Equal("survivor", Assert.Single(ReadToEnd(cluster.BootstrapServers, "flaky", 1, Patience)).Value);
    }

    [Fact]
    public async Task A_non_retriable_error_pushed_for_produce_requests_reaches_the_producer_as_is()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic("forbidden", 1, 1);
        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.TopicAuthorizationFailed);
        using var producer = Producer(cluster.BootstrapServers);

        var error = await Assert.ThrowsAsync<ProduceException<byte[], byte[]>>(() => producer.ProduceAsync("forbidden", Message("k", "v")).WaitAsync(Patience));

        Assert.Equal(ErrorCode.TopicAuthorizationFailed, error.Error.Code);
    }

    [Fact]
    public void Refused_operations_throw_naming_what_failed_and_the_Kafka_error()
    {
        using var cluster = MockKafkaCluster.Start(2);
        cluster.CreateTopic("once", 1, 1);

        var twice = Assert.Throws<InvalidOperationException>(() => cluster.CreateTopic("once", 1, 1));
        var noSuchBroker = Assert.Throws<InvalidOperationException>(() => cluster.SetBrokerDown(7));

        Assert.Equal("The mock cluster could not create topic 'once': TopicAlreadyExists (36).", twice.Message);
        Assert.Equal("The mock cluster could not take broker 7 down: BrokerNotAvailable (8).", noSuchBroker.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.CreateTopic("none", 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.CreateTopic("wide", 1, 3));
    }

    [Fact]
    public void After_Dispose_the_cluster_refuses_use_instead_of_touching_freed_memory()
    {
        var cluster = MockKafkaCluster.Start(1);

        cluster.Dispose();
        cluster.Dispose();

        Assert.Throws<ObjectDisposedException>(() => cluster.CreateTopic("late", 1, 1));
    }

    private static Dictionary<int, int> PartitionLeaders(string bootstrapServers, string topic)
    {
        using var admin = Admin(bootstrapServers, allowAutoCreateTopics: false);
        return admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.Single().Partitions.ToDictionary(p => p.PartitionId, p => p.Leader);
    }
}
