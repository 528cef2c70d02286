using Confluent.Kafka;

namespace Streamsend.Engine.Receiving;

/// <summary>
/// Finds partitions where retention deleted messages this group never read: its committed offset lies below the
/// partition's oldest retained offset. Files in those messages are lost, and the user must hear it.
/// </summary>
internal static class RetentionGapCheck
{
    public static IEnumerable<StreamsendException> Find(IConsumer<Ignore, PooledBytes> consumer, IReadOnlyCollection<TopicPartition> partitions, string groupId, TimeSpan timeout)
    {
        if (partitions.Count == 0)
        {
            yield break;
        }
        List<TopicPartitionOffset> committed;
        try
        {
            committed = consumer.Committed(partitions, timeout);
        }
        catch (KafkaException)
        {
            yield break;
        }
        foreach (var position in committed.Where(c => c.Offset.Value >= 0))
        {
            WatermarkOffsets marks;
            try
            {
                marks = consumer.QueryWatermarkOffsets(position.TopicPartition, timeout);
            }
            catch (KafkaException)
            {
                continue;
            }
            if (position.Offset.Value < marks.Low.Value)
            {
                yield return new StreamsendException(
                    "RetentionOutranReceiver",
                    ErrorKind.InvalidData,
                    $"Retention deleted messages {position.Offset.Value} to {marks.Low.Value - 1} of {position.TopicPartition} before group '{groupId}' committed past them: " +
                    "files in them that this destination had not staged are lost, and each is reported once, as lost or expired. Run the receiver more often, or raise the topic's retention.",
                    position.TopicPartition.ToString());
            }
        }
    }
}
