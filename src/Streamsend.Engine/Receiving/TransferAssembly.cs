using System.Diagnostics;
using Confluent.Kafka;
using Streamsend.Engine.Sinks;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Receiving;

/// <summary>
/// One file being put back together. Chunks arrive in any order and are written at their offsets; the MD5 runs over
/// the contiguous prefix as it grows, reading back only chunks that arrived ahead of a gap, so memory stays at a few
/// chunks. The hashing itself runs beside the consume loop (<see cref="BackgroundMd5"/>). A file whose sink hashes it
/// itself (<see cref="IPartialFile.HashesItself"/>) is not hashed here at all: its MD5 comes from the sink once it is whole.
/// </summary>
internal sealed class TransferAssembly : IAsyncDisposable
{
    private readonly IPartialFile partial;
    // Null when the sink hashes the file itself.
    private readonly BackgroundMd5? md5;
    // Sparse on purpose: a hostile header may claim billions of chunks; memory follows what actually arrives.
    private readonly HashSet<int> received = new();
    private readonly List<TopicPartitionOffset> messages = new();
    private int receivedCount;
    private int nextToHash;
    private long chunkSize = -1;
    private long bytesReceived;

    private int chunksSinceCheckpoint;
    private readonly Stopwatch sinceCheckpoint = Stopwatch.StartNew();

    public TransferAssembly(ChunkHeader first, IPartialFile partial)
    {
        First = first;
        this.partial = partial;
        md5 = partial.HashesItself ? null : new BackgroundMd5();
        if (partial.Kept is { } kept)
        {
            chunkSize = kept.ChunkSize;
            foreach (var index in kept.Chunks.Where(i => i >= 0 && i < first.ChunkCount))
            {
                received.Add(index);
            }
            receivedCount = received.Count;
            bytesReceived = (kept with { Chunks = received.ToList() }).BytesOf(first.FileSize);
            ExpectedMd5 = kept.ExpectedMd5;
            NewestChunkAt = kept.NewestChunkAt;
            IsLost = kept.LostReported;
            KeptBytes = bytesReceived;
        }
    }

    /// <summary>Bytes an earlier run staged and kept, taken up by this one.</summary>
    public long KeptBytes { get; }

    /// <summary>
    /// Reported lost: chunks of it can no longer arrive from the topic. Its offsets no longer hold commits back, and it
    /// is kept only in case its sender resumes it; then it lands after all.
    /// </summary>
    public bool IsLost { get; private set; }

    public void MarkLost() => IsLost = true;

    /// <summary>Hashes the staged prefix an earlier run kept, so hashing goes on where this run's chunks begin (nothing, when the sink hashes the file itself).</summary>
    public ValueTask CatchUpAsync(CancellationToken cancellationToken) => HashChunksThatArrivedEarlyAsync(cancellationToken);

    /// <summary>A message of a chunk already staged: it holds back commits like the chunk's first delivery did.</summary>
    public void HoldAlso(TopicPartitionOffset message) => messages.Add(message);

    /// <summary>
    /// The chunks missing before <paramref name="header"/>'s chunk on the partition it came from. A sender puts chunk
    /// i of a file on partition (first + i) mod Partitions (one partition with Distribution File) in index order,
    /// and a resumed sender puts every chunk where the first attempt did, so the chunk before it on that partition is
    /// on the log before it: if this receiver has not got it by now, the topic no longer holds it.
    /// Empty when the sender did not say how it rotated (senders before resume).
    /// </summary>
    public List<int> MissingBeforeOnItsPartition(ChunkHeader header)
    {
        var missing = new List<int>();
        if (header.Partitions is not { } partitions)
        {
            return missing;
        }
        var step = header.SpansPartitions ? partitions : 1;
        for (var index = header.ChunkIndex - step; index >= 0; index -= step)
        {
            if (!received.Contains(index))
            {
                missing.Add(index);
            }
        }
        missing.Reverse();
        return missing;
    }

    /// <summary>The chunks not received yet (for messages; a claimed count is bounded by the file size).</summary>
    public IEnumerable<int> Missing() => Enumerable.Range(0, First.ChunkCount).Where(i => !received.Contains(i));

    /// <summary>What is staged, for the sink to record beside the data (<see cref="IPartialFile.CheckpointAsync"/>).</summary>
    public StagedProgress Progress() => new(chunkSize, received.ToList(), ExpectedMd5, NewestChunkAt, IsLost);

    /// <summary>Whether a checkpoint is due: chunks arrived since the last one, and either they no longer hold commits back (lost) or <paramref name="interval"/> passed.</summary>
    public bool CheckpointDue(TimeSpan interval) => chunksSinceCheckpoint > 0 && chunkSize > 0 && (IsLost || sinceCheckpoint.Elapsed >= interval);

    public async ValueTask CheckpointAsync(CancellationToken cancellationToken)
    {
        await partial.CheckpointAsync(Progress(), cancellationToken).ConfigureAwait(false);
        chunksSinceCheckpoint = 0;
        sinceCheckpoint.Restart();
    }

    /// <summary>Stops working on it and keeps what is staged for a later run; false when the sink cannot keep it (it was discarded).</summary>
    public ValueTask<bool> KeepAsync(CancellationToken cancellationToken) =>
        chunkSize > 0 ? partial.KeepAsync(Progress(), cancellationToken) : AbortThenFalseAsync();

    private async ValueTask<bool> AbortThenFalseAsync()
    {
        await partial.AbortAsync().ConfigureAwait(false);
        return false;
    }

    public ChunkHeader First { get; }

    public string? ExpectedMd5 { get; private set; }

    public Stopwatch Elapsed { get; } = Stopwatch.StartNew();

    /// <summary>
    /// The Kafka timestamp of the newest chunk, for expiring transfers whose sender went away: unlike the time a chunk
    /// reached this receiver, it survives restarts, so a receiver restarted every hour still expires a dead transfer.
    /// </summary>
    public DateTimeOffset NewestChunkAt { get; private set; } = DateTimeOffset.MinValue;

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
    public async ValueTask AcceptAsync(ChunkHeader header, PooledBytes value, TopicPartitionOffset message, DateTimeOffset sentAt, CancellationToken cancellationToken)
    {
        chunkSize = InferChunkSize(header, value.Length) ?? chunkSize;
        // Awaited to the end: the sink reads the bytes only during the write (IPartialFile.WriteAsync), so they are free after it.
        await partial.WriteAsync(header.Offset, value.Memory, cancellationToken).ConfigureAwait(false);
        received.Add(header.ChunkIndex);
        NewestChunkAt = sentAt > NewestChunkAt ? sentAt : NewestChunkAt;
        chunksSinceCheckpoint++;
        receivedCount++;
        bytesReceived += value.Length;
        messages.Add(message);
        if (header.Md5 is not null)
        {
            ExpectedMd5 = header.Md5;
        }
        if (md5 is not null && header.ChunkIndex == nextToHash)
        {
            await md5.AppendAsync(value.HandOver(), cancellationToken).ConfigureAwait(false);
            nextToHash++;
            await HashChunksThatArrivedEarlyAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The MD5 of the whole file; only once <see cref="IsComplete"/>, and only once. Waits for the last chunks' hashing,
    /// or for the sink to read the staged file back. Throws a <see cref="StreamsendException"/> when that read fails.
    /// </summary>
    public async Task<string> ActualMd5Async(CancellationToken cancellationToken) =>
        md5 is null ? await partial.HashStagedAsync(cancellationToken).ConfigureAwait(false) : await md5.FinishAsync().ConfigureAwait(false);

    public ValueTask<LandedObject> CommitAsync(CancellationToken cancellationToken) => partial.CommitAsync(ExpectedMd5!, cancellationToken);

    public ValueTask AbortAsync() => partial.AbortAsync();

    public async ValueTask DisposeAsync()
    {
        if (md5 is not null)
        {
            await md5.DisposeAsync().ConfigureAwait(false);
        }
        await partial.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask HashChunksThatArrivedEarlyAsync(CancellationToken cancellationToken)
    {
        while (md5 is not null && nextToHash < First.ChunkCount && received.Contains(nextToHash))
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
