using Confluent.Kafka;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Receiving;

/// <summary>
/// Chunk-spread transfers refused because this receiver owned only some partitions, with the messages of theirs it
/// holds. Owning only some partitions can be a passing state (a restarted receiver shares the group with its dead
/// predecessor until that one's session times out), so the refusal lasts only until the assignment changes and the
/// offsets stay held: a receiver that owns every partition receives the file again.
/// </summary>
internal sealed class AssignmentRefusals
{
    private readonly Dictionary<Guid, List<TopicPartitionOffset>> refused = new();
    private readonly SafeOffsetTracker offsets;
    private readonly ReceiveTally tally;
    private readonly string groupId;
    private bool ownsOnlySomePartitions;

    public AssignmentRefusals(SafeOffsetTracker offsets, ReceiveTally tally, string groupId)
    {
        this.offsets = offsets;
        this.tally = tally;
        this.groupId = groupId;
    }

    /// <summary>The assignment changed: refusals judged on the old one are judged again when their chunks are re-delivered.</summary>
    public void Reassigned(bool ownsOnlySome)
    {
        ownsOnlySomePartitions = ownsOnlySome;
        refused.Clear();
    }

    /// <summary>Refuses a transfer spread over every partition while this receiver owns only some; true when refused.</summary>
    public bool TryRefuse(ChunkHeader header, TopicPartitionOffset message)
    {
        if (!(header.SpansPartitions && header.ChunkCount > 1 && ownsOnlySomePartitions))
        {
            return false;
        }
        // Held, not passed: whether this receiver can land the file depends on its current assignment.
        offsets.Hold(message);
        refused[header.TransferId] = new List<TopicPartitionOffset> { message };
        tally.Fail(new StreamsendException(
            "DistributionMismatch",
            ErrorKind.InvalidArgument,
            $"'{header.RelativePath}' (transfer {header.TransferId:N}) was sent with -Distribution Chunk, which spreads a file over every partition, " +
            $"but this receiver shares group '{groupId}' and owns only some partitions, so it cannot land it and will not land half of it. " +
            "Send with -Distribution File to share work between receivers of one group, or give each receiver its own -GroupId. " +
            "Its offsets are not committed, so a receiver of the group that owns every partition receives it again.",
            header.RelativePath));
        return true;
    }

    /// <summary>Holds another message of a transfer refused already; true when it was one.</summary>
    public bool TryHold(Guid transferId, TopicPartitionOffset message)
    {
        if (!refused.TryGetValue(transferId, out var messages))
        {
            return false;
        }
        offsets.Hold(message);
        messages.Add(message);
        return true;
    }

    /// <summary>The sender abandoned the transfer: its held messages no longer hold commits back.</summary>
    public void Abandoned(Guid transferId)
    {
        if (refused.Remove(transferId, out var messages))
        {
            offsets.Release(messages);
        }
    }
}
