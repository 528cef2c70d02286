using Confluent.Kafka;

namespace Streamsend.Engine.Receiving;

/// <summary>
/// Per partition, the offset it is safe to commit: just past everything consumed, but never past the earliest message
/// of a file that has not landed yet. A receiver killed at any moment resumes from there and loses nothing.
/// </summary>
public sealed class SafeOffsetTracker
{
    private readonly Dictionary<TopicPartition, PartitionState> partitions = new();

    /// <summary>A message that belongs to a file not landed yet.</summary>
    public void Hold(TopicPartitionOffset message) => State(message.TopicPartition).Consumed(message.Offset.Value, held: true);

    /// <summary>A message that needs nothing more (foreign, duplicate, rejected).</summary>
    public void Pass(TopicPartitionOffset message) => State(message.TopicPartition).Consumed(message.Offset.Value, held: false);

    /// <summary>The file those messages belonged to landed (or was given up): they no longer hold the offset back.</summary>
    public void Release(IEnumerable<TopicPartitionOffset> messages)
    {
        foreach (var message in messages)
        {
            if (partitions.TryGetValue(message.TopicPartition, out var state))
            {
                state.Held.Remove(message.Offset.Value);
            }
        }
    }

    /// <summary>Safe offsets that moved since they were last committed.</summary>
    public List<TopicPartitionOffset> Committable()
    {
        var ready = new List<TopicPartitionOffset>();
        foreach (var (partition, state) in partitions)
        {
            if (state.SafeOffset is { } offset && offset > state.Committed)
            {
                ready.Add(new TopicPartitionOffset(partition, new Offset(offset)));
            }
        }
        return ready;
    }

    /// <summary>Kafka accepted these commits.</summary>
    public void Committed(IEnumerable<TopicPartitionOffset> offsets)
    {
        foreach (var committed in offsets)
        {
            if (partitions.TryGetValue(committed.TopicPartition, out var state))
            {
                state.Committed = Math.Max(state.Committed, committed.Offset.Value);
            }
        }
    }

    /// <summary>The safe offset of one partition, or null before anything was consumed from it.</summary>
    public long? SafeOffset(TopicPartition partition) => partitions.TryGetValue(partition, out var state) ? state.SafeOffset : null;

    /// <summary>The committable offsets of these partitions (on revocation), and forgets them.</summary>
    public List<TopicPartitionOffset> Forget(IEnumerable<TopicPartition> revoked)
    {
        var ready = new List<TopicPartitionOffset>();
        foreach (var partition in revoked)
        {
            if (partitions.Remove(partition, out var state) && state.SafeOffset is { } offset && offset > state.Committed)
            {
                ready.Add(new TopicPartitionOffset(partition, new Offset(offset)));
            }
        }
        return ready;
    }

    private PartitionState State(TopicPartition partition)
    {
        if (!partitions.TryGetValue(partition, out var state))
        {
            state = new PartitionState();
            partitions.Add(partition, state);
        }
        return state;
    }

    private sealed class PartitionState
    {
        public SortedSet<long> Held { get; } = new();

        public long HighestConsumed { get; private set; } = -1;

        public long Committed { get; set; } = -1;

        public long? SafeOffset => HighestConsumed < 0 ? null : Held.Count > 0 ? Held.Min : HighestConsumed + 1;

        public void Consumed(long offset, bool held)
        {
            HighestConsumed = Math.Max(HighestConsumed, offset);
            if (held)
            {
                Held.Add(offset);
            }
        }
    }
}
