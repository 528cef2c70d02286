namespace Streamsend.Engine.Events;

/// <summary>Where one file's transfer stands. Bytes count only what Kafka acknowledged (sending) or what was written (receiving).</summary>
public sealed record TransferProgress(
    Guid TransferId,
    string RelativePath,
    long BytesDone,
    long BytesTotal,
    TimeSpan Elapsed,
    bool IsComplete)
{
    /// <summary>Of <see cref="BytesDone"/>, the bytes an earlier run had sent: a resumed file starts there.</summary>
    public long BytesResumed { get; init; }

    /// <summary>The rate of this run: bytes resumed from an earlier run do not count.</summary>
    public double BytesPerSecond => Elapsed.TotalSeconds > 0 ? (BytesDone - BytesResumed) / Elapsed.TotalSeconds : 0;
}
