using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Streamsend.Engine.Kafka;
using Streamsend.Engine.Tests.Support;

namespace Streamsend.Engine.Tests.MockKafka;

/// <summary>Plain Confluent.Kafka clients tuned for the mock cluster, and reading a topic back to its end.</summary>
public static class MockKafkaClients
{
    public static IProducer<byte[], byte[]> Producer(string bootstrapServers, Action<ProducerConfig>? configure = null)
    {
        LibrdkafkaNativeLoader.EnsureInstalled();
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            LingerMs = 0,
            // A broker that comes back up is found within a tenth of a second, not after librdkafka's backoff of up to 10 s.
            ReconnectBackoffMs = 10,
            ReconnectBackoffMaxMs = 100,
        };
        configure?.Invoke(config);
        return new ProducerBuilder<byte[], byte[]>(config.QuietUnderMono()).SetLogHandler((_, _) => { }).Build();
    }

    public static IAdminClient Admin(string bootstrapServers, bool allowAutoCreateTopics = true)
    {
        LibrdkafkaNativeLoader.EnsureInstalled();
        var config = new AdminClientConfig { BootstrapServers = bootstrapServers };
        config.Set("allow.auto.create.topics", allowAutoCreateTopics ? "true" : "false");
        return new AdminClientBuilder(config.QuietUnderMono()).SetLogHandler((_, _) => { }).Build();
    }

    public static Message<byte[], byte[]> Message(string key, string value) =>
        new() { Key = Encoding.UTF8.GetBytes(key), Value = Encoding.UTF8.GetBytes(value) };

    /// <summary>
    /// Reads <paramref name="topic"/> from the beginning, in a new consumer group, until at least <paramref name="expected"/>
    /// messages arrived and every partition is at its end, so that a duplicate would be seen too.
    /// </summary>
    public static IReadOnlyList<Received> ReadToEnd(string bootstrapServers, string topic, int expected, TimeSpan timeout) =>
        ReadMessagesToEnd(bootstrapServers, topic, expected, timeout)
            .Select(r => new Received(r.Partition.Value, r.Offset.Value, Encoding.UTF8.GetString(r.Message.Key), Encoding.UTF8.GetString(r.Message.Value)))
            .ToList();

    /// <summary>Like <see cref="ReadToEnd"/>, with each message's bytes and headers as they are on the topic.</summary>
    public static IReadOnlyList<ConsumeResult<byte[], byte[]>> ReadMessagesToEnd(string bootstrapServers, string topic, int expected, TimeSpan timeout)
    {
        LibrdkafkaNativeLoader.EnsureInstalled();
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"test-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            // The mock answers an empty fetch only after fetch.wait.max.ms (Kafka's default is 500 ms).
            FetchWaitMaxMs = 10,
        };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config.QuietUnderMono()).SetLogHandler((_, _) => { }).Build();
        consumer.Subscribe(topic);
        var received = new List<ConsumeResult<byte[], byte[]>>();
        var atEnd = new HashSet<int>();
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is null)
            {
                continue;
            }
            if (result.IsPartitionEOF)
            {
                atEnd.Add(result.Partition.Value);
            }
            else
            {
                atEnd.Remove(result.Partition.Value);
                received.Add(result);
            }
            if (received.Count >= expected && consumer.Assignment.Count > 0 && consumer.Assignment.All(p => atEnd.Contains(p.Partition.Value)))
            {
                break;
            }
        }
        consumer.Close();
        return received;
    }

    public sealed record Received(int Partition, long Offset, string Key, string Value);
}
