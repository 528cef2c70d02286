using System.Buffers;

namespace Streamsend.Engine.Sinks.ObjectStore;

/// <summary>
/// The received bytes of one file that the store does not have yet, or that the receiver has not hashed yet, in pooled
/// memory. Shared by the object-store sinks: S3 copies parts out of it, Azure uploads each chunk as a block from it.
/// </summary>
/// <remarks>
/// Why memory and not a read-back from the store: the receiver hashes the file in order and reads back chunks that
/// arrived ahead of a gap (<see cref="IPartialFile.ReadAsync"/>), but neither S3 (the parts of an upload that is not
/// complete) nor Azure (uncommitted blocks) can be read before the object is committed, and nothing may be staged on
/// local disk. So a chunk is held until both are true:
/// <list type="bullet">
/// <item>every upload that takes bytes from it has taken them (<see cref="CopyForUpload"/>, <see cref="Uploaded"/>), and</item>
/// <item>it needs no hashing from here: it was written at the end of the contiguous prefix (the receiver hashes such a
/// chunk from the bytes it wrote, see <c>TransferAssembly.AcceptAsync</c>), or a read-back has covered it.</item>
/// </list>
/// Memory therefore follows the out-of-order window (about one fetch per partition) and the uploads in flight, not the
/// file, and is capped for the whole sink by <see cref="MemoryBudget"/>. A read-back of bytes no longer held fails
/// loudly rather than hashing wrong bytes. Uploads end on other threads, so every member takes one lock.
/// A file taken up from what an earlier run kept (an S3 upload with some parts uploaded already) is hashed by the sink
/// reading the whole staged file back (<see cref="IPartialFile.HashesItself"/>): nothing of it is held for hashing, and a
/// chunk whose bytes all lie in uploads made before (the caller counts them out of its uploads) is not held at all.
/// </remarks>
internal sealed class HeldChunks : IDisposable
{
    private readonly object gate = new();
    private readonly MemoryBudget budget;
    private readonly string location;
    private readonly string store;
    private readonly bool holdForHashing;
    private readonly SortedList<long, HeldChunk> chunks = new();
    private readonly SortedDictionary<long, long> aheadOfPrefix = new();
    private long prefixEnd;

    /// <param name="store">The store as messages name it: <c>S3</c>, <c>Azure</c>.</param>
    /// <param name="holdForHashing">False when the receiver hashes nothing of this file (the sink hashes it): no chunk is held for a read-back.</param>
    public HeldChunks(MemoryBudget budget, string location, string store, bool holdForHashing = true)
    {
        this.budget = budget;
        this.location = location;
        this.store = store;
        this.holdForHashing = holdForHashing;
    }

    /// <summary>
    /// Holds a copy of a chunk (the receiver's pooled bytes are only lent for the write) until <paramref name="uploads"/>
    /// uploads have taken their bytes from it, and, when it arrived ahead of a gap, until it was read back for hashing.
    /// Returns the copy, valid until then; empty when nothing needs it (no upload, no hashing), as nothing is then held.
    /// </summary>
    public ReadOnlyMemory<byte> Add(long offset, ReadOnlySpan<byte> data, int uploads)
    {
        if (data.Length == 0)
        {
            return ReadOnlyMemory<byte>.Empty;
        }
        bool awaitingHash;
        lock (gate)
        {
            awaitingHash = holdForHashing && offset != prefixEnd;
            if (uploads <= 0 && !awaitingHash)
            {
                AdvancePrefix(offset, data.Length);
                return ReadOnlyMemory<byte>.Empty;
            }
        }
        budget.Reserve(data.Length, location);
        var buffer = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(buffer);
        lock (gate)
        {
            chunks.Add(offset, new HeldChunk(buffer, data.Length, awaitingHash, uploads));
            AdvancePrefix(offset, data.Length);
            return new ReadOnlyMemory<byte>(buffer, 0, data.Length);
        }
    }

    /// <summary>Copies bytes out for an upload (an S3 part); each chunk they come from has one upload fewer to wait for.</summary>
    public void CopyForUpload(long start, Span<byte> destination)
    {
        lock (gate)
        {
            foreach (var (offset, chunk) in Overlapping(start, start + destination.Length))
            {
                CopyOverlap(offset, chunk, start, destination);
                chunk.UploadsPending--;
                ReleaseIfDone(offset, chunk);
            }
        }
    }

    /// <summary>An upload that read straight from the copy <see cref="Add"/> returned (an Azure block) is done with it.</summary>
    public void Uploaded(long offset)
    {
        lock (gate)
        {
            if (chunks.TryGetValue(offset, out var chunk))
            {
                chunk.UploadsPending--;
                ReleaseIfDone(offset, chunk);
            }
        }
    }

    /// <summary>A read-back for hashing; the chunks it covers stop being held for hashing.</summary>
    public void Read(long offset, Span<byte> destination)
    {
        var end = offset + destination.Length;
        var filled = 0L;
        lock (gate)
        {
            foreach (var (chunkOffset, chunk) in Overlapping(offset, end))
            {
                filled += CopyOverlap(chunkOffset, chunk, offset, destination);
                if (Math.Min(end, chunkOffset + chunk.Length) == chunkOffset + chunk.Length)
                {
                    chunk.AwaitingHash = false;
                    ReleaseIfDone(chunkOffset, chunk);
                }
            }
        }
        if (filled != destination.Length)
        {
            throw new StreamsendException("StagedDataMissing", ErrorKind.InvalidData, $"The {store} sink no longer holds bytes {offset} to {end} of '{location}' for hashing.", location);
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            foreach (var (_, chunk) in chunks)
            {
                ArrayPool<byte>.Shared.Return(chunk.Buffer);
                budget.Release(chunk.Length);
            }
            chunks.Clear();
        }
    }

    /// <summary>Copies the part of a held chunk that overlaps <paramref name="destination"/> (which starts at file offset <paramref name="start"/>); returns how many bytes.</summary>
    private static long CopyOverlap(long chunkOffset, HeldChunk chunk, long start, Span<byte> destination)
    {
        var from = Math.Max(start, chunkOffset);
        var to = Math.Min(start + destination.Length, chunkOffset + chunk.Length);
        chunk.Buffer.AsSpan((int)(from - chunkOffset), (int)(to - from)).CopyTo(destination[(int)(from - start)..]);
        return to - from;
    }

    private void AdvancePrefix(long offset, long length)
    {
        if (offset != prefixEnd)
        {
            aheadOfPrefix[offset] = length;
            return;
        }
        prefixEnd += length;
        while (aheadOfPrefix.Remove(prefixEnd, out var next))
        {
            prefixEnd += next;
        }
    }

    /// <summary>Chunks overlapping [start, end), as a snapshot so callers may release them while iterating.</summary>
    private List<(long Offset, HeldChunk Chunk)> Overlapping(long start, long end)
    {
        var keys = chunks.Keys;
        var index = FirstAtOrBefore(keys, start);
        var found = new List<(long, HeldChunk)>();
        for (var i = Math.Max(0, index); i < keys.Count && keys[i] < end; i++)
        {
            var chunk = chunks.Values[i];
            if (keys[i] + chunk.Length > start)
            {
                found.Add((keys[i], chunk));
            }
        }
        return found;
    }

    private static int FirstAtOrBefore(IList<long> keys, long value)
    {
        int low = 0, high = keys.Count - 1, result = -1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            if (keys[middle] <= value)
            {
                result = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }
        return result;
    }

    private void ReleaseIfDone(long offset, HeldChunk chunk)
    {
        if (chunk.UploadsPending <= 0 && !chunk.AwaitingHash)
        {
            chunks.Remove(offset);
            ArrayPool<byte>.Shared.Return(chunk.Buffer);
            budget.Release(chunk.Length);
        }
    }

    private sealed class HeldChunk(byte[] buffer, int length, bool awaitingHash, int uploadsPending)
    {
        public byte[] Buffer { get; } = buffer;

        public int Length { get; } = length;

        public bool AwaitingHash { get; set; } = awaitingHash;

        public int UploadsPending { get; set; } = uploadsPending;
    }
}
