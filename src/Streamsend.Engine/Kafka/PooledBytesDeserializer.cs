using Confluent.Kafka;
using Streamsend.Engine.Receiving;

namespace Streamsend.Engine.Kafka;

/// <summary>
/// Reads a message value into pooled memory instead of a new array per message (Confluent.Kafka's byte-array
/// deserializer), so that receiving 1 MB chunks does not churn the large object heap. The consumer of the result owns
/// it and must dispose it; a null value becomes an empty one.
/// </summary>
internal sealed class PooledBytesDeserializer : IDeserializer<PooledBytes>
{
    public PooledBytes Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) => PooledBytes.CopyOf(data);
}
