using System.Buffers;

namespace Streamsend.Engine.Sinks.S3;

/// <summary>
/// The received bytes of one file that S3 does not have yet, or that the receiver has not hashed yet, in pooled memory.
/// </summary>
/// <remarks>
/// Why memory and not a read-back from the store: the receiver hashes the file in order and reads back chunks that
/// arrived ahead of a gap (<see cref="IPartialFile.ReadAsync"/>), but S3 cannot read parts of an upload that is not
/// complete, and nothing may be staged on local disk. So a chunk is held until both are true:
/// <list type="bullet">
/// <item>every part it belongs to has been copied out for upload, and</item>
/// <item>it needs no hashing from here: it was written at the end of the contiguous prefix (the receiver hashes such a
/// chunk from the bytes it wrote, see <c>TransferAssembly.AcceptAsync</c>), or a read-back has covered it.</item>
/// </list>
/// Memory therefore follows the out-of-order window (about one fetch per partition), not the file, and is capped for the
/// whole sink by <see cref="MemoryBudget"/>. A read-back of bytes no longer held fails loudly rather than hashing wrong bytes.
/// A file taken up from an upload an earlier run kept starts with some parts uploaded already: bytes of a chunk that fall
/// in those parts are not uploaded again, and since such a file is hashed by reading the completed upload back
/// (<see cref="IPartialFile.HashesItself"/>), nothing is held for hashing.
/// </remarks>
internal sealed class HeldChunks : IDisposable
{
    private readonly PartLayout layout;
    private readonly MemoryBudget budget;
    private readonly string location;
    private readonly SortedList<long, HeldChunk> chunks = new();
    private readonly SortedDictionary<long, long> aheadOfPrefix = new();
    private readonly long[] partFilled;
    private readonly bool[] uploadedBefore;
    private readonly bool holdForHashing;
    private long prefixEnd;

    /// <param name="uploadedBefore">Parts an earlier run uploaded (0-based).</param>
    /// <param name="holdForHashing">False when the receiver hashes nothing of this file: no chunk is held for a read-back.</param>
    public HeldChunks(PartLayout layout, MemoryBudget budget, string location, IEnumerable<int> uploadedBefore, bool holdForHashing)
    {
        this.layout = layout;
        this.budget = budget;
        this.location = location;
        this.holdForHashing = holdForHashing;
        partFilled = new long[layout.PartCount];
        this.uploadedBefore = new bool[layout.PartCount];
        foreach (var part in uploadedBefore)
        {
            this.uploadedBefore[part] = true;
        }
    }

    /// <summary>Holds a copy of a chunk (the receiver's pooled bytes are only lent for the write) and returns the parts it completed, in order.</summary>
    public List<int> Add(long offset, ReadOnlySpan<byte> data)
    {
        var completed = new List<int>();
        if (data.Length == 0)
        {
            return completed;
        }
        var first = layout.PartAt(offset);
        var last = layout.PartAt(offset + data.Length - 1);
        var awaitingHash = holdForHashing && offset != prefixEnd;
        var partsPending = Enumerable.Range(first, last - first + 1).Count(part => !uploadedBefore[part]);
        AdvancePrefix(offset, data.Length);
        if (partsPending == 0 && !awaitingHash)
        {
            return completed;
        }
        budget.Reserve(data.Length, location);
        var buffer = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(buffer);
        chunks.Add(offset, new HeldChunk(buffer, data.Length, awaitingHash, partsPending));
        for (var part = first; part <= last; part++)
        {
            if (uploadedBefore[part])
            {
                continue;
            }
            var start = Math.Max(offset, layout.StartOf(part));
            var end = Math.Min(offset + data.Length, layout.StartOf(part) + layout.LengthOf(part));
            partFilled[part] += end - start;
            if (partFilled[part] == layout.LengthOf(part))
            {
                completed.Add(part);
            }
        }
        return completed;
    }

    /// <summary>Copies a completed part out; its chunks stop being held for it.</summary>
    public void CopyPart(int part, Span<byte> destination)
    {
        var start = layout.StartOf(part);
        var end = start + layout.LengthOf(part);
        foreach (var (offset, chunk) in Overlapping(start, end))
        {
            var from = Math.Max(start, offset);
            var to = Math.Min(end, offset + chunk.Length);
            chunk.Buffer.AsSpan((int)(from - offset), (int)(to - from)).CopyTo(destination[(int)(from - start)..]);
            chunk.PartsPending--;
            ReleaseIfDone(offset, chunk);
        }
    }

    /// <summary>A read-back for hashing; the chunks it covers stop being held for hashing.</summary>
    public void Read(long offset, Span<byte> destination)
    {
        var end = offset + destination.Length;
        var filled = 0L;
        foreach (var (chunkOffset, chunk) in Overlapping(offset, end))
        {
            var from = Math.Max(offset, chunkOffset);
            var to = Math.Min(end, chunkOffset + chunk.Length);
            chunk.Buffer.AsSpan((int)(from - chunkOffset), (int)(to - from)).CopyTo(destination[(int)(from - offset)..]);
            filled += to - from;
            if (to == chunkOffset + chunk.Length)
            {
                chunk.AwaitingHash = false;
                ReleaseIfDone(chunkOffset, chunk);
            }
        }
        if (filled != destination.Length)
        {
            throw new StreamsendException("StagedDataMissing", ErrorKind.InvalidData, $"The S3 sink no longer holds bytes {offset} to {end} of '{location}' for hashing.", location);
        }
    }

    public void Dispose()
    {
        foreach (var (_, chunk) in chunks)
        {
            ArrayPool<byte>.Shared.Return(chunk.Buffer);
            budget.Release(chunk.Length);
        }
        chunks.Clear();
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
        if (chunk.PartsPending == 0 && !chunk.AwaitingHash)
        {
            chunks.Remove(offset);
            ArrayPool<byte>.Shared.Return(chunk.Buffer);
            budget.Release(chunk.Length);
        }
    }

    private sealed class HeldChunk(byte[] buffer, int length, bool awaitingHash, int partsPending)
    {
        public byte[] Buffer { get; } = buffer;

        public int Length { get; } = length;

        public bool AwaitingHash { get; set; } = awaitingHash;

        public int PartsPending { get; set; } = partsPending;
    }
}
