using Streamsend.Engine.Resume;

namespace Streamsend.Engine.Sending;

/// <summary>
/// How this run sends one file: a new transfer (attempt 1), or the next attempt of a transfer an earlier run began,
/// with everything a resumed attempt must repeat (<see cref="Transfer"/>: id, chunk size, partitions) and what it may
/// leave out (the chunks Kafka acknowledged before).
/// </summary>
internal sealed class TransferPlan
{
    /// <summary>The transfer's identity and layout for this attempt, as its resume state records them.</summary>
    public required ResumeState Transfer { get; init; }

    /// <summary>Chunks acknowledged so far (by earlier attempts at first) and the fingerprint of every chunk read.</summary>
    public required AcknowledgedChunks Chunks { get; init; }

    /// <summary>Bytes acknowledged in earlier runs, which this run does not send.</summary>
    public long ResumedBytes { get; init; }

    /// <summary>The whole file's MD5 when the resume check computed it before sending; null for a new transfer, which hashes as it sends.</summary>
    public string? Md5 { get; init; }

    public Guid TransferId => Transfer.TransferId;

    public int ChunkSize => Transfer.ChunkSize;

    public int ChunkCount => Transfer.ChunkCount;

    public int Attempt => Transfer.Attempt;

    public bool IsResumed => Attempt > 1;

    /// <summary>Chunk i's partition: the first attempt's rotation, over the first attempt's partition count even if the topic has grown since.</summary>
    public int PartitionOf(int index) =>
        Transfer.Distribution == Distribution.Chunk ? (int)((Transfer.FirstPartition + (long)index) % Transfer.PartitionCount) : Transfer.FirstPartition;

    /// <summary>The chunks go to more than one partition (receivers sharing a group cannot split such a file).</summary>
    public bool SpansPartitions => Transfer.Distribution == Distribution.Chunk && Transfer.PartitionCount > 1;
}
