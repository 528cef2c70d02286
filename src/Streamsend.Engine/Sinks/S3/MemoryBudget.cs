namespace Streamsend.Engine.Sinks.S3;

/// <summary>The bytes one S3 sink holds in memory, across all its files and uploads; the receiver fails a file rather than exceed it.</summary>
internal sealed class MemoryBudget
{
    private readonly long limit;
    private long used;

    public MemoryBudget(long limit) => this.limit = limit;

    public long Used => Interlocked.Read(ref used);

    public void Reserve(long bytes, string location)
    {
        if (Interlocked.Add(ref used, bytes) > limit)
        {
            Interlocked.Add(ref used, -bytes);
            throw new StreamsendException(
                "S3MemoryLimitReached",
                ErrorKind.ResourceUnavailable,
                $"Cannot hold more of '{location}' in memory: the S3 sink already holds {Used} bytes of its {limit}-byte limit (chunks that arrived ahead of a gap, parts being uploaded). Nothing of it was landed; the next run receives it again.",
                location);
        }
    }

    public void Release(long bytes) => Interlocked.Add(ref used, -bytes);
}
