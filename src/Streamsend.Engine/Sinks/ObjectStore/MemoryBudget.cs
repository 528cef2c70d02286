namespace Streamsend.Engine.Sinks.ObjectStore;

/// <summary>
/// The bytes one object-store sink holds in memory, across all its files and uploads; the receiver fails a file rather
/// than exceed it. The error id names the store (<c>S3MemoryLimitReached</c>, <c>AzureMemoryLimitReached</c>), so a
/// runbook can tell them apart.
/// </summary>
internal sealed class MemoryBudget
{
    private readonly long limit;
    private readonly string store;
    private long used;

    /// <param name="store">The store as error ids and messages name it: <c>S3</c>, <c>Azure</c>.</param>
    public MemoryBudget(long limit, string store)
    {
        this.limit = limit;
        this.store = store;
    }

    public long Used => Interlocked.Read(ref used);

    public void Reserve(long bytes, string location)
    {
        if (Interlocked.Add(ref used, bytes) > limit)
        {
            Interlocked.Add(ref used, -bytes);
            throw new StreamsendException(
                $"{store}MemoryLimitReached",
                ErrorKind.ResourceUnavailable,
                $"Cannot hold more of '{location}' in memory: the {store} sink already holds {Used} bytes of its {limit}-byte limit (chunks that arrived ahead of a gap, uploads in flight). Nothing of it was landed; the next run receives it again.",
                location);
        }
    }

    public void Release(long bytes) => Interlocked.Add(ref used, -bytes);
}
