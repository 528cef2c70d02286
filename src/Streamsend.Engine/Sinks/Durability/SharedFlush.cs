namespace Streamsend.Engine.Sinks;

/// <summary>
/// A flush that callers arriving at the same time share (group commit): a caller returns once a flush that started
/// after it called has finished, and while one flush runs, the callers that arrive wait and are served by the next
/// one together. Each caller's writes came before its call, so the flush that serves it covers them.
/// </summary>
internal sealed class SharedFlush
{
    private readonly Action flush;
    private readonly object flushing = new();
    private long requested;
    private long completed;

    public SharedFlush(Action flush) => this.flush = flush;

    /// <summary>Flushes done so far (for tests).</summary>
    public int Flushes { get; private set; }

    /// <summary>Returns once a flush that started after this call has finished; throws what that flush threw.</summary>
    public void Flush()
    {
        var ticket = Interlocked.Increment(ref requested);
        lock (flushing)
        {
            if (Volatile.Read(ref completed) >= ticket)
            {
                return;
            }
            // Every ticket up to here was taken before this flush starts, after its caller's writes.
            var upTo = Volatile.Read(ref requested);
            flush();
            Flushes++;
            Volatile.Write(ref completed, upTo);
        }
    }
}
