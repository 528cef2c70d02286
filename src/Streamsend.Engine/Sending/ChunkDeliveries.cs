using System.Diagnostics;
using Confluent.Kafka;
using Streamsend.Engine.Events;

namespace Streamsend.Engine.Sending;

/// <summary>
/// Counts one transfer's chunks from "handed to Kafka" to "acknowledged". The transfer is complete only when every
/// chunk was acknowledged; the first failure wins. Delivery reports arrive on librdkafka's thread.
/// </summary>
/// <remarks>
/// A resumed transfer starts at the bytes an earlier run had acknowledged, so its progress starts there too.
/// </remarks>
internal sealed class ChunkDeliveries
{
    private static readonly long ProgressIntervalTicks = Stopwatch.Frequency / 10;

    private readonly TaskCompletionSource<bool> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<bool> settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Guid transferId;
    private readonly string relativePath;
    private readonly string fullPath;
    private readonly long totalBytes;
    private readonly Stopwatch elapsed;
    private readonly IEngineEventSink events;
    private readonly long resumedBytes;
    private readonly Action<bool> onReport;
    private readonly Action<int> onAcknowledged;
    private int outstanding;
    private int sealedFlag;
    private long ackedBytes;
    // One interval in the past, so that the first acknowledgement is reported at once: it is when a transfer starts
    // to move (a progress bar appears, the benchmark times start-up to it), not once the file has been a tenth of a second on its way.
    private long lastProgressTicks = -ProgressIntervalTicks;
    private Exception? failure;

    /// <param name="onReport">Called for every report, with whether Kafka acknowledged the chunk.</param>
    /// <param name="onAcknowledged">Called with the index of every chunk Kafka acknowledged.</param>
    public ChunkDeliveries(Guid transferId, string relativePath, string fullPath, long totalBytes, long resumedBytes, Stopwatch elapsed, IEngineEventSink events, Action<bool> onReport, Action<int> onAcknowledged)
    {
        this.resumedBytes = resumedBytes;
        ackedBytes = resumedBytes;
        this.onAcknowledged = onAcknowledged;
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

    /// <summary>Completes when, after <see cref="Seal"/>, every chunk handed over has a report, failed or not: what is acknowledged then is final.</summary>
    public Task Settled => settled.Task;

    public bool HasFailed => Volatile.Read(ref failure) is not null;

    /// <summary>Bytes acknowledged: those an earlier run had, and this run's.</summary>

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
        onReport(!report.Error.IsError);
        if (report.Error.IsError)
        {
            Fail(report.Error.Code is ErrorCode.MsgSizeTooLarge
                ? new MessageTooLargeException(report.Error.Reason)
                : new StreamsendException(
                    "ChunkNotAcknowledged",
                    ErrorKind.ConnectionError,
                    $"Kafka did not acknowledge chunk {chunkIndex} of '{fullPath}'{(report.Error.Code == ErrorCode.Local_MsgTimedOut ? " within -Timeout" : "")}: {report.Error.Reason} ({report.Error.Code}).",
                    fullPath));
        }
        else
        {
            onAcknowledged(chunkIndex);
            var done = Interlocked.Add(ref ackedBytes, length);
            var now = elapsed.ElapsedTicks;
            var last = Interlocked.Read(ref lastProgressTicks);
            if (now - last >= ProgressIntervalTicks && Interlocked.CompareExchange(ref lastProgressTicks, now, last) == last)
            {
                events.Post(new ProgressEvent(new TransferProgress(transferId, relativePath, done, totalBytes, elapsed.Elapsed, IsComplete: false) { BytesResumed = resumedBytes }));
            }
        }
        Interlocked.Decrement(ref outstanding);
        TryComplete();
    }

    private void TryComplete()
    {
        if (Volatile.Read(ref sealedFlag) == 1 && Volatile.Read(ref outstanding) == 0)
        {
            settled.TrySetResult(true);
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
