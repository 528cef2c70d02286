using System.Diagnostics;
using Confluent.Kafka;
using Streamsend.Engine.Sinks;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Receiving;

/// <summary>
/// One file being put back together. Chunks arrive in any order and are written at their offsets; the MD5 runs over
/// the contiguous prefix as it grows, reading back only chunks that arrived ahead of a gap, so memory stays at a few
/// chunks. The hashing itself runs beside the consume loop (<see cref="BackgroundMd5"/>).
/// </summary>
internal sealed class TransferAssembly : IAsyncDisposable
{
    private readonly IPartialFile partial;
    private readonly BackgroundMd5 md5 = new();
    // Sparse on purpose: a hostile header may claim billions of chunks; memory follows what actually arrives.
    private readonly HashSet<int> received = new();
    private readonly List<TopicPartitionOffset> messages = new();
    private int receivedCount;
    private int nextToHash;
    private long chunkSize = -1;
    private long bytesReceived;

    public TransferAssembly(ChunkHeader first, IPartialFile partial)
    {
        First = first;
        this.partial = partial;
    }

    public ChunkHeader First { get; }

    public string? ExpectedMd5 { get; private set; }

    public Stopwatch Elapsed { get; } = Stopwatch.StartNew();

    /// <summary>When the latest chunk arrived, for expiring transfers whose sender went away.</summary>
    public DateTimeOffset LastChunkAt { get; private set; } = DateTimeOffset.UtcNow;

    public string FinalLocation => partial.FinalLocation;

    public long BytesReceived => bytesReceived;

    public bool IsComplete => receivedCount == First.ChunkCount;

    /// <summary>The Kafka messages this file holds back from being committed.</summary>
    public IReadOnlyList<TopicPartitionOffset> Messages => messages;

    public bool Has(int chunkIndex) => received.Contains(chunkIndex);

    /// <summary>Why this chunk cannot belong to this transfer, or null when it fits.</summary>
    public string? Misfit(ChunkHeader header, int length)
    {
        if (header.RelativePath != First.RelativePath || header.FileSize != First.FileSize || header.ChunkCount != First.ChunkCount || header.Sender != First.Sender)
        {
            return $"chunk {header.ChunkIndex} disagrees with chunk {First.ChunkIndex} about the file's path, size, chunk count or sender";
        }
        if (header.ChunkIndex == 0 && header.Offset != 0)
        {
            return $"chunk 0 claims offset {header.Offset}";
        }
        if (header.IsLastChunk && header.ChunkIndex > 0 && header.Offset % header.ChunkIndex != 0)
        {
            return $"the last chunk's offset {header.Offset} is no multiple of its index {header.ChunkIndex}";
        }
        var size = InferChunkSize(header, length);
        if (size is null)
        {
            return null;
        }
        if (chunkSize >= 0 && size != chunkSize)
        {
            return $"chunk {header.ChunkIndex} implies {size}-byte chunks where others implied {chunkSize}";
        }
        if (header.Offset != header.ChunkIndex * size || Sending.ChunkSizing.ChunkCountOf(First.FileSize, size.Value) != First.ChunkCount)
        {
            return $"chunk {header.ChunkIndex} sits at offset {header.Offset}, which does not fit {First.ChunkCount} chunks of {size} bytes in {First.FileSize} bytes";
        }
        return null;
    }

    /// <summary>
    /// Writes a chunk at its offset. The caller keeps owning <paramref name="value"/> unless the chunk is the next one to
    /// hash: then it is handed to the hashing, which returns it to the pool, and the caller's owner is left empty.
    /// </summary>
    public async ValueTask AcceptAsync(ChunkHeader header, PooledBytes value, TopicPartitionOffset message, CancellationToken cancellationToken)
    {
        chunkSize = InferChunkSize(header, value.Length) ?? chunkSize;
        // Awaited to the end: the sink reads the bytes only during the write (IPartialFile.WriteAsync), so they are free after it.
        await partial.WriteAsync(header.Offset, value.Memory, cancellationToken).ConfigureAwait(false);
        received.Add(header.ChunkIndex);
        LastChunkAt = DateTimeOffset.UtcNow;
        receivedCount++;
        bytesReceived += value.Length;
        messages.Add(message);
        if (header.Md5 is not null)
        {
            ExpectedMd5 = header.Md5;
        }
        if (header.ChunkIndex == nextToHash)
        {
            await md5.AppendAsync(value.HandOver(), cancellationToken).ConfigureAwait(false);
            nextToHash++;
            await HashChunksThatArrivedEarlyAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The MD5 of the whole file; only once <see cref="IsComplete"/>, and only once. Waits for the last chunks' hashing.</summary>
    public Task<string> ActualMd5Async() => md5.FinishAsync();

    public ValueTask<LandedObject> CommitAsync(CancellationToken cancellationToken) => partial.CommitAsync(ExpectedMd5!, cancellationToken);

    public ValueTask AbortAsync() => partial.AbortAsync();

    public async ValueTask DisposeAsync()
    {
        await md5.DisposeAsync().ConfigureAwait(false);
        await partial.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask HashChunksThatArrivedEarlyAsync(CancellationToken cancellationToken)
    {
        while (nextToHash < First.ChunkCount && received.Contains(nextToHash))
        {
            var offset = nextToHash * chunkSize;
            var length = (int)Math.Min(chunkSize, First.FileSize - offset);
            // One pooled block per chunk read back: the hashing returns it once done, while the loop reads the next.
            using var block = PooledBytes.Rent(length);
            await partial.ReadAsync(offset, block.Memory, cancellationToken).ConfigureAwait(false);
            await md5.AppendAsync(block.HandOver(), cancellationToken).ConfigureAwait(false);
            nextToHash++;
        }
    }

    /// <summary>A non-last chunk's length is the chunk size; a last chunk's offset over its index is (when its index is above 0).</summary>
    private static long? InferChunkSize(ChunkHeader header, int length) =>
        !header.IsLastChunk ? length : header.ChunkIndex > 0 && header.Offset % header.ChunkIndex == 0 ? header.Offset / header.ChunkIndex : null;
}
