using System.Security.Cryptography;
using Streamsend.Engine.Sending;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Tests.Support;

/// <summary>Chunks of a file as a sender would write them, for tests that produce them one by one (a sender that dies mid-file).</summary>
public static class RawChunks
{
    /// <param name="partitions">The rotation's partition count the header states (streamsend.partitions); null as senders before resume wrote them.</param>
    /// <summary>The last-write time every chunk of a file states, as a sender's do.</summary>
    public static readonly DateTimeOffset LastWriteTime = new(2026, 11, 30, 8, 15, 0, TimeSpan.Zero);

    public static ChunkHeader Of(Guid transfer, string path, byte[] content, int index, int chunkSize, int? partitions = null, string sender = "raw")
    {
        var count = ChunkSizing.ChunkCount(content.Length, chunkSize);
        var md5 = index == count - 1 ? Convert.ToHexString(MD5.HashData(content)).ToLowerInvariant() : null;
        return new ChunkHeader(MessageKind.Chunk, transfer, path, sender, index, count, (long)index * chunkSize, content.Length, LastWriteTime, md5) { Partitions = partitions };
    }

    public static byte[] Slice(byte[] content, int index, int chunkSize) =>
        content.AsSpan(index * chunkSize, Math.Min(chunkSize, content.Length - index * chunkSize)).ToArray();

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
