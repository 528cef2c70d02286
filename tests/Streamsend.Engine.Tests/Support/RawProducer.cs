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

    /// <summary>
    /// Chunks of a file, one by one, as a sender that rotates them over <paramref name="partitions"/> partitions writes
    /// them: chunk i on partition i mod <paramref name="partitions"/>, spread (Distribution Chunk) when there are several.
    /// </summary>
    public async Task ProduceChunksAsync(string topic, Guid transfer, string path, byte[] content, IEnumerable<int> indexes, int chunkSize, string sender, int partitions = 1)
    {
        foreach (var index in indexes)
        {
            var header = RawChunks.Of(transfer, path, content, index, chunkSize, partitions, sender) with { SpansPartitions = partitions > 1 };
            await ProduceChunkAsync(topic, index % partitions, header, RawChunks.Slice(content, index, chunkSize));
        }
    }

    /// <summary>Pushes a partition's older messages out of the mock's 5 MiB retention with 6 MiB of other messages, as time would on a real topic.</summary>
    public async Task OutrunRetentionAsync(string topic, int partition = 0)
    {
        for (var i = 0; i < 12; i++)
        {
            await ProduceAsync(topic, partition, null, new byte[512 * 1024]);
        }
    }

    /// <summary>
    /// Produces a whole file as chunks of <paramref name="chunkSize"/>, round-robin over <paramref name="partitions"/>,
    /// whose last chunk claims <paramref name="claimedMd5"/> (a wrong one, for a file the receiver must refuse).
    /// </summary>
    public async Task ProduceFileAsync(string topic, int partitions, string relativePath, byte[] content, int chunkSize, string claimedMd5)
    {
        var transfer = Guid.NewGuid();
        var chunks = (content.Length + chunkSize - 1) / chunkSize;
        for (var index = 0; index < chunks; index++)
        {
            var offset = (long)index * chunkSize;
            var header = new ChunkHeader(MessageKind.Chunk, transfer, relativePath, "test-sender", index, chunks, offset, content.Length, DateTimeOffset.UtcNow,
                index == chunks - 1 ? claimedMd5 : null);
            await ProduceChunkAsync(topic, index % partitions, header, content.AsSpan((int)offset, (int)Math.Min(chunkSize, content.Length - offset)).ToArray());
        }
    }

    public void Dispose() => producer.Dispose();
}
