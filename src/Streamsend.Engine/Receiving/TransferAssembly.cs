using System.Diagnostics;
using Confluent.Kafka;
using Streamsend.Engine.Sinks;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Receiving;

/// <summary>
/// One file being put back together. Chunks arrive in any order and are written at their offsets; the MD5 runs over
/// the contiguous prefix as it grows, reading back only chunks that arrived ahead of a gap, so memory stays at a few
/// chunks. This keeps the bookkeeping, on the consume loop; the writes and the hashing run beside it, one task per file
/// (<see cref="BackgroundChunkWriter"/>), and everything that records, lands or discards the file waits for them first.
/// A file whose sink hashes it itself (<see cref="IPartialFile.HashesItself"/>) is not hashed here at all: its MD5
/// comes from the sink once it is whole.
/// </summary>
internal sealed class TransferAssembly : IAsyncDisposable
{
    private readonly IPartialFile partial;
    private readonly BackgroundChunkWriter writer;
    private readonly bool hashes;
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
        hashes = !partial.HashesItself;
        writer = new BackgroundChunkWriter(partial, hashes);
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
        // The record claims every chunk received: each must be written first.
        await writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        await partial.CheckpointAsync(Progress(), cancellationToken).ConfigureAwait(false);
        chunksSinceCheckpoint = 0;
        sinceCheckpoint.Restart();
    }

    /// <summary>Stops working on it and keeps what is staged for a later run; false when the sink cannot keep it (it was discarded).</summary>
    public async ValueTask<bool> KeepAsync(CancellationToken cancellationToken)
    {
        if (chunkSize <= 0)
        {
            await AbortAsync().ConfigureAwait(false);
            return false;
        }
        await writer.CompleteAsync().ConfigureAwait(false);
        return await partial.KeepAsync(Progress(), cancellationToken).ConfigureAwait(false);
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
    /// Takes a chunk to be written at its offset: <paramref name="value"/> is handed to the file's writer, which returns
    /// it to the pool, and the caller's owner is left empty. Throws the <see cref="StreamsendException"/> of an earlier
    /// chunk's write that failed, and then takes nothing.
    /// </summary>
    public async ValueTask AcceptAsync(ChunkHeader header, PooledBytes value, TopicPartitionOffset message, DateTimeOffset sentAt, CancellationToken cancellationToken)
    {
        var length = value.Length;
        chunkSize = InferChunkSize(header, length) ?? chunkSize;
        var hashNext = hashes && header.ChunkIndex == nextToHash;
        await writer.WriteAsync(header.Offset, value.HandOver(), hashNext, cancellationToken).ConfigureAwait(false);
        received.Add(header.ChunkIndex);
        NewestChunkAt = sentAt > NewestChunkAt ? sentAt : NewestChunkAt;
        chunksSinceCheckpoint++;
        receivedCount++;
        bytesReceived += length;
        messages.Add(message);
        if (header.Md5 is not null)
        {
            ExpectedMd5 = header.Md5;
        }
        if (hashNext)
        {
            nextToHash++;
            await HashChunksThatArrivedEarlyAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The MD5 of the whole file; only once <see cref="IsComplete"/>, and only once. Waits for the last chunks' writes and
    /// hashing, or for the sink to read the staged file back. Throws a <see cref="StreamsendException"/> when a write or
    /// that read failed.
    /// </summary>
    public async Task<string> ActualMd5Async(CancellationToken cancellationToken)
    {
        await writer.CompleteAsync().ConfigureAwait(false);
        return hashes ? writer.Md5() : await partial.HashStagedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lands the file once every write is done (they are, after <see cref="ActualMd5Async"/>).</summary>
    public async ValueTask<LandedObject> CommitAsync(CancellationToken cancellationToken)
    {
        await writer.CompleteAsync().ConfigureAwait(false);
        return await partial.CommitAsync(ExpectedMd5!, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Discards the file: its writes stop first, so none lands in the staged data after it is gone.</summary>
    public async ValueTask AbortAsync()
    {
        await writer.StopAsync().ConfigureAwait(false);
        await partial.AbortAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await writer.DisposeAsync().ConfigureAwait(false);
        await partial.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask HashChunksThatArrivedEarlyAsync(CancellationToken cancellationToken)
    {
        while (hashes && nextToHash < First.ChunkCount && received.Contains(nextToHash))
        {
            var offset = nextToHash * chunkSize;
            // Queued behind the chunk's own write (it is on this file's writer already), so it reads what was written.
            await writer.HashStagedAsync(offset, (int)Math.Min(chunkSize, First.FileSize - offset), cancellationToken).ConfigureAwait(false);
            nextToHash++;
        }
    }

    /// <summary>A non-last chunk's length is the chunk size; a last chunk's offset over its index is (when its index is above 0).</summary>
    private static long? InferChunkSize(ChunkHeader header, int length) =>
        !header.IsLastChunk ? length : header.ChunkIndex > 0 && header.Offset % header.ChunkIndex == 0 ? header.Offset / header.ChunkIndex : null;
}
