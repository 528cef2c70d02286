using Streamsend.Engine.Sending;

namespace Streamsend.Engine.Resume;

/// <summary>
/// What a sender keeps on disk about one file it has not finished sending, so that a later run continues the same
/// transfer: its identity and layout on the topic (which a resumed attempt must repeat exactly, docs/wire-format.md
/// "Resumed transfers"), the file as it was (length and last write time), and which chunks Kafka acknowledged, each
/// with a fingerprint of its bytes so that the next run can prove the file unchanged by reading it locally.
/// </summary>
public sealed record ResumeState
{
    /// <summary>This layout; a state file of another format is set aside, never guessed at.</summary>
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;

    // The key the state file is found by, kept in it too, so that two keys whose file names collide cannot mix.
    public required string Topic { get; init; }

    public required string BootstrapServers { get; init; }

    public required string Sender { get; init; }

    public required string FullPath { get; init; }

    public required Guid TransferId { get; init; }

    public required string RelativePath { get; init; }

    public required long Length { get; init; }

    public required DateTime LastWriteUtc { get; init; }

    public required int ChunkSize { get; init; }

    public required int ChunkCount { get; init; }

    public required Distribution Distribution { get; init; }

    public required int FirstPartition { get; init; }

    /// <summary>The partition count the chunks rotate over, as it was at the first attempt: the topic may have grown since.</summary>
    public required int PartitionCount { get; init; }

    /// <summary>The attempt that wrote this state: 1 for the first sending, 2 for the first resume, and so on.</summary>
    public required int Attempt { get; init; }

    /// <summary>When this state was written: receivers give up a transfer that stopped receiving chunks long ago.</summary>
    public required DateTime SavedUtc { get; init; }

    /// <summary>Acknowledged chunk indexes as inclusive ranges [first, last], ascending and apart.</summary>
    public required IReadOnlyList<int[]> Acknowledged { get; init; }

    /// <summary>The bytes of the acknowledged chunks (what a resume does not send again); for people and tests that watch a send.</summary>
    public required long AcknowledgedBytes { get; init; }

    /// <summary>Base64 of each acknowledged chunk's XxHash3 (8 bytes, big-endian), in index order.</summary>
    public required string ChunkHashes { get; init; }

    /// <summary>This state with the chunks acknowledged now, as saved at this moment.</summary>
    internal ResumeState WithAcknowledged(AcknowledgedChunks chunks)
    {
        var (ranges, bytes, fingerprints) = chunks.Snapshot();
        return this with { SavedUtc = DateTime.UtcNow, Acknowledged = ranges, AcknowledgedBytes = bytes, ChunkHashes = fingerprints };
    }

    /// <summary>A transfer's first attempt: nothing acknowledged yet.</summary>
    internal static ResumeState NewTransfer(ResumeKey key, string relativePath, long length, DateTime lastWriteUtc, int chunkSize, Distribution distribution, int firstPartition, int partitionCount) => new()
    {
        Topic = key.Topic,
        BootstrapServers = key.BootstrapServers,
        Sender = key.Sender,
        FullPath = key.FullPath,
        TransferId = Guid.NewGuid(),
        RelativePath = relativePath,
        Length = length,
        LastWriteUtc = lastWriteUtc,
        ChunkSize = chunkSize,
        ChunkCount = ChunkSizing.ChunkCount(length, chunkSize),
        Distribution = distribution,
        FirstPartition = firstPartition,
        PartitionCount = partitionCount,
        Attempt = 1,
        SavedUtc = DateTime.UtcNow,
        Acknowledged = Array.Empty<int[]>(),
        AcknowledgedBytes = 0,
        ChunkHashes = "",
    };
}
