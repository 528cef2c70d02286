using Confluent.Kafka;
using Streamsend.Engine.Events;

namespace Streamsend.Engine.Receiving;

/// <summary>
/// The commit stage of the receiver (consume → assemble → verify → land → commit). The other stages hand it every
/// consumed message through <see cref="Offsets"/>: held while its file has not landed, passed when it needs nothing
/// more, released when its file landed or was given up. It commits the safe offsets that follow, on the loop thread.
/// </summary>
internal sealed class CommitStage
{
    private readonly ReceiveOptions options;
    private readonly IEngineEventSink events;

    public CommitStage(ReceiveOptions options, IEngineEventSink events)
    {
        this.options = options;
        this.events = events;
    }

    public SafeOffsetTracker Offsets { get; } = new();

    /// <summary>Commits the safe offsets that moved since the last commit; a failed commit is tried again next time.</summary>
    public void Commit(IConsumer<Ignore, PooledBytes> consumer)
    {
        var ready = Offsets.Committable();
        if (ready.Count > 0)
        {
            TryCommit(consumer, ready);
        }
    }

    /// <summary>
    /// Commits the progress of partitions that move to another member (<paramref name="commit"/> false when they were
    /// lost, and nothing can be committed for them any more), and forgets them.
    /// </summary>
    public void Revoked(IConsumer<Ignore, PooledBytes> consumer, List<TopicPartition> revoked, bool commit)
    {
        var ready = Offsets.Forget(revoked);
        if (ready.Count > 0 && !(commit && TryCommit(consumer, ready)))
        {
            // The partitions' next owner starts at the last committed offset, so it receives again what this receiver
            // consumed since: files this receiver landed in that span land again at a destination of the new owner's.
            events.Warning($"Partitions {string.Join(", ", ready.Select(r => r.Partition.Value))} of '{options.Topic}' moved to another member of group '{options.GroupId}' " +
                $"before their progress could be committed{(commit ? "" : " (the partitions were lost)")}; the new owner receives again what this receiver consumed since the last commit.");
        }
    }

    private bool TryCommit(IConsumer<Ignore, PooledBytes> consumer, List<TopicPartitionOffset> ready)
    {
        try
        {
            consumer.Commit(ready);
            Offsets.Committed(ready);
            events.Debug($"Committed {string.Join(", ", ready.Select(r => $"{r.Partition.Value}@{r.Offset.Value}"))}.");
            return true;
        }
        catch (KafkaException e)
        {
            events.Verbose($"Commit of safe offsets failed ({e.Error.Reason}); it is tried again.");
            return false;
        }
    }
}
