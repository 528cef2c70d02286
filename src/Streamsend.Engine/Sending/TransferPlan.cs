using Streamsend.Engine.Resume;

namespace Streamsend.Engine.Sending;

/// <summary>
/// How this run sends one file: a new transfer (attempt 1), or the next attempt of a transfer an earlier run began,
/// with everything a resumed attempt must repeat (id, chunk size, partitions) and what it may leave out (the chunks
/// Kafka acknowledged before).
/// </summary>
internal sealed class TransferPlan
{
    public required Guid TransferId { get; init; }

    public required int ChunkSize { get; init; }

    public required int ChunkCount { get; init; }

    public required Distribution Distribution { get; init; }

    public required int FirstPartition { get; init; }

    /// <summary>The partition count chunk indexes rotate over; the first attempt's, even if the topic has grown since.</summary>
    public required int PartitionCount { get; init; }

    public required int Attempt { get; init; }

    /// <summary>Chunks acknowledged so far (by earlier attempts at first) and the fingerprint of every chunk read.</summary>
    public required AcknowledgedChunks Chunks { get; init; }

    /// <summary>Bytes acknowledged in earlier runs, which this run does not send.</summary>
    public long ResumedBytes { get; init; }

    /// <summary>The whole file's MD5 when the resume check computed it before sending; null for a new transfer, which hashes as it sends.</summary>
    public string? Md5 { get; init; }

    public bool IsResumed => Attempt > 1;

    public int PartitionOf(int index) => Distribution == Distribution.Chunk ? (int)((FirstPartition + (long)index) % PartitionCount) : FirstPartition;

    /// <summary>What the resume state of this attempt records besides its acknowledged chunks.</summary>
    public ResumeState StateFor(ResumeKey key, string relativePath, long length, DateTime lastWriteUtc) => new()
    {
        Topic = key.Topic,
        BootstrapServers = key.BootstrapServers,
        Sender = key.Sender,
        FullPath = key.FullPath,
        TransferId = TransferId,
        RelativePath = relativePath,
        Length = length,
        LastWriteUtc = lastWriteUtc,
        ChunkSize = ChunkSize,
        ChunkCount = ChunkCount,
        Distribution = Distribution,
        FirstPartition = FirstPartition,
        PartitionCount = PartitionCount,
        Attempt = Attempt,
        SavedUtc = DateTime.UtcNow,
        Acknowledged = Array.Empty<int[]>(),
        AcknowledgedBytes = 0,
        ChunkHashes = "",
    };
}
