namespace Streamsend.Engine.Wire;

/// <summary>The validated metadata of one Streamsend message. Only <see cref="WireCodec"/> creates it from the wire.</summary>
public sealed record ChunkHeader(
    MessageKind Kind,
    Guid TransferId,
    string RelativePath,
    string Sender,
    int ChunkIndex,
    int ChunkCount,
    long Offset,
    long FileSize,
    DateTimeOffset LastWriteTimeUtc,
    string? Md5)
{
    public bool IsLastChunk => ChunkIndex == ChunkCount - 1;

    /// <summary>
    /// The sender spread this file's chunks over all partitions (Distribution Chunk), so only a receiver that owns every
    /// partition can complete it. False when the sender kept the file on one partition, or did not say.
    /// </summary>
    public bool SpansPartitions { get; init; }

    /// <summary>
    /// How many partitions the sender rotated this file's chunks over (chunk i goes to partition (first + i) mod this),
    /// so a receiver knows which chunk sat before this one on its partition. Null when the sender did not say (before resume).
    /// </summary>
    public int? Partitions { get; init; }

    /// <summary>Which sending of the transfer this chunk came from: 1 for the first, 2 for the first resume, and so on.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>The number of bytes this chunk must carry, derived from its offset and the file size.</summary>
    public long ExpectedLength(long chunkSize) => Math.Min(chunkSize, FileSize - Offset);
}
