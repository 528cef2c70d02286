using Confluent.Kafka;

namespace Streamsend.Engine.Receiving;

/// <summary>
/// How far in Kafka time this receiver has read: the incomplete window is judged against it, not against the clock.
/// A receiver back after two days reads chunks sent two days ago; judged by the clock every transfer in that backlog
/// would look expired before its remaining chunks were read. Judged by the horizon, a transfer expires only once the
/// receiver has read every partition past its newest chunk's time plus the window (or read each partition to its end,
/// and the clock is past it): then any chunk sent within the window would have arrived.
/// </summary>
internal sealed class ExpiryHorizon
{
    private readonly Dictionary<TopicPartition, DateTimeOffset> newestRead = new();
    private bool idleSinceAssignment;

    /// <summary>A message was read from <paramref name="partition"/>, sent at <paramref name="sentAt"/>.</summary>
    public void Read(TopicPartition partition, DateTimeOffset sentAt)
    {
        if (!newestRead.TryGetValue(partition, out var newest) || sentAt > newest)
        {
            newestRead[partition] = sentAt;
        }
    }

    /// <summary>A consume returned nothing: every fetch came back empty, so no partition holds unread messages right now.</summary>
    public void Idle() => idleSinceAssignment = true;

    /// <summary>The assignment changed: until the next idle moment, partitions not read yet may hold a backlog.</summary>
    public void Reassigned(IEnumerable<TopicPartition> revoked)
    {
        idleSinceAssignment = false;
        foreach (var partition in revoked)
        {
            newestRead.Remove(partition);
        }
    }

    /// <summary>The Kafka time up to which every assigned partition has been read; <see cref="DateTimeOffset.MinValue"/> while that is unknown.</summary>
    public DateTimeOffset Of(IConsumer<Ignore, PooledBytes> consumer, DateTimeOffset now)
    {
        if (!idleSinceAssignment)
        {
            return DateTimeOffset.MinValue;
        }
        var horizon = now;
        foreach (var partition in consumer.Assignment)
        {
            var marks = consumer.GetWatermarkOffsets(partition);
            if (marks.High.Value < 0)
            {
                // Never fetched yet: it may hold a backlog.
                return DateTimeOffset.MinValue;
            }
            // A partition nothing was read from though it was fetched has nothing unread: it does not hold the horizon back.
            if (!newestRead.TryGetValue(partition, out var newest))
            {
                continue;
            }
            var position = PositionOf(consumer, partition);
            var readToEnd = position >= 0 && position >= marks.High.Value;
            if (!readToEnd && newest < horizon)
            {
                horizon = newest;
            }
        }
        return horizon;
    }

    private static long PositionOf(IConsumer<Ignore, PooledBytes> consumer, TopicPartition partition)
    {
        try
        {
            return consumer.Position(partition).Value;
        }
        catch (KafkaException)
        {
            return -1;
        }
    }
}
