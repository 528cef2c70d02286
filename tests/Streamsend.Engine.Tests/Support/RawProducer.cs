using Confluent.Kafka;
using Streamsend.Engine.Kafka;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Tests.Support;

/// <summary>A plain Kafka producer for writing what Streamsend would not: foreign events, corrupted or hostile chunks.</summary>
public sealed class RawProducer : IDisposable
{
    private readonly IProducer<byte[], byte[]> producer;

    public RawProducer(KafkaSettings settings)
    {
        LibrdkafkaNativeLoader.EnsureInstalled();
        producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = settings.BootstrapServers }.QuietUnderMono()).SetLogHandler((_, _) => { }).Build();
    }

    public Task ProduceAsync(string topic, int partition, byte[]? key, byte[] value, Headers? headers = null) =>
        producer.ProduceAsync(new TopicPartition(topic, new Partition(partition)), new Message<byte[], byte[]> { Key = key!, Value = value, Headers = headers });

    public Task ProduceChunkAsync(string topic, int partition, ChunkHeader header, byte[] value) =>
        ProduceAsync(topic, partition, WireCodec.Key(header.TransferId), value, WireCodec.Encode(header));

    public void Dispose() => producer.Dispose();
}
