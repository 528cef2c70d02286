namespace Streamsend.Engine.Sinks;

/// <summary>
/// What an incomplete transfer has durably staged, recorded beside its staged data so a later run (after a restart or
/// a rebalance) can continue it instead of starting over.
/// </summary>
/// <param name="ChunkSize">The transfer's chunk size, so staged chunks can be read back for hashing.</param>
/// <param name="Chunks">The indexes of the chunks whose bytes are on disk and flushed.</param>
/// <param name="ExpectedMd5">The whole file's MD5 from the last chunk, once that chunk arrived.</param>
/// <param name="NewestChunkAt">The Kafka timestamp of the newest chunk received: the incomplete window counts from it.</param>
/// <param name="LostReported">The receiver already reported it lost; it is kept only in case its sender resumes it.</param>
public sealed record StagedProgress(long ChunkSize, IReadOnlyList<int> Chunks, string? ExpectedMd5, DateTimeOffset NewestChunkAt, bool LostReported)
{
    /// <summary>Bytes the staged chunks hold.</summary>
    public long BytesOf(long fileSize) => Chunks.Sum(index => Math.Max(0, Math.Min(ChunkSize, fileSize - index * ChunkSize)));
}
