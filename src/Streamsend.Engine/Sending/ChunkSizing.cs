namespace Streamsend.Engine.Sending;

/// <summary>
/// Chunk sizes from a message size limit: about 95% of it, leaving room for the key, the headers and the record
/// batch framing (the seed's "996 KB of a 1 MB limit").
/// </summary>
public static class ChunkSizing
{
    public const int MinimumChunkSize = 1024;

    public static int FromMessageLimit(int maxMessageBytes) => Math.Max(MinimumChunkSize, (int)(maxMessageBytes * 0.95));

    /// <summary>After the broker said "too large": three quarters, so a few steps reach any limit without many retries.</summary>
    public static int Shrink(int chunkSize) => Math.Max(MinimumChunkSize, chunkSize / 4 * 3);

    public static int ChunkCount(long fileSize, int chunkSize) => checked((int)ChunkCountOf(fileSize, chunkSize));

    /// <summary>The same count without narrowing, for sizes a received header claims (they may be hostile).</summary>
    public static long ChunkCountOf(long fileSize, long chunkSize) => fileSize == 0 ? 1 : (fileSize + chunkSize - 1) / chunkSize;
}
