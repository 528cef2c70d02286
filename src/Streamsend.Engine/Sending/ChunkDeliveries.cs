using System.Diagnostics;
using Confluent.Kafka;
using Streamsend.Engine.Events;

namespace Streamsend.Engine.Sending;

/// <summary>
/// Counts one transfer's chunks from "handed to Kafka" to "acknowledged". The transfer is complete only when every
/// chunk was acknowledged; the first failure wins. Delivery reports arrive on librdkafka's thread.
/// </summary>
internal sealed class ChunkDeliveries
{
    private static readonly long ProgressIntervalTicks = Stopwatch.Frequency / 10;

    private readonly TaskCompletionSource<bool> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Guid transferId;
    private readonly string relativePath;
    private readonly string fullPath;
    private readonly long totalBytes;
    private readonly Stopwatch elapsed;
    private readonly IEngineEventSink events;
    private readonly Action onReport;
    private int outstanding;
    private int sealedFlag;
    private long ackedBytes;
    // One interval in the past, so that the first acknowledgement is reported at once: it is when a transfer starts
    // to move (a progress bar appears, the benchmark times start-up to it), not once the file has been a tenth of a second on its way.
    private long lastProgressTicks = -ProgressIntervalTicks;
    private Exception? failure;

    public ChunkDeliveries(Guid transferId, string relativePath, string fullPath, long totalBytes, Stopwatch elapsed, IEngineEventSink events, Action onReport)
    {
        this.transferId = transferId;
        this.relativePath = relativePath;
        this.fullPath = fullPath;
        this.totalBytes = totalBytes;
        this.elapsed = elapsed;
        this.events = events;
        this.onReport = onReport;
    }

    /// <summary>Completes when every expected chunk was acknowledged after <see cref="Seal"/>; faults with the first failure.</summary>
    public Task Completion => completion.Task;

    public bool HasFailed => Volatile.Read(ref failure) is not null;

    public long AckedBytes => Interlocked.Read(ref ackedBytes);

    public void Expect() => Interlocked.Increment(ref outstanding);

    /// <summary>A chunk that was counted but never reached Kafka (Produce threw).</summary>
    public void Unexpect()
    {
        Interlocked.Decrement(ref outstanding);
        TryComplete();
    }

    /// <summary>No more chunks will be expected.</summary>
    public void Seal()
    {
        Volatile.Write(ref sealedFlag, 1);
        TryComplete();
    }

    public void Fail(Exception error)
    {
        Interlocked.CompareExchange(ref failure, error, null);
        completion.TrySetException(failure!);
    }

    public void OnReport(DeliveryReport<byte[], byte[]> report, int chunkIndex, int length)
    {
        onReport();
        if (report.Error.IsError)
        {
            Fail(report.Error.Code is ErrorCode.MsgSizeTooLarge
                ? new MessageTooLargeException(report.Error.Reason)
                : new StreamsendException(
                    "ChunkNotAcknowledged",
                    ErrorKind.ConnectionError,
                    $"Kafka did not acknowledge chunk {chunkIndex} of '{fullPath}': {report.Error.Reason} ({report.Error.Code}). The file was not sent; send it again.",
                    fullPath));
        }
        else
        {
            var done = Interlocked.Add(ref ackedBytes, length);
            var now = elapsed.ElapsedTicks;
            var last = Interlocked.Read(ref lastProgressTicks);
            if (now - last >= ProgressIntervalTicks && Interlocked.CompareExchange(ref lastProgressTicks, now, last) == last)
            {
                events.Post(new ProgressEvent(new TransferProgress(transferId, relativePath, done, totalBytes, elapsed.Elapsed, IsComplete: false)));
            }
        }
        Interlocked.Decrement(ref outstanding);
        TryComplete();
    }

    private void TryComplete()
    {
        if (Volatile.Read(ref sealedFlag) == 1 && Volatile.Read(ref outstanding) == 0)
        {
            if (Volatile.Read(ref failure) is { } error)
            {
                completion.TrySetException(error);
            }
            else
            {
                completion.TrySetResult(true);
            }
        }
    }
}
